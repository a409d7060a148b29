"""Small-team privacy in the retrospective: how many check-ins named a non-negotiable strained, and how the
non-negotiables were rated, read "fewer than 3" below the team's minimum, on the live board and in the health
trend (team page and cycle page), for the facilitator and leader as for members."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from alignment.permissions import TeamAccess
from checkins.models import CheckIn
from reviews.models import NonNegotiableRating, Retrospective
from reviews.retro.selectors import session_page
from tests.reviews.retro_factories import (
    CYCLE_START,
    REVIEW_DAY,
    charter_in_force,
    closed_cycle,
    open_cycle,
    session,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(team, make_user, add_member):
    """`people(n)`: n members besides the cast, created once."""
    made = []

    def given(n: int) -> list:
        while len(made) < n:
            person = make_user(f"person{len(made)}@example.com", f"Person {len(made)}")
            add_member(team, person, "member")
            made.append(person)
        return made[:n]

    return given


@pytest.fixture
def collecting(team, facilitator, people, monkeypatch):
    """`collecting(strained)`: the board while collecting, after `strained` check-ins of the cycle named
    "No pager heroics" strained (and one more check-in named nothing)."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: REVIEW_DAY)
    charter = charter_in_force(team)
    open_cycle(team, charter)
    pager = charter.non_negotiables.get(title="No pager heroics")

    def given(strained: int) -> Retrospective:
        for n, person in enumerate(people(strained + 1)):
            CheckIn.objects.create(team=team, author=person, week=CYCLE_START + timedelta(weeks=1), state="submitted",
                                   submitted_at=REVIEW_DAY - timedelta(weeks=4), load="about_right",
                                   strained_non_negotiable=pager if n < strained else None)
        return session(team, facilitator, phase="collect")

    return given


def test_the_board_shows_fewer_than_3_check_ins_that_named_it_strained(login, leader, member, facilitator,
                                                                       collecting):
    retro = collecting(2)

    for reader in (member, facilitator, leader):
        body = login(reader).get(retro.get_absolute_url()).content.decode()

        assert "<strong>fewer than 3</strong> check-ins this cycle said it was strained." in body
        assert "<strong>2</strong> check-ins" not in body
        # The other non-negotiable: nobody named it, and a strain is no part of a whole (as on the trends page).
        assert "No check-in this cycle said it was strained." in body


def test_the_board_shows_a_count_at_the_minimum(login, member, collecting):
    retro = collecting(3)

    body = login(member).get(retro.get_absolute_url()).content.decode()

    assert "<strong>3</strong> check-ins this cycle said it was strained." in body


def test_a_team_that_shows_every_count_sees_one(login, team, member, collecting):
    team.privacy_minimum = 1
    team.save(update_fields=["privacy_minimum"])
    retro = collecting(1)

    body = login(member).get(retro.get_absolute_url()).content.decode()

    assert "<strong>1</strong> check-in this cycle said it was strained." in body


def test_the_session_counts_ratings_as_they_may_be_shown(team, member, facilitator):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="closed")
    prompts = retro.prompts.filter(kind="non_negotiable")
    NonNegotiableRating.objects.create(retrospective=retro, non_negotiable=prompts[0].non_negotiable,
                                       participant=member, rating="held")

    page = session_page(TeamAccess(team, member, member.memberships.get()), retro.pk, with_tallies=True)

    tally = page.non_negotiable_prompts[0].tally
    assert [str(count) for count in (tally.held, tally.strained, tally.broken)] == ["fewer than 3"] * 3


@pytest.fixture
def reviewed(team, leader, facilitator, people):
    """Two reviewed cycles: "Reviewed code only" held by 2 of 3 in the first, by 3 of 4 in the second."""
    charter = charter_in_force(team)
    nn = charter.non_negotiables.get(title="Reviewed code only")
    raters = people(4)
    for number, ratings in ((1, "HHS"), (2, "HHHB")):
        cycle = closed_cycle(team, charter, number=number, start=CYCLE_START + timedelta(weeks=6 * (number - 1)))
        retro = Retrospective.objects.create(team=team, cycle=cycle, phase="closed", closed_at=REVIEW_DAY)
        for person, letter in zip(raters, ratings, strict=False):
            NonNegotiableRating.objects.create(retrospective=retro, non_negotiable=nn, participant=person,
                                               rating={"H": "held", "S": "strained", "B": "broken"}[letter])
    return nn


def test_the_health_trend_shows_fewer_than_3_on_the_team_page(login, team, leader, member, reviewed):
    for reader in (member, leader):
        body = login(reader).get(team.get_absolute_url()).content.decode()

        assert "<td>fewer than 3</td><td>fewer than 3</td><td>fewer than 3</td>" in body
        assert "<td>3</td><td>fewer than 3</td><td>fewer than 3</td>" in body
        assert "<td>2</td>" not in body and "<td>1</td>" not in body
        assert "Cycle 1: fewer than 3 held, fewer than 3 strained, fewer than 3 broken" in body
        assert "Cycle 2: 3 held, fewer than 3 strained, fewer than 3 broken" in body
        assert "2 held" not in body
        assert _bar_values(body) == ["75"]  # held by two of three in cycle 1: its share (67%) is not drawn either
        assert "held by fewer than 3</li>" in body  # the legend says what its dash stands for


def test_the_health_trend_shows_fewer_than_3_on_the_cycle_page(login, team, leader, member, reviewed):
    for reader in (member, leader):
        body = login(reader).get(reverse("reviews:cycle", args=[team.organisation.slug, team.slug, 2])).content.decode()

        assert "<td>fewer than 3</td><td>fewer than 3</td><td>fewer than 3</td>" in body
        assert "<td>3</td><td>fewer than 3</td><td>fewer than 3</td>" in body


def test_the_health_trend_follows_the_teams_minimum(login, team, member, reviewed):
    team.privacy_minimum = 2
    team.save(update_fields=["privacy_minimum"])

    body = login(member).get(team.get_absolute_url()).content.decode()

    assert "<td>2</td><td>fewer than 2</td><td>fewer than 2</td>" in body
    assert "Cycle 1: 2 held, fewer than 2 strained, fewer than 2 broken" in body
    assert _bar_values(body) == ["67", "75"]


def _bar_values(body: str) -> list[str]:
    """The values written above the health trend's bars."""
    return re.findall(r'<text class="chart-value"[^>]*>([^<]*)</text>', body)
