"""Nudges about commitments coming due: the owner hears the day before the due date, and on it.

Each open commitment's owner gets two nudges, each once (a `Delivery` keyed by the commitment and its
due date, so a commitment deferred to a new date is nudged again for that date):

- **the day before**, from `NUDGE_HOUR` in the team's zone until the due date begins;
- **on the due date**, from `NUDGE_HOUR` until the day ends.

A nudge whose window has passed (the scheduler was down, or the commitment was made on its due date)
is not sent late: "due tomorrow" on the day after would be wrong. The kind is a reminder, so snoozed
reminders skip it and quiet hours hold its e-mail (`notifications.services.deliver`). Asked
commitments are not nudged: nothing is agreed until their owner accepts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone

from checkins.models import Commitment
from checkins.reminders import RECIPIENT_FIELDS, Counts, deliver_counted
from notifications import services as notifications
from notifications.models import Delivery

logger = logging.getLogger(__name__)

COMMITMENT_DUE = "commitment_due"
NUDGE_HOUR = time(9, 0)  # in the team's zone: a nudge arrives with the working day, not at midnight
BEFORE, ON = "before", "on"


@dataclass(frozen=True)
class DueNudge:
    commitment: Commitment  # with its owner and team (and organisation) loaded
    when: str  # BEFORE or ON

    @property
    def key(self) -> str:
        return nudge_key(self.commitment, self.when)


def nudge_key(commitment: Commitment, when: str) -> str:
    return f"commitment:{commitment.pk}:due-{commitment.due_on.isoformat()}:{when}"


def nudge_windows(due_on: date, zone) -> dict[str, tuple[datetime, datetime]]:
    """When each nudge of a commitment due on `due_on` may go out, from and until, in the team's `zone`: BEFORE
    from `NUDGE_HOUR` the day before until `NUDGE_HOUR` on the day, ON from then until the day ends."""
    on = datetime.combine(due_on, NUDGE_HOUR, tzinfo=zone)
    return {BEFORE: (datetime.combine(due_on - timedelta(days=1), NUDGE_HOUR, tzinfo=zone), on),
            ON: (on, datetime.combine(due_on + timedelta(days=1), time(0), tzinfo=zone))}


def nudge_due(commitment: Commitment, now: datetime) -> str | None:
    """Which nudge the commitment's owner should have at `now` (BEFORE, ON), if either: a pure function."""
    zone = commitment.team.zone
    local = timezone.localtime(now, zone)
    for when, (opens, closes) in nudge_windows(commitment.due_on, zone).items():
        if opens <= local < closes:
            return when
    return None


def due_nudges(now: datetime, *, teams=None) -> list[DueNudge]:
    """The nudges owed at `now` and not yet delivered (of `teams`' commitments, ids, when given), in two queries
    whatever their number.

    Queries: the open commitments of active teams due between yesterday and the day after tomorrow
    (UTC; every zone's "tomorrow" and "today" fall in it) with their owners and teams; the deliveries
    already made for their keys.
    """
    today = now.astimezone(UTC).date()
    candidates = (Commitment.objects.open().filter(due_on__gte=today - timedelta(days=1),
                                                   due_on__lte=today + timedelta(days=2),
                                                   team__archived_at__isnull=True)
                  .select_related("team__organisation", "owner")
                  .only("title", "standard", "due_on", "state", "owner_id", "team__name", "team__slug",
                        "team__time_zone", "team__archived_at", "team__organisation__slug",
                        *(f"owner__{f}" for f in RECIPIENT_FIELDS))
                  .order_by("pk"))
    if teams is not None:
        candidates = candidates.filter(team__in=teams)
    owed = []
    for commitment in candidates:
        when = nudge_due(commitment, now)
        if when is not None:
            owed.append(DueNudge(commitment, when))
    if not owed:
        return []
    told = set(Delivery.objects.filter(kind=COMMITMENT_DUE, key__in=[nudge.key for nudge in owed])
               .values_list("recipient_id", "key"))
    return [nudge for nudge in owed if (nudge.commitment.owner_id, nudge.key) not in told]


def message_for(nudge: DueNudge) -> dict[str, str]:
    commitment, team = nudge.commitment, nudge.commitment.team
    day = f"{commitment.due_on:%A} {commitment.due_on.day} {commitment.due_on:%B}"
    when = "tomorrow" if nudge.when == BEFORE else "today"
    return {
        "subject": f"{team.name}: “{commitment.title}” is due {when}",
        "body": (f"Your commitment is due {when}, {day}. Standard of completion: {commitment.standard.rstrip('.')}.\n"
                 "If it will not be done, say so now: ask to defer, rescope, hand it over or drop it."),
        "url": reverse("checkins:commitment", args=[team.organisation.slug, team.slug, commitment.pk]),
    }


def send_commitment_nudges(*, now: datetime | None = None) -> Counts:
    """Nudge every owner whose commitment is due tomorrow or today, once per nudge; count what went out."""
    now = now or timezone.now()
    counts = Counts()
    nudges = due_nudges(now)
    if nudges:
        deliver_counted([notifications.Message(nudge.commitment.owner, COMMITMENT_DUE, nudge.key,
                                               **message_for(nudge)) for nudge in nudges], now, counts)
    logger.info("commitment nudges: %s", counts)
    return counts


# What will be sent when (`manage.py schedule_preview`) ----------------------------------------------------

PREVIEW_LABEL = "commitment nudge"


def next_times(teams: list, now: datetime) -> dict[int, dict[str, datetime | None]]:
    """Per team: when its next commitment nudge goes out (registered with `alignment.schedule`). Three queries.

    `now` when one is owed and not yet sent (the scheduler's next run sends it); else when the next nudge of an
    open commitment opens; None when no open commitment is due from today on.

    Queries: `due_nudges`'s two, for these teams; the dates their open commitments are due from yesterday
    (UTC) on, each once per team.
    """
    ids = [team.pk for team in teams]
    owed = {nudge.commitment.team_id for nudge in due_nudges(now, teams=ids)}
    yesterday = now.astimezone(UTC).date() - timedelta(days=1)  # in UTC: every zone's today falls after it
    due_dates: dict[int, list[date]] = {}
    for team_id, due_on in (Commitment.objects.open().filter(team__in=ids, due_on__gte=yesterday)
                            .values_list("team_id", "due_on").distinct().order_by()):
        due_dates.setdefault(team_id, []).append(due_on)
    times = {}
    for team in teams:
        if team.pk in owed:
            times[team.pk] = {PREVIEW_LABEL: now}
            continue
        opening = [opens for due_on in due_dates.get(team.pk, ())
                   for opens, _ in nudge_windows(due_on, team.zone).values() if opens >= now]
        times[team.pk] = {PREVIEW_LABEL: min(opening, default=None)}
    return times
