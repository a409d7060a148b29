"""A team's weeks: the one place that does week arithmetic.

A team's week starts on **Monday at 00:00 in the team's time zone** (`team.zone`) and
ends when the next one starts, at the following Monday's 00:00 there. A week is
named by its Monday (a `date`), so "the week of 23 Nov 2026" is the same week for
everyone in the team, wherever they are; the same instant can fall in different weeks
for teams in different zones (Sunday 23:30 in Los Angeles is already Monday in London).

Local times are built from the calendar with zoneinfo, never by adding hours, so a
week spanning a daylight-saving change is 167 or 169 hours long and still starts at
local midnight. Everything here is pure: no queries, no clock except `current_week`'s
default.

Datetimes are returned in the team's zone. Python compares and subtracts two datetimes
of the *same* zone on the wall clock, ignoring the change of offset between them, so
ask `TeamWeek.length` and `TeamWeek.contains()` rather than subtracting or comparing
`starts_at` and `ends_at` yourself.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

ONE_WEEK = timedelta(days=7)


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`day` at the wall-clock time `at` in `zone`, as an aware datetime.

    A time skipped by a daylight-saving change (02:30 on the morning clocks go forward)
    becomes the moment the clocks jumped past it; a time that happens twice (clocks go
    back) is its first occurrence.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None))
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def _require_aware(when: datetime) -> None:
    if timezone.is_naive(when):
        raise ValueError("A week is found from an aware datetime: which moment is a naive one?")


@dataclass(frozen=True)
class TeamWeek:
    """One week of a team: Monday 00:00 to the next Monday 00:00 in `team_zone`."""

    team_zone: ZoneInfo
    monday: date

    def __post_init__(self):
        if isinstance(self.monday, datetime) or self.monday.weekday() != 0:
            raise ValueError(f"A week is named by its Monday, not {self.monday!r}.")

    @property
    def starts_at(self) -> datetime:
        """Monday 00:00 in the team's zone."""
        return _local(self.monday, time.min, self.team_zone)

    @property
    def ends_at(self) -> datetime:
        """The next Monday 00:00 in the team's zone: the first moment not in this week."""
        return _local(self.monday + ONE_WEEK, time.min, self.team_zone)

    @property
    def length(self) -> timedelta:
        """Real elapsed time: 168 hours, or 167/169 across a daylight-saving change."""
        return self.ends_at.astimezone(UTC) - self.starts_at.astimezone(UTC)

    @property
    def sunday(self) -> date:
        """The week's last day."""
        return self.monday + timedelta(days=6)

    def day(self, weekday: int) -> date:
        """The date of a weekday in this week, 0 = Monday ... 6 = Sunday (`Team.checkin_weekday`)."""
        if not 0 <= weekday <= 6:
            raise ValueError(f"A weekday runs from 0 (Monday) to 6 (Sunday), not {weekday!r}.")
        return self.monday + timedelta(days=weekday)

    def due_at(self, checkin_weekday: int, checkin_time: time) -> datetime:
        """The check-in deadline in this week: that weekday at that local time, in the team's zone."""
        return _local(self.day(checkin_weekday), checkin_time, self.team_zone)

    def contains(self, when: datetime) -> bool:
        """Whether the instant `when` (aware, in any zone) falls in this week."""
        _require_aware(when)
        instant = when.astimezone(UTC)
        return self.starts_at.astimezone(UTC) <= instant < self.ends_at.astimezone(UTC)

    def previous(self) -> TeamWeek:
        return TeamWeek(self.team_zone, self.monday - ONE_WEEK)

    def next(self) -> TeamWeek:
        return TeamWeek(self.team_zone, self.monday + ONE_WEEK)

    @property
    def label(self) -> str:
        """The week's name for people, e.g. "Week of 23 Nov 2026"."""
        return _("Week of %(monday)s") % {"monday": dateformat.format(self.monday, "j M Y")}

    def __str__(self) -> str:
        return self.label


def monday_of(day: date) -> date:
    """The Monday on or before a calendar day."""
    return day - timedelta(days=day.weekday())


def week_starting(team, monday: date) -> TeamWeek:
    """The team's week named by its Monday (e.g. from a URL); ValueError for any other day."""
    return TeamWeek(team.zone, monday)


def week_of(team, when: datetime) -> TeamWeek:
    """The team's week that the instant `when` (aware, in any zone) falls in."""
    _require_aware(when)
    return TeamWeek(team.zone, monday_of(when.astimezone(team.zone).date()))


def current_week(team, now: datetime | None = None) -> TeamWeek:
    """The team's week now; pass `now` to move the clock (tests, tasks replaying a run)."""
    return week_of(team, timezone.now() if now is None else now)


def weeks_between(team, first: date | datetime, last: date | datetime) -> list[TeamWeek]:
    """The team's weeks from the one holding `first` to the one holding `last`, both included.

    A `datetime` is an instant (aware); a `date` is a day on the team's own calendar.
    Empty when `last` falls in a week before `first`'s.
    """
    start, end = (_week_for(team, bound) for bound in (first, last))
    count = (end.monday - start.monday).days // 7 + 1
    return [TeamWeek(team.zone, start.monday + ONE_WEEK * n) for n in range(max(count, 0))]


def _week_for(team, bound: date | datetime) -> TeamWeek:
    if isinstance(bound, datetime):
        return week_of(team, bound)
    return TeamWeek(team.zone, monday_of(bound))


def days_in_words(days: int) -> str:
    """"1 day", "6 days", "1 week", "3 weeks": how long something is late, roughly, in whole weeks past six days."""
    if days < 7:
        return f"{days} day{'' if days == 1 else 's'}"
    weeks = days // 7
    return f"{weeks} week{'' if weeks == 1 else 's'}"


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment `months` calendar months earlier, on the month's last day if it is shorter."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
