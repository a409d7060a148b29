"""A charter amended mid-cycle: the cycle shows the goals of the version in force, each key result once, with
what the amendment changed; closing counts and records each key result once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from alignment.permissions import reader_access
from charters import services as charters
from charters.models import Goal, KeyResult
from reviews import selectors, services
from reviews.models import CycleGoal, CycleKeyResult, ReviewCycle
from tests.charters.factories import ratified_charter

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def amend(team, leader, *, metric: str, target: str | None = None, objective: str | None = None,
          drop: str | None = None):
    """Amend the charter in force (one key result's target, a goal's objective, a key result dropped), ratify it."""
    draft = charters.start_amendment(team=team, actor=leader, note="Raise the bar")
    kr = KeyResult.objects.get(goal__charter=draft, metric=metric)
    if target is not None:
        kr.target_value = Decimal(target)
        charters.update_item(charter=draft, item=kr, expected_version=kr.version, actor=leader)
    if objective is not None:
        goal = kr.goal
        goal.objective = objective
        charters.update_item(charter=draft, item=goal, expected_version=goal.version, actor=leader)
    if drop is not None:
        charters.delete_item(charter=draft, item=KeyResult.objects.get(goal__charter=draft, metric=drop))
    charters.propose(charter=draft, actor=leader)
    return charters.ratify(charter=draft, actor=leader, despite_gaps=True)


@pytest.fixture
def amended(team, leader, frozen):
    """Three goals of one key result each (10 → 20) ratified on 2 Nov; on 9 Nov version 2 raises Metric 2's
    target to 25."""
    frozen(datetime(2026, 11, 2, 9, tzinfo=LONDON))
    ratified_charter(team, leader, goals=3)
    frozen(datetime(2026, 11, 9, 9, tzinfo=LONDON))
    amend(team, leader, metric="Metric 2", target="25")
    return ReviewCycle.objects.get(team=team)


def test_the_cycle_shows_each_key_result_once_as_the_version_in_force_has_it(team, leader, amended, frozen):
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))
    assert CycleGoal.objects.filter(cycle=amended).count() == 6  # both versions' goals ran in the cycle

    page = selectors.cycle_page(reader_access(leader, team.organisation.slug, team.slug), amended.number)

    assert [(kr.metric, kr.charter_number, kr.target_value) for kr in page.key_results] == [
        ("Metric 1", 2, Decimal(20)), ("Metric 2", 2, Decimal(25)), ("Metric 3", 2, Decimal(20))]
    assert [str(a) for a in page.key_results[1].amendments] == ["amended in version 2: target 20% → 25%"]
    assert page.key_results[0].amendments == [] and page.removed == []


def test_the_cycle_page_shows_the_amendment_and_each_goal_once(login, team, leader, member, amended, frozen):
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))

    body = login(member).get(reverse("reviews:cycle", args=[team.organisation.slug, team.slug, 1])).content.decode()

    for n in (1, 2, 3):
        assert body.count(f"<h3>Goal {n}</h3>") == 1
        assert body.count(f'<th scope="row">Metric {n}') == 1
    assert "Amended in version 2: target 20% → 25%" in body


def test_closing_counts_each_key_result_once(team, leader, amended, frozen):
    frozen(datetime(2026, 12, 14, 9, tzinfo=LONDON))
    metric_1 = KeyResult.objects.get(goal__charter__number=2, metric="Metric 1")
    charters.record_progress(key_result=metric_1, actor=leader, value=Decimal(20), confidence="on_track")

    closed = services.close_cycle(team=team, number=1, actor=leader).closed

    assert "1 of 3 key results at target" in closed.summary
    assert set(CycleKeyResult.objects.filter(cycle=closed).values_list("key_result__goal__charter__number",
                                                                       flat=True)) == {2}
    assert CycleKeyResult.objects.filter(cycle=closed).count() == 3


def test_a_goal_renamed_and_a_key_result_dropped_say_so(team, leader, amended, frozen):
    frozen(datetime(2026, 11, 16, 9, tzinfo=LONDON))
    goal_3 = Goal.objects.get(charter__number=2, objective="Goal 3")
    KeyResult.objects.create(goal=goal_3, position=2, metric="Metric 3b", start_value=0, target_value=5)
    amend(team, leader, metric="Metric 1", objective="Records never lost", drop="Metric 3b")
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))

    page = selectors.cycle_page(reader_access(leader, team.organisation.slug, team.slug), 1)

    assert [kr.metric for kr in page.key_results] == ["Metric 1", "Metric 2", "Metric 3"]
    assert {kr.charter_number for kr in page.key_results} == {3}
    assert [str(a) for a in page.key_results[0].goal.amendments] == [
        "amended in version 3: objective “Goal 1” → “Records never lost”"]
    assert [str(a) for a in page.key_results[1].amendments] == ["amended in version 2: target 20% → 25%"]
    assert [str(row) for row in page.removed] == ["Metric 3b (removed in version 3)"]
