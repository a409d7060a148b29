"""Background work for organisations and teams."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from alignment.models import Invitation


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
