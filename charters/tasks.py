"""Charter work off the request: the end of consent rounds (`charters.rounds`; beat runs it, see
CELERY_BEAT_SCHEDULE), and the organisation map's signals worked out again after a change.

Idempotent (each reminder is a unique `Delivery`, each round closes once under its charter's lock; signals
worked out twice are kept twice alike), so `acks_late` is safe: a worker that dies mid-run leaves the task to
run again, and the rerun does only what is still owed.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from charters import organisation_map, rounds

# Worth another try: the database or the broker was away a moment (e-mails go later, through the outbox).
TRANSIENT = (OperationalError, ConnectionError, TimeoutError)
SCHEDULER_TASK = {"autoretry_for": TRANSIENT, "retry_backoff": True, "retry_backoff_max": 600,
                  "retry_jitter": True, "max_retries": 5, "acks_late": True}


@shared_task(**SCHEDULER_TASK)
def run_consent_rounds() -> dict[str, int]:
    """Remind whoever's word is missing before a round closes; close the rounds whose closing day is over."""
    counts = rounds.run()
    return {"reminded": counts.reminded, "ratified": counts.ratified, "blocked": counts.blocked}


@shared_task(**SCHEDULER_TASK)
def refresh_map_signals(organisation_id: int) -> None:
    """Work an organisation's cross-team signals out again after a change (`organisation_map.refresh_signals`):
    readers of its map are shown the latest until this is done. Idempotent: a rerun keeps the same."""
    organisation_map.refresh_signals(organisation_id)


@shared_task(**SCHEDULER_TASK)
def apply_lost_map_changes() -> int:
    """Changes to what the map's signals are made of that a process recorded and died before applying (beat runs
    this every minute): their organisations' readers get a new generation (`organisation_map.apply_lost_changes`)."""
    return organisation_map.apply_lost_changes()
