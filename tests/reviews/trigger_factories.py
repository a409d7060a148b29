"""A team whose charter may ask to be revisited: a ratified version, and check-ins that strain it.

Plain functions, so each test says what it builds. The clock: the version is ratified on `RATIFIED`
(a Thursday), the scheduler looks on `NOW` (Friday 27 Nov 2026, London), whose last four completed
weeks are those of 26 Oct, 2, 9 and 16 Nov (`WEEKS`, oldest first).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse

from charters.models import Charter, NonNegotiable
from checkins.models import CheckIn
from tests.charters.factories import ratified_charter

LONDON = ZoneInfo("Europe/London")
RATIFIED = datetime(2026, 10, 1, 10, 0, tzinfo=LONDON)
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=LONDON)
WEEKS = [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]


def charter_ratified(team, leader, frozen, *, at: datetime = RATIFIED) -> Charter:
    """The team's first charter, ratified `at` (its review date set by the receiver in reviews)."""
    frozen(at)
    charter = ratified_charter(team, leader)
    frozen(NOW)
    return charter


def non_negotiable(charter: Charter, n: int = 1) -> NonNegotiable:
    return NonNegotiable.objects.get(charter=charter, title=f"Non-negotiable {n}")


def check_in(team, author, week: date, *, strained: NonNegotiable | None = None, note: str = "",
             question: str = "", state: str = CheckIn.State.SUBMITTED) -> CheckIn:
    """`author`'s check-in of the week of `week`, submitted on its Friday."""
    submitted = datetime.combine(week + timedelta(days=4), datetime.min.time(), LONDON) + timedelta(hours=9)
    return CheckIn.objects.create(team=team, author=author, week=week, state=state,
                                  submitted_at=submitted if state == CheckIn.State.SUBMITTED else None,
                                  strained_non_negotiable=strained, strain_note=note, boundary_question=question)


def trigger_url(name: str, trigger, team=None) -> str:
    team = team or trigger.team
    return reverse(f"reviews:{name}", args=[team.organisation.slug, team.slug, trigger.pk])
