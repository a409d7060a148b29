"""Ratifying a charter opens the team's first review cycle, through the `charter_ratified` signal."""

from __future__ import annotations

from charters import services
from charters.models import Goal
from reviews.models import CycleGoal, ReviewCycle
from reviews.services import join_open_cycle
from tests.charters.factories import complete_charter, ratified_charter


def test_the_first_ratification_opens_cycle_one_with_the_charters_goals(team, leader):
    charter = ratified_charter(team, leader, goals=2)

    cycle = ReviewCycle.objects.get(team=team)
    assert (cycle.number, cycle.state, cycle.charter_id) == (1, ReviewCycle.State.OPEN, charter.pk)
    assert set(CycleGoal.objects.filter(cycle=cycle).values_list("goal_id", flat=True)) == set(
        Goal.objects.filter(charter=charter).values_list("pk", flat=True)
    )


def test_an_amendment_ratified_mid_cycle_joins_the_open_cycle(team, leader):
    ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)
    services.propose(charter=draft, actor=leader)
    services.ratify(charter=draft, actor=leader, despite_gaps=True)

    assert ReviewCycle.objects.filter(team=team).count() == 1
    cycle = ReviewCycle.objects.get(team=team)
    assert CycleGoal.objects.filter(cycle=cycle, goal__charter=draft).count() == 1


def test_joining_twice_adds_nothing_more(team, leader):
    charter = ratified_charter(team, leader, goals=2)

    join_open_cycle(charter=charter)

    assert ReviewCycle.objects.filter(team=team).count() == 1
    assert CycleGoal.objects.count() == 2


def test_a_draft_opens_no_cycle(team, leader):
    complete_charter(team, leader)

    assert not ReviewCycle.objects.exists()


def test_a_cycle_is_shown_on_the_team_page_with_a_link_to_its_own(login, member, team, leader):
    ratified_charter(team, leader)
    cycle = ReviewCycle.objects.get(team=team)

    response = login(member).get(team.get_absolute_url())

    assert response.status_code == 200
    assert b'id="cycle"' in response.content
    assert cycle.get_absolute_url().encode() in response.content
    assert login(member).get(cycle.get_absolute_url()).status_code == 200
