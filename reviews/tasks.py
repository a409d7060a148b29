"""Periodic review work: thin tasks that call `reviews.rollover` (beat runs them; see CELERY_BEAT_SCHEDULE).

Both are idempotent (`close_cycle` closes a cycle once; each notice is a unique `Delivery`), so
`acks_late` is safe.
"""

from __future__ import annotations

from celery import shared_task

from checkins.tasks import SCHEDULER_TASK
from reviews import rollover


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
