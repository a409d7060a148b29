"""Two admins (or an admin and a leader) acting on the organisation's goals at the same instant, on PostgreSQL:
never a lost write, a duplicate place, or a team goal newly linked to a goal closed under it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alignment.errors import ActionRefused
from charters import services
from charters.models import Goal, OrganisationGoal, OrganisationKeyResultReading
from tests.charters.factories import complete_charter
from tests.charters.test_organisation_goals import org_goal
from tests.concurrency import on_postgresql, run_concurrently

ROUNDS = 3
# Each race runs in several rounds (fresh data each time): any one round may happen to serialise.
pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True),
              pytest.mark.parametrize("round_", range(ROUNDS))]


def test_two_goals_added_at_once_take_two_places(round_, organisation):
    outcomes = run_concurrently(lambda: org_goal(organisation, "One"), lambda: org_goal(organisation, "Two"))

    for outcome in outcomes:
        outcome.unwrap()
    assert sorted(OrganisationGoal.objects.values_list("position", flat=True)) == [1, 2]


def test_two_moves_at_once_keep_every_place_once(round_, organisation):
    first, second, third = (org_goal(organisation, name) for name in ("One", "Two", "Three"))

    for outcome in run_concurrently(lambda: services.move_organisation_goal(goal=first, direction="down"),
                                    lambda: services.move_organisation_goal(goal=third, direction="up")):
        outcome.unwrap()

    assert sorted(OrganisationGoal.objects.values_list("position", flat=True)) == [1, 2, 3]


def test_two_readings_at_once_are_both_kept_and_the_current_one_is_the_last(round_, organisation, admin):
    goal = org_goal(organisation)
    key_result = services.add_organisation_key_result(goal=goal, metric="Visits within a day", unit="%")

    outcomes = run_concurrently(
        lambda: services.record_organisation_reading(key_result=key_result, actor=admin, value=Decimal(60),
                                                     confidence="at_risk"),
        lambda: services.record_organisation_reading(key_result=key_result, actor=admin, value=Decimal(70),
                                                     confidence="on_track"))

    for outcome in outcomes:
        outcome.unwrap()
    readings = list(OrganisationKeyResultReading.objects.filter(key_result=key_result).order_by("recorded_at", "pk"))
    assert len(readings) == 2
    key_result.refresh_from_db()
    assert (key_result.current_value, key_result.confidence) == (readings[-1].value, readings[-1].confidence)


def test_linking_a_team_goal_while_the_goal_closes_never_links_a_closed_goal_newly(round_, organisation, team,
                                                                                    leader, admin):
    charter = complete_charter(team, leader)
    goal = org_goal(organisation)
    team_goal = Goal.objects.get(charter=charter)
    team_goal.contributes_to = goal

    link, close = run_concurrently(
        lambda: services.update_item(charter=charter, item=team_goal, expected_version=team_goal.version),
        lambda: services.close_organisation_goal(goal=goal, actor=admin))

    close.unwrap()
    team_goal.refresh_from_db()
    if link.error is None:  # linked first: a link made before the goal closed is kept
        assert team_goal.contributes_to_id == goal.pk
    else:  # closed first: the link is refused in words, and nothing was saved
        assert isinstance(link.error, ActionRefused) and "closed meanwhile" in str(link.error)
        assert team_goal.contributes_to_id is None
