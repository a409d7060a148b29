"""Review sessions for the calendar feed: the day a cycle ends in the team's zone, as the scheduler sees it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from alignment.models import Membership, Team
from reviews import rollover
from reviews.calendar import review_sessions
from reviews.models import ReviewCycle
from tests.reviews.retro_factories import (
    CYCLE_END,
    CYCLE_START,
    LONDON,
    charter_in_force,
    closed_cycle,
    open_cycle,
    session,
)

pytestmark = pytest.mark.django_db

OCT_1, DEC_31 = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)


def test_the_session_is_the_cycles_end_date_at_midnight_in_the_teams_zone(team, member):
    cycle = open_cycle(team, charter_in_force(team))

    (event,) = review_sessions(member, OCT_1, DEC_31)

    assert event.start == datetime(2026, 11, 16, 0, 0, tzinfo=LONDON) == rollover.ends_at(cycle)
    assert event.end == datetime(2026, 11, 17, 0, 0, tzinfo=LONDON)
    assert (event.title, event.uid) == ("Platform: review of cycle 1", f"review-session/team-{team.pk}/cycle-1")
    assert event.url == "/o/harbour/t/platform/cycles/1/"


def test_the_session_reminder_goes_24_hours_before_the_calendars_session(team, member, facilitator):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator)

    (event,) = review_sessions(member, OCT_1, DEC_31)

    assert rollover.due_sessions(event.start - rollover.SESSION_NOTICE) == [retro]
    assert rollover.due_sessions(event.start - rollover.SESSION_NOTICE - timedelta(minutes=1)) == []
    # Once started, the session's own page is the link.
    assert event.url == retro.get_absolute_url()


def test_a_team_far_east_has_its_session_the_evening_before_in_utc(team, member):
    Team.objects.filter(pk=team.pk).update(time_zone="Pacific/Auckland")
    team.refresh_from_db()
    open_cycle(team, charter_in_force(team))
    midnight_in_auckland = datetime(2026, 11, 15, 11, 0, tzinfo=UTC)  # NZDT, UTC+13

    (event,) = review_sessions(member, midnight_in_auckland, midnight_in_auckland + timedelta(days=1))

    assert event.start.astimezone(UTC) == midnight_in_auckland
    assert review_sessions(member, midnight_in_auckland + timedelta(seconds=1), DEC_31) == []


def test_past_cycles_in_the_window_stay_and_cycles_outside_it_do_not(team, member):
    charter = charter_in_force(team)
    closed_cycle(team, charter, number=1, start=CYCLE_START - timedelta(weeks=12))  # ended 24 Aug
    closed_cycle(team, charter, number=2, start=CYCLE_START - timedelta(weeks=6))  # ended 5 Oct
    open_cycle(team, charter, number=3)  # ends 16 Nov

    assert [e.title for e in review_sessions(member, OCT_1, DEC_31)] == ["Platform: review of cycle 2",
                                                                         "Platform: review of cycle 3"]
    assert review_sessions(member, OCT_1, datetime(2026, 11, 16, tzinfo=UTC))[-1].title.endswith("cycle 2")


def test_archived_teams_and_other_peoples_teams_are_not_listed(team, member, outsider, other_team):
    open_cycle(team, charter_in_force(team))
    ReviewCycle.objects.create(team=other_team, number=1, start_date=CYCLE_START, end_date=CYCLE_END)

    assert [e.title for e in review_sessions(outsider, OCT_1, DEC_31)] == ["Growth: review of cycle 1"]
    Team.objects.filter(pk=team.pk).update(archived_at=OCT_1)
    assert review_sessions(member, OCT_1, DEC_31) == []


@pytest.mark.parametrize("teams", [2, 20])
def test_two_queries_for_2_or_20_teams(organisation, member, facilitator, teams, django_assert_num_queries):
    for n in range(teams):
        team = Team.objects.create(organisation=organisation, name=f"Team {n}", slug=f"team-{n}",
                                   time_zone=["America/Los_Angeles", "Asia/Kolkata"][n % 2])
        Membership.objects.create(team=team, user=member, is_member=True)
        Membership.objects.create(team=team, user=facilitator, is_facilitator=True, is_member=False)
        open_cycle(team, None, start=date(2026, 10, 5) + timedelta(days=n))
        session(team, facilitator)

    # 1 the person's memberships in teams not archived, with the teams and their organisations,
    # 2 the cycles of those teams ending in the window, each with its retrospective's id
    with django_assert_num_queries(2):
        sessions = review_sessions(member, OCT_1, DEC_31)

    assert len(sessions) == teams
    assert all("/retrospectives/" in event.url for event in sessions)
