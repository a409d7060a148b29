"""Closing a cycle records how it ended and opens the next; twice, or twice at once, is one rollover."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from alignment.confirm import CONFIRMED
from charters.models import KeyResult, KeyResultProgress
from charters.services import record_progress
from checkins.models import Commitment
from decisions.models import Decision
from reviews import selectors, services
from reviews.models import CycleCommitment, CycleGoal, CycleKeyResult, ReviewCycle
from tests.charters.factories import ratified_charter
from tests.concurrency import on_postgresql, run_concurrently

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def running(team, leader, frozen):
    """A cycle that started on 2 Nov 2026 under a ratified charter with two goals (key results 10 → 20)."""
    frozen(datetime(2026, 11, 2, 9, tzinfo=LONDON))
    charter = ratified_charter(team, leader, goals=2)
    return ReviewCycle.objects.get(team=team), charter


def url(name: str, team, *args) -> str:
    return reverse(f"reviews:{name}", args=[team.organisation.slug, team.slug, *args])


def test_closing_records_the_end_and_opens_the_next_with_unmet_goals(team, leader, running, frozen):
    cycle, charter = running
    met, unmet = KeyResult.objects.filter(goal__charter=charter).order_by("goal__position")
    frozen(datetime(2026, 12, 10, 9, tzinfo=LONDON))
    record_progress(key_result=met, actor=leader, value=Decimal(20), confidence="on_track")
    record_progress(key_result=unmet, actor=leader, value=Decimal(12), confidence="at_risk")

    rollover = services.close_cycle(team=team, number=cycle.number, actor=leader)

    closed, opened = rollover.closed, rollover.opened
    assert (closed.state, closed.closed_by, closed.charter) == (ReviewCycle.State.CLOSED, leader, charter)
    assert "1 of 2 key results at target" in closed.summary
    finals = {row.key_result_id: (row.final_value, row.final_confidence) for row in CycleKeyResult.objects.all()}
    assert finals == {met.pk: (Decimal(20), "on_track"), unmet.pk: (Decimal(12), "at_risk")}
    assert (opened.number, opened.start_date, opened.state) == (2, closed.end_date, ReviewCycle.State.OPEN)
    assert opened.end_date == opened.start_date + timedelta(weeks=team.review_cadence_weeks)
    assert list(CycleGoal.objects.filter(cycle=opened).values_list("goal_id", flat=True)) == [unmet.goal_id]


def test_closing_early_ends_the_cycle_today(team, leader, running, frozen):
    cycle, _ = running
    frozen(datetime(2026, 11, 20, 9, tzinfo=LONDON))

    rollover = services.close_cycle(team=team, number=cycle.number, actor=leader)

    assert rollover.closed.end_date == date(2026, 11, 20) == rollover.opened.start_date


def test_commitments_marked_to_carry_over_go_on_and_the_others_stay_behind(team, leader, member, running, frozen):
    cycle, _ = running
    kept, left = (Commitment.objects.create(team=team, owner=member, title=t, standard="Done", due_on=date(2026, 12, 1))
                  for t in ("Runbook", "Dashboard"))
    done = Commitment.objects.create(team=team, owner=member, title="Done one", standard="Done",
                                     due_on=date(2026, 11, 10), state="done")
    CycleCommitment.objects.create(cycle=cycle, commitment=done)
    frozen(datetime(2026, 12, 15, 9, tzinfo=LONDON))

    opened = services.close_cycle(team=team, number=cycle.number, actor=leader, carry={kept.pk}).opened

    assert list(CycleCommitment.objects.filter(cycle=opened).values_list("commitment_id", flat=True)) == [kept.pk]
    assert Commitment.objects.get(pk=left.pk).is_open  # not carried, not closed either


def test_closing_twice_changes_nothing_more(team, leader, running, frozen):
    cycle, _ = running
    frozen(datetime(2026, 12, 15, 9, tzinfo=LONDON))
    first = services.close_cycle(team=team, number=cycle.number, actor=leader)

    second = services.close_cycle(team=team, number=cycle.number, actor=None)

    assert second.already and second.opened == first.opened
    assert ReviewCycle.objects.filter(team=team).count() == 2
    assert CycleKeyResult.objects.count() == 2


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_closes_at_once_close_one_cycle_and_open_one(team, leader, running, frozen):
    cycle, _ = running
    frozen(datetime(2026, 12, 15, 9, tzinfo=LONDON))

    outcomes = run_concurrently(*(
        (lambda: services.close_cycle(team=team, number=cycle.number, actor=leader)) for _ in range(2)))

    rollovers = [o.unwrap() for o in outcomes]
    assert sorted(r.already for r in rollovers) == [False, True]
    assert ReviewCycle.objects.filter(team=team).count() == 2
    assert ReviewCycle.objects.filter(team=team, state="open").count() == 1
    assert CycleKeyResult.objects.count() == 2


def test_the_ledger_says_whether_an_investment_recovered(team, leader, running, frozen):
    cycle, charter = running
    kr = KeyResult.objects.filter(goal__charter=charter).first()
    for when, value in ((datetime(2026, 11, 3, 9, tzinfo=LONDON), 15), (datetime(2026, 11, 20, 9, tzinfo=LONDON), 16)):
        KeyResultProgress.objects.create(lineage=kr, key_result=kr, value=value, confidence="on_track",
                                         recorded_at=when)

    def invest(title, logged, until):
        return Decision.objects.create(team=team, title=title, purpose_effect="advances", metric_effect="dents",
                                       verdict="conscious_investment", key_result=kr, investment_amount="-2 points",
                                       investment_until=until, logged_at=logged, logged_by=leader)

    invest("Recovered", datetime(2026, 11, 4, 9, tzinfo=LONDON), date(2026, 12, 1))  # 15 then, 16 now
    KeyResultProgress.objects.create(lineage=kr, key_result=kr, value=17, confidence="on_track",
                                     recorded_at=datetime(2026, 11, 10, 9, tzinfo=LONDON))
    invest("Overdue", datetime(2026, 11, 11, 9, tzinfo=LONDON), date(2026, 11, 15))  # 17 then, 16 now
    invest("Not yet", datetime(2026, 11, 11, 10, tzinfo=LONDON), date(2026, 12, 31))
    frozen(datetime(2026, 11, 25, 9, tzinfo=LONDON))
    from alignment.permissions import reader_access

    page = selectors.cycle_page(reader_access(leader, team.organisation.slug, team.slug), cycle.number)

    assert {row.decision.title: row.verdict for row in page.ledger} == {
        "Recovered": "recovered", "Overdue": "overdue", "Not yet": "not yet"}


def test_the_cycle_page_and_the_close_button(login, leader, member, team, running, frozen):
    cycle, _ = running
    frozen(datetime(2026, 11, 25, 9, tzinfo=LONDON))

    member_page = login(member).get(url("cycle", team, cycle.number)).content.decode()
    assert "Goals and key results" in member_page and "Close this cycle" not in member_page
    assert login(member).post(url("close_cycle", team, cycle.number)).status_code == 403

    client = login(leader)
    assert "Close this cycle" in client.get(url("cycle", team, cycle.number)).content.decode()
    response = client.post(url("close_cycle", team, cycle.number), {**CONFIRMED, "summary": "Reorganised."})
    assert response.status_code == 302 and response["Location"] == url("cycle", team, 2)
    again = client.post(url("close_cycle", team, cycle.number), follow=True).content.decode()
    assert "already closed cycle 1" in again


@pytest.mark.parametrize("name, method", [("cycle", "get"), ("close_cycle", "post")])
def test_people_outside_the_team_are_refused_the_cycle_pages(client, login, outsider, stranger, team, running,
                                                            name, method):
    cycle, _ = running
    target = url(name, team, cycle.number)

    assert getattr(client, method)(target).status_code == 302  # to log in
    for person in (outsider, stranger):
        assert getattr(login(person), method)(target).status_code == 404
    assert ReviewCycle.objects.get(pk=cycle.pk).state == ReviewCycle.State.OPEN
