"""A team's week runs from Monday 00:00 to the next Monday 00:00 in the team's time zone.

Pure arithmetic on unsaved teams: no database, and the clock is moved by passing `now=`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from alignment.models import Team, Weekday
from alignment.weeks import TeamWeek, current_week, monday_of, week_of, week_starting, weeks_between

HOUR = timedelta(hours=1)


def team_in(zone: str, *, weekday: int = Weekday.FRIDAY, at: time = time(10, 0)) -> Team:
    return Team(name=zone, slug="t", time_zone=zone, checkin_weekday=weekday, checkin_time=at)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)


# East and west of UTC -------------------------------------------------------------------------

@pytest.mark.parametrize(("zone", "monday_midnight_in_utc"), [
    ("Pacific/Auckland", utc(2026, 11, 22, 11, 0)),  # NZDT, UTC+13: Monday starts on Sunday in UTC
    ("Asia/Kolkata", utc(2026, 11, 22, 18, 30)),  # UTC+5:30, no daylight saving
    ("Europe/London", utc(2026, 11, 23, 0, 0)),  # GMT in November
    ("America/Los_Angeles", utc(2026, 11, 23, 8, 0)),  # PST, UTC-8
])
def test_a_week_starts_at_local_midnight_on_monday(zone, monday_midnight_in_utc):
    team = team_in(zone)

    week = week_of(team, utc(2026, 11, 25, 12, 0))  # a Wednesday everywhere

    assert week.monday == date(2026, 11, 23)
    assert (week.starts_at.weekday(), week.starts_at.time()) == (0, time(0, 0))
    assert week.starts_at.tzinfo == ZoneInfo(zone)
    assert week.starts_at == monday_midnight_in_utc
    assert week.ends_at == monday_midnight_in_utc + timedelta(days=7)
    assert week.length == timedelta(hours=168)


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "Asia/Kolkata", "America/Los_Angeles"])
def test_the_first_and_last_moments_of_a_week(zone):
    week = week_starting(team_in(zone), date(2026, 11, 23))

    assert week.contains(week.starts_at)
    assert week.contains(week.ends_at - timedelta(microseconds=1))
    assert not week.contains(week.ends_at)
    assert not week.contains(week.starts_at - timedelta(microseconds=1))
    assert week_of(team_in(zone), week.ends_at) == week.next()


def test_contains_compares_instants_whatever_zone_they_are_written_in():
    week = week_starting(team_in("Pacific/Auckland"), date(2026, 11, 23))

    # Sunday 22 Nov 11:00 UTC is Monday 00:00 in Auckland; written in Los Angeles it is Saturday.
    assert week.contains(local("America/Los_Angeles", 2026, 11, 22, 3, 0))
    assert not week.contains(local("America/Los_Angeles", 2026, 11, 22, 2, 59))


# The same instant, different weeks ---------------------------------------------------------------

def test_sunday_night_in_los_angeles_is_already_monday_in_london():
    instant = local("America/Los_Angeles", 2026, 11, 22, 23, 30)  # Sunday; 07:30 Monday in London

    assert week_of(team_in("America/Los_Angeles"), instant).monday == date(2026, 11, 16)
    assert week_of(team_in("Europe/London"), instant).monday == date(2026, 11, 23)


def test_monday_morning_in_auckland_is_still_last_week_in_london():
    instant = local("Pacific/Auckland", 2026, 11, 23, 0, 30)  # Sunday 11:30 UTC

    assert week_of(team_in("Pacific/Auckland"), instant).monday == date(2026, 11, 23)
    assert week_of(team_in("Europe/London"), instant).monday == date(2026, 11, 16)
    assert week_of(team_in("Asia/Kolkata"), instant).monday == date(2026, 11, 16)  # Sunday 17:00 there


# Daylight saving ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("zone", "monday", "hours"), [
    ("Europe/London", date(2026, 3, 23), 167),  # clocks go forward on Sunday 29 March
    ("Europe/London", date(2026, 10, 19), 169),  # clocks go back on Sunday 25 October
    ("Australia/Sydney", date(2026, 9, 28), 167),  # clocks go forward on Sunday 4 October
    ("Australia/Sydney", date(2026, 3, 30), 169),  # clocks go back on Sunday 5 April
    ("America/Los_Angeles", date(2026, 3, 2), 167),  # forward on Sunday 8 March
])
def test_a_week_spanning_a_clock_change_still_runs_midnight_to_midnight(zone, monday, hours):
    team = team_in(zone)

    week = week_starting(team, monday)

    assert week.length == timedelta(hours=hours)
    assert (week.starts_at.date(), week.starts_at.time()) == (monday, time(0, 0))
    assert (week.ends_at.date(), week.ends_at.time()) == (monday + timedelta(days=7), time(0, 0))
    # The next week starts exactly where this one ends, at local midnight again.
    assert week.next().starts_at == week.ends_at
    assert week.next().starts_at.time() == time(0, 0)
    assert week.next().length == timedelta(hours=168)


def test_london_week_after_clocks_go_forward_starts_at_bst_midnight():
    week = week_starting(team_in("Europe/London"), date(2026, 3, 30))

    assert week.starts_at == utc(2026, 3, 29, 23, 0)  # 00:00 BST
    assert week.previous().starts_at == utc(2026, 3, 23, 0, 0)  # 00:00 GMT


def test_the_hour_that_happens_twice_belongs_to_the_week_it_happens_in():
    team = team_in("Europe/London")
    week = week_starting(team, date(2026, 10, 19))

    first = local("Europe/London", 2026, 10, 25, 1, 30, fold=0)  # 00:30 UTC, still BST
    second = local("Europe/London", 2026, 10, 25, 1, 30, fold=1)  # 01:30 UTC, now GMT

    assert week.contains(first) and week.contains(second)
    assert week_of(team, second) == week
    assert week.contains(local("Europe/London", 2026, 10, 25, 23, 59))
    assert not week.contains(utc(2026, 10, 26, 0, 0))


# The check-in deadline ---------------------------------------------------------------------------

@pytest.mark.parametrize(("zone", "expected_utc"), [
    ("Pacific/Auckland", utc(2026, 11, 26, 21, 0)),  # Friday 10:00 NZDT
    ("Asia/Kolkata", utc(2026, 11, 27, 4, 30)),
    ("America/Los_Angeles", utc(2026, 11, 27, 18, 0)),
])
def test_due_at_is_the_teams_weekday_and_local_time(zone, expected_utc):
    team = team_in(zone, weekday=Weekday.FRIDAY, at=time(10, 0))
    week = week_starting(team, date(2026, 11, 23))

    due = week.due_at(team.checkin_weekday, team.checkin_time)

    assert (due.date(), due.time(), due.tzinfo) == (date(2026, 11, 27), time(10, 0), ZoneInfo(zone))
    assert due == expected_utc
    assert week.contains(due)


def test_due_on_monday_morning_and_sunday_night_stay_inside_the_week():
    week = week_starting(team_in("Europe/London"), date(2026, 11, 23))

    assert week.due_at(Weekday.MONDAY, time(0, 0)) == week.starts_at
    sunday_night = week.due_at(Weekday.SUNDAY, time(23, 59))
    assert sunday_night.date() == date(2026, 11, 29) and week.contains(sunday_night)


def test_due_at_after_clocks_go_forward_uses_summer_time():
    week = week_starting(team_in("Europe/London"), date(2026, 3, 23))

    assert week.due_at(Weekday.FRIDAY, time(10, 0)) == utc(2026, 3, 27, 10, 0)  # GMT
    assert week.due_at(Weekday.SUNDAY, time(10, 0)) == utc(2026, 3, 29, 9, 0)  # BST


def test_due_at_in_the_skipped_hour_is_the_moment_clocks_jumped_past_it():
    week = week_starting(team_in("Europe/London"), date(2026, 3, 23))

    due = week.due_at(Weekday.SUNDAY, time(1, 30))  # 01:30 never happens on 29 March

    assert due == utc(2026, 3, 29, 1, 30)
    assert due.time() == time(2, 30)


def test_a_weekday_outside_monday_to_sunday_is_refused():
    week = week_starting(team_in("UTC"), date(2026, 11, 23))

    with pytest.raises(ValueError, match="weekday"):
        week.due_at(7, time(10, 0))


# The clock, and walking through weeks ------------------------------------------------------------

def test_current_week_follows_the_clock_passed_in():
    team = team_in("America/Los_Angeles")

    assert current_week(team, now=utc(2026, 11, 23, 7, 59)).monday == date(2026, 11, 16)
    assert current_week(team, now=utc(2026, 11, 23, 8, 0)).monday == date(2026, 11, 23)


def test_current_week_defaults_to_now():
    from django.utils import timezone

    week = current_week(team_in("Asia/Kolkata"))

    assert week.contains(timezone.now())


def test_previous_and_next_are_the_neighbouring_mondays():
    week = week_starting(team_in("UTC"), date(2026, 11, 23))

    assert week.previous().monday == date(2026, 11, 16)
    assert week.next().monday == date(2026, 11, 30)
    assert week.next().previous() == week


def test_label_names_the_monday():
    week = week_starting(team_in("Pacific/Auckland"), date(2026, 11, 23))

    assert week.label == "Week of 23 Nov 2026"
    assert str(week) == "Week of 23 Nov 2026"


def test_weeks_between_lists_every_week_inclusively_across_a_clock_change():
    team = team_in("Europe/London")

    weeks = weeks_between(team, date(2026, 3, 18), date(2026, 4, 1))  # a Wednesday to a Wednesday

    assert [w.monday for w in weeks] == [date(2026, 3, 16), date(2026, 3, 23), date(2026, 3, 30)]
    assert all(w.starts_at.time() == time(0, 0) for w in weeks)
    assert [w.length // HOUR for w in weeks] == [168, 167, 168]


def test_weeks_between_instants_uses_the_teams_calendar():
    team = team_in("America/Los_Angeles")
    sunday_night = local("America/Los_Angeles", 2026, 11, 22, 23, 30)  # Monday in UTC

    weeks = weeks_between(team, sunday_night, utc(2026, 11, 30, 9, 0))  # Monday 01:00 in LA

    assert [w.monday for w in weeks] == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]


def test_weeks_between_is_empty_when_the_end_comes_first():
    team = team_in("UTC")

    assert weeks_between(team, date(2026, 11, 30), date(2026, 11, 23)) == []
    assert weeks_between(team, date(2026, 11, 23), date(2026, 11, 29)) == [week_starting(team, date(2026, 11, 23))]


def test_monday_of_a_day():
    assert monday_of(date(2026, 11, 29)) == date(2026, 11, 23)
    assert monday_of(date(2026, 11, 23)) == date(2026, 11, 23)


# Refusals -----------------------------------------------------------------------------------------

def test_a_week_is_named_only_by_a_monday():
    with pytest.raises(ValueError, match="Monday"):
        TeamWeek(ZoneInfo("UTC"), date(2026, 11, 24))
    with pytest.raises(ValueError, match="Monday"):
        TeamWeek(ZoneInfo("UTC"), datetime(2026, 11, 23))


def test_a_naive_datetime_is_refused_rather_than_guessed():
    team = team_in("Europe/London")

    with pytest.raises(ValueError, match="aware"):
        week_of(team, datetime(2026, 11, 23, 12, 0))
    with pytest.raises(ValueError, match="aware"):
        week_starting(team, date(2026, 11, 23)).contains(datetime(2026, 11, 23, 12, 0))
