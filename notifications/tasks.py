"""Background work for notifications: thin tasks that take ids and call the services.

Each is safe to run twice: the services claim their row (compare-and-set) before sending.
"""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.utils import timezone

from notifications import services, webhooks

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)  # idempotent: a try claims its row first, so a task run twice sends once
def send_notification_email(delivery_id: int) -> None:
    """Email one delivery that is still to go; a rerun sends nothing.

    A failed send is not retried here: its row keeps the time of its next try, and the sweep
    (`send_unsent_emails`) queues it then, so the retry survives the worker and the broker.
    """
    try:
        services.email_delivery(delivery_id)
    except (ConnectionError, TimeoutError, smtplib.SMTPException, OSError):
        logger.warning("send_notification_email: delivery %s failed; the sweep tries again", delivery_id,
                       exc_info=True)


@shared_task(acks_late=True)  # a sweep: running it twice queues what is unsent, which is sent once
def send_unsent_emails(batch_size: int = 500) -> int:
    """Queue every e-mail decided but not sent: lost with a worker or the broker, or due for a retry."""
    return services.send_unsent_emails(limit=batch_size)


@shared_task(acks_late=True)  # a rerun queues the same e-mails again; each claims its row and goes once
def release_held_emails(batch_size: int = 500) -> int:
    """Send the reminder emails held for quiet hours that are now over (every few minutes, from beat)."""
    return services.release_held_emails(batch_size=batch_size)


@shared_task(acks_late=True)  # the attempt claims its row (compare-and-set): a rerun posts once
def send_webhook(delivery_id: int) -> None:
    """Post one webhook delivery if it is due; a rerun, or a delivery sent or failed meanwhile, does nothing.

    Network and server errors never raise here: `notifications.webhooks.attempt` logs them on the
    delivery and schedules its retry in `next_attempt_at`, which `send_due_webhooks` picks up. The
    schedule is kept in the database rather than in a Celery countdown: a two-hour countdown outlives
    the Redis broker's visibility timeout (the task would run twice) and a restart of the broker.
    """
    webhooks.attempt(delivery_id)


@shared_task(acks_late=True)  # a sweep, as send_unsent_emails
def send_due_webhooks(batch_size: int = 500) -> int:
    """Queue the webhook deliveries due now (retries, lapsed claims, never queued); returns how many."""
    return webhooks.queue_due(timezone.now(), limit=batch_size)
