"""The scheduler's side of review cycles: rolling over the cycles that ended, and reminding of sessions.

Rollover closes cycles as `reviews.services.close_cycle(actor=None)` would, whose row lock and
one-open-cycle constraint make two runs (or two workers) close one cycle and open one. The team's
notices (a `Delivery` per person, keyed by the cycle) are recorded in the same transaction as the
close: a worker killed in between leaves neither, and the next tick closes the cycle and tells
everyone; their e-mails then go through the notifications outbox, which survives the worker too. A retrospective has no date of its own, so its
session is taken to be the day the cycle ends (00:00 in the team's zone); the reminder goes in the
24 hours before, to the team's people, while the session has not started.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from alignment.batches import in_batches, together_or_alone
from alignment.models import Membership
from checkins.reminders import TRANSIENT, Counts, deliver_counted
from notifications import services as notifications
from notifications.models import Delivery
from notifications.services import Message
from reviews.models import CycleCommitment, Retrospective, ReviewCycle
from reviews.services import Rollover, close_due_cycles

logger = logging.getLogger(__name__)

ROLLOVER, SESSION = "cycle_rollover", "review_session_reminder"
BATCH_SIZE = 200
SESSION_NOTICE = timedelta(hours=24)
# Every zone's today lies within these bounds of UTC's (UTC−12 to UTC+14).
EARLIEST, LATEST = timedelta(hours=-12), timedelta(hours=14)


def ends_at(cycle: ReviewCycle) -> datetime:
    """The instant a cycle ends: its end date at 00:00 in the team's zone (the day the next one starts)."""
    return datetime.combine(cycle.end_date, time.min, cycle.team.zone).astimezone(ZoneInfo("UTC"))


def due_cycles(now: datetime, *, batch_size: int = BATCH_SIZE) -> Iterator[list[ReviewCycle]]:
    """Open cycles of active teams whose end date has come in the team's zone, in batches by id.

    One query per batch (the `cycle_open_by_end` index): end dates up to today in the zone furthest
    ahead; each team's own today is then checked exactly.
    """
    latest_today = (now.astimezone(ZoneInfo("UTC")) + LATEST).date()
    cycles = (ReviewCycle.objects.filter(state=ReviewCycle.State.OPEN, end_date__lte=latest_today,
                                         team__archived_at__isnull=True)
              .select_related("team__organisation").order_by("pk"))
    for batch in in_batches(cycles, batch_size):
        yield [c for c in batch if c.end_date <= timezone.localtime(now, c.team.zone).date()]


def people_of(team_ids: list[int], kind: str, keys: set[str]) -> tuple[dict[int, list[Membership]], set]:
    """The teams' people, and which of them were already told `kind` for one of `keys` (2 queries)."""
    by_team: dict[int, list[Membership]] = {}
    if not team_ids:
        return by_team, set()
    for membership in Membership.objects.filter(team_id__in=team_ids).select_related("user").order_by("pk"):
        by_team.setdefault(membership.team_id, []).append(membership)
    told = set(Delivery.objects.filter(kind=kind, key__in=keys).values_list("recipient_id", "key"))
    return by_team, told


def rollover_message(rollover: Rollover, carried: int) -> dict[str, str]:
    closed, opened = rollover.closed, rollover.opened
    team = closed.team
    return {
        "subject": f"{team.name}: cycle {closed.number} has closed, cycle {opened.number} is open",
        "body": (f"Cycle {closed.number} ended on {closed.end_date:%d %b %Y} and was closed by the scheduler. "
                 f"Cycle {opened.number} runs from {opened.start_date:%d %b} to {opened.end_date:%d %b %Y}"
                 f" with {carried} commitment{'s' if carried != 1 else ''} carried over."),
        "url": reverse("reviews:cycle", args=[team.organisation.slug, team.slug, closed.number]),
    }


