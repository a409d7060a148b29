"""A person's check-ins page calls a week without a check-in missed only when they were there to write one: weeks
before they joined the team, or before the team existed, say so instead (counted as trends count them)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from alignment.models import Membership
from checkins.models import CheckIn
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def young_team(team, leader, member, facilitator, frozen):
    """Created on the Wednesday two weeks before MONDAY with the member; the facilitator joined on MONDAY."""
    created = at(2, monday=MONDAY - timedelta(weeks=2))
    type(team).objects.filter(pk=team.pk).update(created_at=created)
    Membership.objects.filter(team=team).update(joined_at=created)
    Membership.objects.filter(team=team, user=facilitator).update(joined_at=at(0))
    team.refresh_from_db()
    frozen(at(4))
    return team


def weeks_without(body: str) -> dict[str, str]:
    """Each week shown without a check-in, and what the page says of it."""
    return dict(re.findall(r'<p class="card muted[^"]*">Week of ([^:]+): ([^<]+)\.</p>', body))


def test_weeks_before_someone_joined_are_not_missed(login, leader, facilitator, young_team):
    body = login(leader).get(url("person", facilitator.pk)).content.decode()

    said = weeks_without(body)
    assert len(said) == 12
    assert said["16 Nov 2026"] == "no check-in"  # joined this week: expected
    assert said["9 Nov 2026"] == said["2 Nov 2026"] == "before Fay Facilitator joined the team"
    assert said["26 Oct 2026"] == "before the team existed"
    assert list(said.values()).count("no check-in") == 1


def test_weeks_before_the_team_existed_are_not_missed_by_its_first_members(login, member, young_team):
    CheckIn.objects.create(team=young_team, author=member, week=MONDAY - timedelta(weeks=1), state="submitted",
                           submitted_at=at(4, monday=MONDAY - timedelta(weeks=1)), progress="First week")

    body = login(member).get(url("person", member.pk)).content.decode()

    said = weeks_without(body)
    assert said["16 Nov 2026"] == said["2 Nov 2026"] == "no check-in"  # created midweek with the member
    assert "9 Nov 2026" not in said and "First week" in body
    assert [week for week, words in said.items() if words == "before the team existed"] == [
        f"{(MONDAY - timedelta(weeks=back)):%-d %b %Y}" for back in range(3, 12)]


def test_a_check_in_written_before_the_membership_says_they_joined_is_still_shown(login, leader, facilitator,
                                                                                 young_team):
    earlier = MONDAY - timedelta(weeks=1)
    CheckIn.objects.create(team=young_team, author=facilitator, week=earlier, state="submitted",
                           submitted_at=at(3, monday=earlier), progress="Helped out before joining")

    body = login(leader).get(url("person", facilitator.pk)).content.decode()

    assert "Helped out before joining" in body and "9 Nov 2026" not in weeks_without(body)
