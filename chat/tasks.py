"""Background work for chat: thin tasks that take ids and call the outbox, each safe to run twice."""

from __future__ import annotations

from celery import shared_task

from chat import outbox


@shared_task(acks_late=True)  # the attempt claims its row (compare-and-set): a rerun sends once
def send_message(message_id: int) -> None:
    """Send one chat message if it is due; a failure is recorded on the row, and the sweep retries it."""
    outbox.attempt(message_id)


@shared_task(acks_late=True)  # a sweep: running it twice queues what is unsent, which is sent once
def send_due_chat_messages(batch_size: int = 500) -> int:
    """Queue the chat messages due now: retries, lapsed claims, never queued, held for quiet hours."""
    return outbox.queue_due(limit=batch_size)
