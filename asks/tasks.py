"""Scheduled work on requests between teams (beat runs it; see CELERY_BEAT_SCHEDULE).

Idempotent (each reminder is a unique `Delivery`), so `acks_late` is safe: a worker that dies mid-run leaves
the task to run again, and the rerun sends only what is still owed.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from asks import reminders


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, retry_backoff_max=600, max_retries=5,
             acks_late=True)
def remind_consult_asks() -> int:
    """Remind receiving teams' leaders of consultations due tomorrow or today, each reminder once."""
    return reminders.send_consult_reminders()
