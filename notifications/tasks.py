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


@shared_task(autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPException), retry_backoff=True,
             max_retries=5)
def send_notification_email(delivery_id: int) -> None:
    """Email one claimed delivery; a rerun sends nothing."""
    services.email_delivery(delivery_id)


@shared_task
def release_held_emails(batch_size: int = 500) -> int:
    """Send the reminder emails held for quiet hours that are now over (every few minutes, from beat)."""
    return services.release_held_emails(batch_size=batch_size)


@shared_task
def send_webhook(delivery_id: int) -> None:
    """Post one webhook delivery if it is due; a rerun, or a delivery sent or failed meanwhile, does nothing.

    Network and server errors never raise here: `notifications.webhooks.attempt` logs them on the
    delivery and schedules its retry in `next_attempt_at`, which `send_due_webhooks` picks up. The
    schedule is kept in the database rather than in a Celery countdown: a two-hour countdown outlives
    the Redis broker's visibility timeout (the task would run twice) and a restart of the broker.
    """
    webhooks.attempt(delivery_id)


@shared_task
def send_due_webhooks(batch_size: int = 500) -> int:
    """Queue the webhook deliveries due now (retries, lapsed claims, never queued); returns how many."""
    return webhooks.queue_due(timezone.now(), limit=batch_size)
