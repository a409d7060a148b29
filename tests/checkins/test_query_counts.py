"""Both check-in pages cost the same number of queries with 5 people or 50."""

from __future__ import annotations

import pytest

from charters.models import KeyResult
from checkins.models import Blocker, CheckIn, KeyResultUpdate
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(team, member, charter, make_user, add_member, frozen):
    """`crowd(n)`: n more members, each with a submitted check-in, a blocker and a strained non-negotiable."""
    frozen(at(4))
    strained = charter.non_negotiables.first()

    def grow(n: int) -> None:
        for i in range(n):
            person = make_user(f"person{i}@example.com", f"Person {i}")
            add_member(team, person, "member")
            checkin = CheckIn.objects.create(team=team, author=person, week=MONDAY, state="submitted",
                                             submitted_at=at(1), load="light", strained_non_negotiable=strained,
                                             strain_note="Hard week", boundary_question="Who owns the rota?")
            Blocker.objects.create(check_in=checkin, what=f"Blocker {i}", who_could_help=member,
                                   goal=charter.goals.first())
        mine = CheckIn.objects.create(team=team, author=member, week=MONDAY, progress="Drafting")
        Blocker.objects.create(check_in=mine, what="Mine")
        KeyResultUpdate.objects.create(check_in=mine, key_result=KeyResult.objects.first(), value=2,
                                       confidence="on_track")
        CheckIn.objects.create(team=team, author=member, week=MONDAY.replace(day=9), progress="Last week")

    return grow


@pytest.mark.parametrize("people", [5, 50])
def test_the_leaders_week(login, leader, crowd, people, django_assert_num_queries):
    crowd(people)
    client = login(leader)

    # session, user, the leader's membership of the team (team_access), the team's memberships with
    # their people, the week's check-ins with strained non-negotiables, the team's open shared
    # blockers with who raised them, the header's team switcher.
    with django_assert_num_queries(7):
        response = client.get(url("week"))

    assert response.content.decode().count("Raised by") == people


@pytest.mark.parametrize("people", [5, 50])
def test_this_week(login, member, crowd, people, django_assert_num_queries):
    crowd(people)
    client = login(member)

    # session, user, membership (team_access), active charter, its non-negotiables, its goals, their key
    # results, the team's people (who could help), this and last week's check-ins, their blockers, this
    # week's key-result updates, the header's team switcher.
    with django_assert_num_queries(12):
        response = client.get(url("this_week"))

    assert response.status_code == 200
