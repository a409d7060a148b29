"""My week: what is one person's to do across all their teams, most urgent first.

The core knows nothing of check-ins, charters or retrospectives, so each feature app registers a
**week source** from its `AppConfig.ready()` (`register_week_source(WeekSource(queries, items))`). Both
are called with the person, every membership of theirs that is at work (each with its team and
organisation loaded) and the moment: `queries` returns the rows it needs for all those teams at once as
named `alignment.one_query.Shaped` parts (or `Rows`; none when nothing can apply), and `items` turns what
they found into `WeekItem`s. The rows of every source are read in **one query** (a `UNION ALL`), whether the person is in
one team or thirty. A source decides what the person may see with the permission modules
(`alignment.permissions.TeamAccess`, the app's own `permissions.py`), never by looking at a role.

An item is either a **to-do** (something waits for the person: a check-in to write, a request to
answer) or, with `settled=True`, a line saying what is already in order ("your check-in is in; the
next is due Friday 10:00"): a page shows those only when nothing waits, so that an empty list says
what good looks like.

Urgency comes from the item's deadline and age, worked out here once for every app: overdue first
(oldest deadline first), then what is due within `SOON`, then what waits without a deadline (longest
waiting first), then later deadlines. Deadlines and ages are written in the reader's own time zone.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from typing import Any

from django.utils import dateformat
from django.utils.timesince import timesince

from alignment.one_query import Rows, Shaped, one_query
from alignment.permissions import TeamAccess
from alignment.weeks import days_in_words

SOON = timedelta(hours=48)


class Urgency(IntEnum):
    """How pressing an item is; lower comes first."""

    OVERDUE = 0
    SOON = 1
    WAITING = 2
    LATER = 3


@dataclass(frozen=True)
class WeekItem:
    """One line of someone's week: what to do, in which team, and the page where it is done.

    Give a deadline as a moment (`due_at`, e.g. a check-in's time) or as a day of the team's calendar
    (`due_on`, e.g. a commitment's due date: it ends at midnight there); give `since` for something
    waiting without a deadline. `for_leader` marks what the person sees because of a role that runs
    the team (leading it, or `role`, e.g. "facilitator", when that is the role that brings it).
    """

    team: Any  # alignment.Team
    kind: str
    text: str
    url: str
    for_leader: bool = False
    role: str = "leader"
    due_at: datetime | None = None
    due_on: date | None = None
    since: datetime | None = None
    settled: bool = False

    @property
    def deadline(self) -> datetime | None:
        """The moment the item falls due: `due_at`, or the end of `due_on` in the team's zone."""
        if self.due_at is not None:
            return self.due_at
        if self.due_on is not None:
            return datetime.combine(self.due_on + timedelta(days=1), time.min, self.team.zone)
        return None

    def urgency(self, now: datetime) -> Urgency:
        deadline = self.deadline
        if deadline is None:
            return Urgency.WAITING
        if deadline.astimezone(UTC) <= now.astimezone(UTC):
            return Urgency.OVERDUE
        if deadline.astimezone(UTC) - now.astimezone(UTC) <= SOON:
            return Urgency.SOON
        return Urgency.LATER

    def sort_key(self, now: datetime) -> tuple:
        """Urgency, then the deadline (or since when it waits), earliest first; then team and words."""
        moment = self.deadline or self.since or now
        return self.urgency(now), moment.astimezone(UTC), self.team.name, self.text


@dataclass(frozen=True)
class WeekSource:
    """A feature's part of My week: the rows it reads (by name) and the items it makes of what they found."""

    queries: Callable[[Any, list, datetime], dict[str, Rows | Shaped]]
    items: Callable[[Any, list, datetime, dict[str, list]], Iterable[WeekItem]]

    def load(self, person, memberships: list, now: datetime) -> list[WeekItem]:
        """This source's items alone, in one query (none when it asks for no rows)."""
        return _load([self], person, memberships, now)


_sources: list[WeekSource] = []


def register_week_source(source: WeekSource) -> None:
    """Add a feature's items to My week."""
    if source not in _sources:
        _sources.append(source)


def _load(sources: list[WeekSource], person, memberships: list, now: datetime) -> list[WeekItem]:
    asked = [source.queries(person, memberships, now) for source in sources]
    found = iter(one_query(rows for queries in asked for rows in queries.values()))
    return [item for source, queries in zip(sources, asked, strict=True)
            for item in source.items(person, memberships, now, {name: next(found) for name in queries})]


def access_to(person, membership) -> TeamAccess:
    """The person's access to a membership's team, as the permission modules take it (no query)."""
    return TeamAccess(team=membership.team, user=person, membership=membership)


@dataclass(frozen=True)
class Line:
    """An item as the reader sees it: its words, and when it is due or since when it waits, in their zone."""

    item: WeekItem
    urgency: Urgency
    when: str

    @property
    def is_overdue(self) -> bool:
        return self.urgency == Urgency.OVERDUE

    @property
    def is_soon(self) -> bool:
        return self.urgency == Urgency.SOON

    # What the templates and tests read of the item itself.
    team = property(lambda self: self.item.team)
    kind = property(lambda self: self.item.kind)
    text = property(lambda self: self.item.text)
    url = property(lambda self: self.item.url)
    for_leader = property(lambda self: self.item.for_leader)
    role = property(lambda self: self.item.role)
    settled = property(lambda self: self.item.settled)


@dataclass(frozen=True)
class MyWeek:
    """The reader's to-do lines, most urgent first, and what is in order (for when nothing waits)."""

    lines: list[Line] = field(default_factory=list)
    settled: list[Line] = field(default_factory=list)

    @property
    def for_leaders(self) -> list[Line]:
        return [line for line in self.lines if line.for_leader]

    @property
    def mine(self) -> list[Line]:
        return [line for line in self.lines if not line.for_leader]


def my_week(person, memberships: list, now: datetime) -> MyWeek:
    """Every registered source's items for the person's teams at work, sorted, with their times in words.

    Archived teams are left out: nothing in them can change. Costs one query (none without a team at work).
    """
    at_work = [m for m in memberships if not m.team.is_archived]
    if not at_work:
        return MyWeek()
    items = _load(_sources, person, at_work, now)
    items.sort(key=lambda item: item.sort_key(now))
    zone = _zone_of(person)
    lines = [Line(item, item.urgency(now), when(item, now, zone)) for item in items]
    return MyWeek(lines=[line for line in lines if not line.settled],
                  settled=[line for line in lines if line.settled])


def _zone_of(person) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(person.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def when(item: WeekItem, now: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """"3 weeks overdue", "due Fri 27 Nov, 10:00", "due today", "waiting 2 days": in the reader's zone."""
    deadline = item.deadline
    if item.settled:
        return f"next due {moment_in(deadline, zone)}" if deadline is not None else ""
    if deadline is None:
        if item.since is None:
            return ""
        return f"waiting {_age(item.since, now)}" if now - item.since >= timedelta(minutes=1) else "just now"
    if deadline.astimezone(UTC) <= now.astimezone(UTC):
        if item.due_at is None:  # a day's deadline is late by whole days of the team's calendar
            return f"{days_in_words((now.astimezone(item.team.zone).date() - item.due_on).days)} overdue"
        return f"{_age(deadline, now)} overdue"
    if item.due_at is not None:
        return f"due {moment_in(item.due_at, zone)}"
    return f"due {day_in(item.due_on, item.team.zone, now)}"


def moment_in(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    """A moment as the reader reads it on their own clock: "Fri 27 Nov, 10:00"."""
    return dateformat.format(moment.astimezone(zone), "D j M, H:i")


def day_in(day: date, team_zone: zoneinfo.ZoneInfo, now: datetime) -> str:
    """A day of the team's calendar: "today", "tomorrow", else "Fri 27 Nov"."""
    today = now.astimezone(team_zone).date()
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return dateformat.format(day, "D j M")


def _age(since: datetime, now: datetime) -> str:
    """How long ago, in its largest unit: "3 weeks", "2 days", "5 hours"."""
    return timesince(since, now, depth=1).replace("\xa0", " ")
