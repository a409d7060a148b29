"""Periodic review work: thin tasks that call `reviews.rollover` and `reviews.triggers` (beat runs them; see
CELERY_BEAT_SCHEDULE).

All are idempotent (`close_cycle` closes a cycle once; each notice is a unique `Delivery`), so
`acks_late` is safe.
"""

from __future__ import annotations

from celery import shared_task

from checkins.tasks import SCHEDULER_TASK
from reviews import retention, rollover, triggers


@shared_task(**SCHEDULER_TASK)
def roll_over_due_cycles() -> dict[str, int]:
    """Close the cycles whose end date has come in their team's zone, open the next, tell the team."""
    counts = rollover.roll_over()
    return {"sent": counts.sent, "skipped": counts.skipped, "failed": counts.failed}


@shared_task(**SCHEDULER_TASK)
def remind_review_sessions() -> dict[str, int]:
    """Remind the team's people of a retrospective in the next 24 hours (the cycle's end)."""
    counts = rollover.remind_sessions()
    return {"sent": counts.sent, "skipped": counts.skipped, "failed": counts.failed}


@shared_task(**SCHEDULER_TASK)
def fire_review_triggers() -> dict[str, int]:
    """Fire the review triggers whose condition holds for a version in force; tell its leaders once."""
    counts = triggers.fire_due_triggers()
    return {"sent": counts.sent, "skipped": counts.skipped, "failed": counts.failed}


@shared_task(**SCHEDULER_TASK)
def purge_closed_cycles() -> dict[str, int]:
    """Delete the closed cycles older than their organisation's retention (`reviews.retention`): idempotent."""
    counts = retention.purge_closed_cycles()
    return {"cycles": counts.cycles, "rows": counts.rows}
