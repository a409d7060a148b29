"""Background work for organisations and teams."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from alignment.models import Delivery, Invitation

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def send_invitation_email(invitation_id: int, token: str) -> None:
    """Email the invitation link; does nothing for an invitation already sent or no longer pending."""
    invitation = (
        Invitation.objects.select_related("team__organisation", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or invitation.email_sent_at or invitation.state != Invitation.State.PENDING:
        return
    context = {
        "invitation": invitation,
        "team": invitation.team,
        "accept_url": settings.SITE_URL + reverse("invitation_accept", args=[token]),
    }
    subject = render_to_string("emails/invitation-subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/invitation-body.txt", context),
        to=[invitation.email],
    )
    message.attach_alternative(render_to_string("emails/invitation-body.html", context), "text/html")
    # Claim the row first so that a second run of this task sends nothing.
    claimed = Invitation.objects.filter(pk=invitation.pk, email_sent_at__isnull=True).update(
        email_sent_at=timezone.now()
    )
    if not claimed:
        return
    try:
        message.send()
    except Exception:
        # Release the claim so the retry (or a later run) sends it.
        Invitation.objects.filter(pk=invitation.pk).update(email_sent_at=None)
        raise


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def send_password_reset_email(email: str) -> None:
    """Email a reset link to the account with this address, if there is one that may reset.

    The web request only queues this task, so it answers in the same time whether or
    not the address has an account; the lookup happens here. Unlike the invitation
    there is no row to claim: a second run sends a second link, which is as valid.
    """
    # Django's rule for who may reset: active, with a usable password, the address matching.
    for user in PasswordResetForm().get_users(email):
        context = {
            "email": user.email,
            "reset_url": settings.SITE_URL + reverse(
                "password_reset_confirm",
                kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                        "token": default_token_generator.make_token(user)},
            ),
        }
        subject = "".join(render_to_string("emails/password-reset-subject.txt", context).splitlines())
        EmailMessage(
            subject=subject, body=render_to_string("emails/password-reset-body.txt", context), to=[user.email]
        ).send()


# A delivery whose email may (still) go: queued, held for quiet hours, or failed and being retried.
SENDABLE = (Delivery.Status.CLAIMED, Delivery.Status.HELD, Delivery.Status.FAILED)


@shared_task(autoretry_for=(ConnectionError, TimeoutError, smtplib.SMTPException), retry_backoff=True,
             max_retries=5)
def send_notification_email(delivery_id: int) -> None:
    """Email one claimed delivery (text and HTML, a link to the page, one-click unsubscribe); a rerun sends nothing."""
    from alignment import notifications

    delivery = Delivery.objects.select_related("recipient").filter(pk=delivery_id).first()
    if delivery is None or delivery.emailed_at or delivery.status not in SENDABLE:
        return
    recipient = delivery.recipient
    unsubscribe_url = notifications.unsubscribe_url(recipient, delivery.kind)
    context = {
        "delivery": delivery,
        "recipient": recipient,
        "kind": notifications._kinds.get(delivery.kind),
        "link": notifications.absolute_url(delivery.url),
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": settings.SITE_URL + reverse("notification_preferences"),
    }
    message = EmailMultiAlternatives(
        subject=delivery.subject,
        body=render_to_string("emails/notification.txt", context),
        to=[recipient.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    message.attach_alternative(render_to_string("emails/notification.html", context), "text/html")
    previous = delivery.status
    # Claim the email first (compare-and-set), so that a duplicated task sends it once.
    claimed = Delivery.objects.filter(pk=delivery.pk, emailed_at__isnull=True, status=previous).update(
        emailed_at=timezone.now(), status=Delivery.Status.SENT, detail="emailed"
    )
    if not claimed:
        return
    try:
        message.send()
    except Exception as error:
        # Release the claim so the retry sends it; the reason stays on the row if every retry fails.
        Delivery.objects.filter(pk=delivery.pk).update(emailed_at=None, status=Delivery.Status.FAILED,
                                                       detail=f"email failed: {error}"[:200])
        raise


@shared_task
def release_held_emails(batch_size: int = 500) -> int:
    """Send the reminder emails held for quiet hours that are now over; returns how many were queued.

    Run it every few minutes from beat. A held email older than a day is dropped (`skipped`): the
    reminder it carried is stale by then, and the in-app notification is still there.
    """
    from alignment.notifications import in_quiet_hours

    now = timezone.now()
    stale = Delivery.objects.filter(status=Delivery.Status.HELD, claimed_at__lt=now - timedelta(days=1)).update(
        status=Delivery.Status.SKIPPED, detail="held past a day: dropped as stale"
    )
    if stale:
        logger.info("release_held_emails: %d stale held emails skipped", stale)
    queued = 0
    held = (Delivery.objects.filter(status=Delivery.Status.HELD).select_related("recipient")
            .order_by("claimed_at")[:batch_size])  # 1 query: the held deliveries with their people
    for delivery in held:
        if not in_quiet_hours(delivery.recipient, now):
            send_notification_email.delay(delivery.pk)
            queued += 1
    logger.info("release_held_emails: %d queued", queued)
    return queued


@shared_task
def send_webhook(delivery_id: int) -> None:
    """Post one webhook delivery if it is due; a rerun, or a delivery sent or failed meanwhile, does nothing.

    Network and server errors never raise here: `alignment.webhooks.attempt` logs them on the delivery
    and schedules its retry in `next_attempt_at`, which `send_due_webhooks` picks up. The schedule is
    kept in the database rather than in a Celery countdown: a two-hour countdown outlives the Redis
    broker's visibility timeout (the task would run twice) and a restart of the broker.
    """
    from alignment import webhooks

    webhooks.attempt(delivery_id)


@shared_task
def send_due_webhooks(batch_size: int = 500) -> int:
    """Queue the webhook deliveries due now (retries, lapsed claims, never queued); returns how many."""
    from alignment import webhooks

    due = webhooks.due_delivery_ids(timezone.now(), limit=batch_size)
    for delivery_id in due:
        send_webhook.delay(delivery_id)
    if due:
        logger.info("send_due_webhooks: %d queued", len(due))
    return len(due)
