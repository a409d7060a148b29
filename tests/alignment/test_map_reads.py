"""The alignment map reads its teams' people, every organisation panel's queries and the sections' first queries
ahead, together (`panels.organisation_page_reads`): each read named ahead is the one the page then asks for, so
none is read twice and none is read for nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alignment import selectors
from tests import reading_ahead
from tests.alignment.test_organisation_map import URL
from tests.charters.test_organisation_goals import org_goal
from tests.charters.test_organisation_map import AT_RISK, ON_TRACK, in_force, key_results_of, readings

pytestmark = pytest.mark.django_db


@pytest.fixture
def read_ahead(monkeypatch):
    return reading_ahead.watch(monkeypatch, selectors)


@pytest.mark.parametrize("reader", ["leader", "member"])
@pytest.mark.parametrize("goals", [0, 1])
def test_every_read_named_ahead_is_the_one_the_map_asks_for(reader, goals, request, login, organisation, team,
                                                            other_team, leader, read_ahead):
    readings(key_results_of(in_force(team, ratified_ago=timedelta(weeks=3)))[0], leader, ON_TRACK, AT_RISK)
    for _ in range(goals):
        org_goal(organisation)

    response = login(request.getfixturevalue(reader)).get(URL)

    assert response.status_code == 200
    assert "1 falling" in response.text
    [reading] = read_ahead
    assert {"_heads_and_leaders", "_charters_in_force", "_charter_readings", "_goals_page"} <= reading.named
    assert reading.left == {}
