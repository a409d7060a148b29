"""The team page reads its people, invitations and every panel's query ahead, together (`panels.team_panel_reads`):
each read named ahead is the one its panel then asks for, so none is read twice and none is read for nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from alignment import panels, views
from alignment.permissions import team_access
from tests import reading_ahead

pytestmark = pytest.mark.django_db


@pytest.fixture
def left_unread(monkeypatch):
    """What each reading ahead on the team page read and nobody asked for, by reading."""
    return reading_ahead.watch(monkeypatch, views)


@pytest.mark.parametrize("reader", ["leader", "member"])
def test_every_read_named_ahead_is_the_one_the_page_asks_for(reader, request, login, team, leader, member,
                                                             left_unread):
    response = login(request.getfixturevalue(reader)).get(reverse("team", args=["harbour", "platform"]))

    assert response.status_code == 200
    assert [reading.left for reading in left_unread] == [{}]


def test_each_panel_that_queries_names_its_reads(team, member):
    """Every registered panel that reads the team through a kept query says so ahead (the charter card, the cycle,
    the health trend); a panel that reads nothing (import and export) names nothing."""
    access = team_access(member, "harbour", "platform")
    builds = {read.build.__name__ for read in panels.team_panel_reads(access)}

    assert {"_versions_in_force", "_open_cycle", "_ratings"} <= builds
