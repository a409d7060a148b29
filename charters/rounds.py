"""The end of a consent round, worked by the scheduler (`charters.tasks.run_consent_rounds`).

A proposal with a closing date (`Charter.responses_close_on`, a day in the team's time zone) is worked
through to its end:

- **two days before** the closing day and **on** it, from `REMINDER_HOUR` in the team's zone until that day
  ends, everyone whose word on the text is missing (no response, a response to an earlier text, an amended
  objection awaiting the objector) is reminded, each reminder once (a `Delivery` keyed by the proposal, its
  team's day, `notices.reminder_key`, shared with a leader's reminder: one a day). A reminder whose day has passed is not sent late; the "two days before"
  one is not sent on the day of the proposal itself, which told them already. The kind is a reminder:
  snoozed reminders skip it, quiet hours hold its e-mail.
- **once the closing day is over**, the round closes (`services.close_round`): ratified if `ratify`'s rules
  are met, otherwise the leaders are told what blocks it. Once per round, under the charter's lock.

Every run is idempotent: a second run, or two workers at once, send nothing twice and ratify once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from charters import notices, services
from charters.models import Charter

logger = logging.getLogger(__name__)

REMINDER_HOUR = time(9, 0)  # in the team's zone: a reminder arrives with the working day, not at midnight
DAYS_BEFORE = (2, 0)  # reminders: two days before the closing day, and on it


@dataclass
class RoundCounts:
    reminded: int = 0  # people reminded
    ratified: int = 0  # rounds that closed ratified
    blocked: int = 0  # rounds that closed with the leaders told what blocks them


def open_rounds(now: datetime) -> list[Charter]:
    """Proposals with a closing date not yet closed, near enough to their closing day to need something
    (any zone's today is within a day of UTC's): 1 query, with their teams."""
    horizon = timezone.localdate(now, UTC) + timedelta(days=max(DAYS_BEFORE) + 1)
    return list(Charter.objects.filter(state=Charter.State.PROPOSED, responses_close_on__isnull=False,
                                       round_closed_at__isnull=True, responses_close_on__lte=horizon)
                .select_related("team__organisation").order_by("pk"))


def reminder_due(charter: Charter, now: datetime) -> int | None:
    """Which reminder is due now (days before the closing day), or None."""
    local = timezone.localtime(now, charter.team.zone)
    days_left = (charter.responses_close_on - local.date()).days
    if days_left not in DAYS_BEFORE or local.time() < REMINDER_HOUR:
        return None
    if days_left and timezone.localdate(charter.proposed_at, charter.team.zone) == local.date():
        return None  # proposed today: the proposal itself told them
    return days_left


def remind(charter: Charter, *, now: datetime) -> int:
    """Remind everyone whose word is missing (2 queries and one batch of deliveries); how many were told.
    Whoever a leader reminded earlier the same day is not reminded again (the same `reminder_key`)."""
    with transaction.atomic():
        gaps = services.consent_standing(charter).gaps
        key = notices.reminder_key(charter, timezone.localdate(now, charter.team.zone))
        return len(notices.tell_consent_reminder(charter, gaps, key=key, now=now))


def run(*, now: datetime | None = None) -> RoundCounts:
    """Send the reminders due now and close the rounds whose closing day is over."""
    now = now or timezone.now()
    counts = RoundCounts()
    for charter in open_rounds(now):
        if timezone.localdate(now, charter.team.zone) > charter.responses_close_on:
            outcome = services.close_round(charter=charter, now=now)
            if outcome == "ratified":
                counts.ratified += 1
            elif outcome == "blocked":
                counts.blocked += 1
        elif reminder_due(charter, now) is not None:
            counts.reminded += remind(charter, now=now)
    logger.info("consent rounds: %s", counts)
    return counts


def next_times(teams: list, now: datetime) -> dict[int, dict[str, datetime | None]]:
    """For `manage.py schedule_preview`: each team's next consent reminder and round closing (1 query)."""
    by_team = {charter.team_id: charter for charter in Charter.objects.filter(
        team__in=teams, state=Charter.State.PROPOSED, responses_close_on__isnull=False, round_closed_at__isnull=True)}
    times: dict[int, dict[str, datetime | None]] = {}
    for team in teams:
        charter = by_team.get(team.pk)
        if charter is None:
            continue
        zone = team.zone
        reminders = [datetime.combine(charter.responses_close_on - timedelta(days=days), REMINDER_HOUR, tzinfo=zone)
                     for days in DAYS_BEFORE]
        closes = datetime.combine(charter.responses_close_on + timedelta(days=1), time(0, 0), tzinfo=zone)
        times[team.pk] = {"charter consent reminder": min((m for m in reminders if m >= now), default=None),
                          "charter consent round closes": closes}
    return times
