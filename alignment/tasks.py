"""Background work for organisations and teams."""

from __future__ import annotations

import logging

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

from alignment.models import Invitation

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
