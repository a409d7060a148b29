"""Periodic check-in work: thin tasks that call `checkins.reminders` (beat runs them; see CELERY_BEAT_SCHEDULE).

Every task here is idempotent (each message is a unique `Delivery`), so `acks_late` is safe: a worker
that dies mid-run leaves the task to be run again, and the rerun sends only what is still owed.
"""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from checkins import commitment_reminders, reminders

LAST_RUN_KEY = "checkins:reminders:last-run"
SCHEDULER_TASK = {"autoretry_for": reminders.TRANSIENT, "retry_backoff": True, "retry_backoff_max": 600,
                  "retry_jitter": True, "max_retries": 5, "acks_late": True}


@shared_task(**SCHEDULER_TASK)
def dispatch_due_reminders() -> dict[str, int]:
    """Send the check-in reminders and nudges due now; past weeks' missed ones are skipped and logged."""
    now = timezone.now()
    since = cache.get(LAST_RUN_KEY)
    counts = reminders.send_reminders(now=now, since=since)
    cache.set(LAST_RUN_KEY, now, timeout=None)
    return {"sent": counts.sent, "skipped": counts.skipped, "failed": counts.failed}


@shared_task(**SCHEDULER_TASK)
def send_due_digests() -> dict[str, int]:
    """Send each team's leaders the week's digest once it is due in the team's zone."""
    counts = reminders.send_digests(now=timezone.now())
    return {"sent": counts.sent, "skipped": counts.skipped, "failed": counts.failed}


@shared_task(**SCHEDULER_TASK)
def nudge_due_commitments() -> dict[str, int]:
    """Nudge owners of commitments due tomorrow or today, once per nudge (`checkins.commitment_reminders`)."""
    counts = commitment_reminders.send_commitment_nudges(now=timezone.now())
    return {"sent": counts.sent, "skipped": counts.skipped, "failed": counts.failed}
