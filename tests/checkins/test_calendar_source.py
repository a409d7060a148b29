"""Check-in deadlines for the calendar feed: the team's check-in time, in its zone, for those who check in."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from alignment.models import Membership, Team
from alignment.weeks import week_of
from checkins import reminders
from checkins.calendar import checkin_deadlines
from tests.checkins.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

NOV_1, NOV_30 = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)


def test_a_deadline_is_the_moment_the_reminder_goes_and_lateness_starts(team, member):
    deadlines = checkin_deadlines(member, NOV_1, NOV_30)

    # Fridays 6, 13, 20 and 27 Nov at 10:00 in London (the team's default check-in time).
    assert [d.start for d in deadlines] == [at(4, "10:00", MONDAY + timedelta(weeks=n)) for n in range(-2, 2)]
    assert all(d.start == reminders.reminder_at(team, week_of(team, d.start)) for d in deadlines)
    assert deadlines[2].title == "Platform: check-in due"
    assert deadlines[2].url == "/o/harbour/t/platform/check-ins/this-week/"
    assert deadlines[2].uid == f"checkin-deadline/team-{team.pk}/week-{MONDAY}"
    assert "until the week closes at the end of Sunday 22 Nov" in deadlines[2].description


def test_the_window_includes_its_start_and_excludes_its_end(team, member):
    friday = at(4, "10:00")

    assert [d.start for d in checkin_deadlines(member, friday, friday + timedelta(weeks=1))] == [friday]
    assert checkin_deadlines(member, friday - timedelta(weeks=1), friday) == [
        *checkin_deadlines(member, friday - timedelta(weeks=1), friday - timedelta(seconds=1))]
    assert len(checkin_deadlines(member, friday - timedelta(weeks=1), friday)) == 1


def test_the_local_time_holds_when_clocks_go_forward(organisation, member, add_member):
    new_york = Team.objects.create(organisation=organisation, name="NY", slug="ny", time_zone="America/New_York",
                                   checkin_weekday=0, checkin_time=time(9, 0))
    add_member(new_york, member, "member")
    start = datetime(2026, 3, 1, tzinfo=UTC)

    deadlines = [d for d in checkin_deadlines(member, start, start + timedelta(weeks=2)) if d.title.startswith("NY")]

    # Mondays 2 and 9 Mar at 09:00: EST (UTC−5), then EDT (UTC−4) the day after the change.
    assert [d.start.astimezone(UTC) for d in deadlines] == [datetime(2026, 3, 2, 14, tzinfo=UTC),
                                                            datetime(2026, 3, 9, 13, tzinfo=UTC)]
    assert all(d.start.tzinfo == new_york.zone and d.end - d.start == timedelta(minutes=15) for d in deadlines)


def test_a_leader_who_is_only_a_leader_has_no_deadline_and_a_facilitator_has(team, leader, facilitator):
    assert checkin_deadlines(leader, NOV_1, NOV_30) == []
    assert len(checkin_deadlines(facilitator, NOV_1, NOV_30)) == 4


def test_archived_teams_and_other_peoples_teams_are_not_listed(team, member, outsider, other_team):
    Team.objects.filter(pk=team.pk).update(archived_at=NOV_1)

    assert checkin_deadlines(member, NOV_1, NOV_30) == []
    assert {d.title for d in checkin_deadlines(outsider, NOV_1, NOV_30)} == {"Growth: check-in due"}


@pytest.mark.parametrize("teams", [2, 20])
def test_one_query_for_2_or_20_teams(organisation, member, teams, django_assert_num_queries):
    for n in range(teams):
        team = Team.objects.create(organisation=organisation, name=f"Team {n}", slug=f"team-{n}",
                                   time_zone=["Pacific/Auckland", "Europe/Paris"][n % 2], checkin_weekday=n % 7)
        Membership.objects.create(team=team, user=member, is_member=True)

    # 1 the person's memberships in teams not archived, with the teams and their organisations
    with django_assert_num_queries(1):
        deadlines = checkin_deadlines(member, NOV_1, NOV_30)

    assert len(deadlines) >= teams * 4
