"""The non-negotiables' health across cycles: each one's held / strained / broken ratings, cycle by cycle."""

from __future__ import annotations

from datetime import timedelta

import pytest

from charters.models import Charter, NonNegotiable
from reviews.models import NonNegotiableRating, Retrospective
from reviews.retro.selectors import health_trend
from tests.reviews.retro_factories import CYCLE_START, REVIEW_DAY, closed_cycle, open_cycle, session

pytestmark = pytest.mark.django_db


@pytest.fixture
def rate(team, make_user, add_member):
    """`rate(retro, nn, "HSB")`: one person per letter rates `nn` held, strained or broken in `retro`."""
    people = []

    def given(retro, nn, letters: str) -> None:
        while len(people) < len(letters):
            person = make_user(f"rater{len(people)}@example.com", f"Rater {len(people)}")
            add_member(team, person, "member")
            people.append(person)
        for person, letter in zip(people, letters, strict=False):
            NonNegotiableRating.objects.create(retrospective=retro, non_negotiable=nn, participant=person,
                                               rating={"H": "held", "S": "strained", "B": "broken"}[letter])

    return given


def _reviewed(team, charter, number: int) -> Retrospective:
    cycle = closed_cycle(team, charter, number=number, start=CYCLE_START + timedelta(weeks=6 * (number - 5)))
    return Retrospective.objects.create(team=team, cycle=cycle, phase="closed", closed_at=REVIEW_DAY)


def test_each_non_negotiable_has_its_counts_per_reviewed_cycle(team, leader, facilitator, rate):
    v1 = Charter.objects.create(team=team, number=1, state=Charter.State.SUPERSEDED)
    alerts_v1 = NonNegotiable.objects.create(charter=v1, title="Every alert has a runbook")
    v2 = Charter.objects.create(team=team, number=2, state=Charter.State.RATIFIED)
    alerts_v2 = NonNegotiable.objects.create(charter=v2, title="Every alert has a runbook")  # amended, same title
    friday = NonNegotiable.objects.create(charter=v2, title="No Friday deploys")
    rate(_reviewed(team, v1, 1), alerts_v1, "HSSB")
    second = _reviewed(team, v2, 2)
    rate(second, alerts_v2, "HHHS")
    rate(second, friday, "HHHH")
    open_cycle(team, v2, number=3)
    running = session(team, facilitator, phase="vote")  # not reviewed yet: its ratings are not final
    rate(running, friday, "BBBB")

    trend = health_trend(team)

    assert trend.cycle_numbers == [1, 2]
    alerts, fridays = trend.non_negotiables
    assert alerts.title == "Every alert has a runbook"
    assert [(c.cycle_number, c.held, c.strained, c.broken) for c in alerts.cycles] == [(1, 1, 2, 1), (2, 3, 1, 0)]
    assert [c.held_percent for c in alerts.cycles] == [25, 75]
    assert [c.status for c in alerts.cycles] == ["off_track", "on_track"]
    assert [(c.total, c.held_percent) for c in fridays.cycles] == [(0, None), (4, 100)]


@pytest.mark.parametrize("cycles", [2, 12])
def test_the_trend_costs_one_query_however_many_cycles(team, leader, rate, cycles, django_assert_num_queries):
    charter = Charter.objects.create(team=team, number=1, state=Charter.State.RATIFIED)
    nns = [NonNegotiable.objects.create(charter=charter, title=f"Standard {n}") for n in range(4)]
    for number in range(1, cycles + 1):
        retro = _reviewed(team, charter, number)
        for nn in nns:
            rate(retro, nn, "HHSB")

    # the ratings of the last eight reviewed cycles, counted per cycle, non-negotiable title and rating
    with django_assert_num_queries(1):
        trend = health_trend(team)
        assert len(trend.non_negotiables) == 4

    assert trend.cycle_numbers == list(range(max(1, cycles - 7), cycles + 1))


def test_the_team_page_shows_the_trend_as_a_chart_and_a_table(login, team, leader, member, rate):
    # Counts as they are: small-team privacy ("fewer than 3") is tests/reviews/test_retro_small_team_privacy.py's.
    team.privacy_minimum = 1
    team.save(update_fields=["privacy_minimum"])
    charter = Charter.objects.create(team=team, number=1, state=Charter.State.RATIFIED)
    nn = NonNegotiable.objects.create(charter=charter, title="Reviewed code only")
    rate(_reviewed(team, charter, 1), nn, "HHS")
    rate(_reviewed(team, charter, 2), nn, "HHH")

    body = login(member).get(team.get_absolute_url()).content.decode()

    assert 'id="health-trend"' in body and "Reviewed code only" in body
    assert '<svg class="chart bar-chart"' in body
    assert "<td>2</td><td>1</td><td>0</td>" in body and "<td>3</td><td>0</td><td>0</td>" in body


def test_no_trend_before_a_cycle_was_reviewed(login, team, leader, member):
    assert 'id="health-trend"' not in login(member).get(team.get_absolute_url()).content.decode()