def roll_over(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> Counts:
    """Close every cycle whose end date has come and open the next; tell each team's people once.

    The same few queries per batch of cycles, whatever its size: finding them (1), closing them and
    opening the next (`close_due_cycles`), who is to be told (2), what each carried over (1), and
    telling them (`deliver_many`). A batch that fails for a reason that is not transient is closed
    again one cycle at a time, so one team's failure is counted and logged and the others still roll.
    """
    now = now or timezone.now()
    counts = Counts()
    for batch in due_cycles(now, batch_size=batch_size):
        _close_and_tell(batch, now, counts)
    logger.info("cycle rollovers: %s", counts)
    return counts


def _close_and_tell(batch: list[ReviewCycle], now: datetime, counts: Counts) -> list[Rollover]:
    """Close the batch and record its notices in one transaction; a failing batch is closed cycle by cycle."""
    def failed(cycle: ReviewCycle) -> None:
        counts.failed += 1
        logger.exception("rolling over cycle %s of team %s failed", cycle.number, cycle.team_id)

    def close(cycles: list[ReviewCycle]) -> list[Rollover]:
        with transaction.atomic():
            rolled = close_due_cycles(cycles, now=now)
            told = notifications.deliver_many(_notices(rolled), now=now) if rolled else []
        counts.sent += len(told)  # counted once the close and its notices have committed together
        return rolled

    return together_or_alone(batch, close, transient=TRANSIENT, failed=failed)


def _notices(rolled: list[Rollover]) -> list[Message]:
    """Every person of each rolled-over team, told once of its closed cycle (3 queries)."""
    for rollover in rolled:
        rollover.opened.team = rollover.closed.team  # already loaded
    people, told = people_of([r.closed.team_id for r in rolled], ROLLOVER, {f"cycle-{r.closed.pk}" for r in rolled})
    carried = dict(CycleCommitment.objects.filter(cycle__in=[r.opened for r in rolled]).order_by()
                   .values("cycle_id").annotate(n=Count("pk")).values_list("cycle_id", "n"))
    messages = []
    for rollover in rolled:
        key = f"cycle-{rollover.closed.pk}"
        message = rollover_message(rollover, carried.get(rollover.opened.pk, 0))
        messages += [Message(membership.user, ROLLOVER, key, **message)
                     for membership in people.get(rollover.closed.team_id, [])
                     if (membership.user_id, key) not in told]
    return messages


def due_sessions(now: datetime) -> list[Retrospective]:
    """Retrospectives not yet started whose session (the cycle's end) is within the next 24 hours (1 query)."""
    utc_today = now.astimezone(ZoneInfo("UTC"))
    retros = (Retrospective.objects.filter(started_at__isnull=True, phase=Retrospective.Phase.SETUP,
                                           team__archived_at__isnull=True,
                                           cycle__end_date__gte=(utc_today + EARLIEST).date(),
                                           cycle__end_date__lte=(utc_today + SESSION_NOTICE + LATEST).date())
              .select_related("cycle", "team__organisation").order_by("pk"))
    due = []
    for retro in retros:
        retro.cycle.team = retro.team
        session = ends_at(retro.cycle)
        if session - SESSION_NOTICE <= now < session:
            due.append(retro)
    return due


def remind_sessions(*, now: datetime | None = None) -> Counts:
    """Tell each team's people, once, that their retrospective is within a day."""
    now = now or timezone.now()
    counts = Counts()
    retros = due_sessions(now)
    people, told = people_of([r.team_id for r in retros], SESSION, {f"retro-{r.pk}" for r in retros})
    for retro in retros:
        key = f"retro-{retro.pk}"
        team = retro.team
        session = timezone.localtime(ends_at(retro.cycle), team.zone)
        message = {
            "subject": f"{team.name}: the retrospective of cycle {retro.cycle.number} is tomorrow",
            "body": (f"The cycle ends on {session:%A %d %b}; the retrospective reviews the charter, the "
                     "non-negotiables and the cycle's work. Have a look at the cycle page before it starts."),
            "url": retro.get_absolute_url(),
        }
        deliver_counted([Message(membership.user, SESSION, key, **message)
                         for membership in people.get(retro.team_id, []) if (membership.user_id, key) not in told],
                        now, counts)
    logger.info("review session reminders: %s", counts)
    return counts


def next_times(teams, now: datetime) -> dict[int, dict[str, datetime | None]]:
    """Per team: when its open cycle rolls over, and the session reminder before it (1 query)."""
    cycles = {c.team_id: c for c in ReviewCycle.objects.filter(team__in=[t.pk for t in teams],
                                                               state=ReviewCycle.State.OPEN)}
    times = {}
    for team in teams:
        cycle = cycles.get(team.pk)
        if cycle is None:
            times[team.pk] = {"cycle rollover": None, "review session reminder": None}
            continue
        cycle.team = team
        end = ends_at(cycle)
        times[team.pk] = {"cycle rollover": max(end, now), "review session reminder": end - SESSION_NOTICE}
    return times
