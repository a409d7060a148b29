"""Background work for organisations and teams."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from alignment import audit, data_export, erasure, services
from alignment.outbox import send_then_record

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)  # idempotent: a try claims the invitation first, so a rerun sends nothing
def send_invitation_email(invitation_id: int, token: str | None = None) -> None:
    """Email the invitation link once; nothing for an invitation already sent or no longer pending.

    A failed send is not retried here: the invitation keeps when its next try may be, and beat's
    sweep (`send_unsent_invitations`) queues it then, so the retry outlives the worker and broker.
    """
    try:
        services.email_invitation(invitation_id, token=token)
    except (ConnectionError, TimeoutError, smtplib.SMTPException, OSError):
        logger.warning("send_invitation_email: invitation %s failed; the sweep tries again", invitation_id,
                       exc_info=True)


@shared_task(acks_late=True)  # a sweep: what it queues is sent once
def send_unsent_invitations(batch_size: int = 500) -> int:
    """Queue every invitation e-mail decided but not sent (a lost task, or a failed try due again)."""
    return services.send_unsent_invitations(limit=batch_size)


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
        send_then_record(lambda user=user, context=context, subject=subject: EmailMessage(
            subject=subject, body=render_to_string("emails/password-reset-body.txt", context), to=[user.email]),
            sender=type(user))


@shared_task
def purge_audit_trail() -> int:
    """Delete audit events older than their retention (daily); a second run finds nothing to delete."""
    return audit.purge_expired()


# Download my data (alignment/data_export.py) ---------------------------------------------------------------

@shared_task(acks_late=True)  # idempotent: a try claims the request first, so a rerun builds nothing
def build_data_export(export_id: int) -> None:
    """Build a requested zip once, then queue its e-mail; a failed build waits and the sweep tries again."""
    try:
        data_export.build_export(export_id)
    except Exception:
        logger.exception("build_data_export: export %s failed; the sweep tries again or marks it failed", export_id)


@shared_task(acks_late=True)  # idempotent: a try claims the row first, so a rerun sends nothing
def email_data_export(export_id: int) -> None:
    """E-mail the link of a ready export once; a failed send waits and the sweep tries again."""
    try:
        data_export.email_export(export_id)
    except (ConnectionError, TimeoutError, smtplib.SMTPException, OSError):
        logger.warning("email_data_export: export %s failed; the sweep tries again", export_id, exc_info=True)


@shared_task(acks_late=True)  # a sweep: what it queues is claimed before it runs
def finish_data_exports() -> int:
    """Queue every export build and e-mail still to do (a lost task, a dead worker, a failed try due again)."""
    return data_export.queue_unfinished()


@shared_task
def purge_data_exports() -> int:
    """Delete the zips of expired exports (daily); a second run finds nothing to delete."""
    return data_export.purge_expired()


# Delete my account (alignment/erasure.py) ---------------------------------------------------------------------

@shared_task(acks_late=True)  # idempotent: each account is erased in one transaction, and only once (`erased_at`)
def erase_due_accounts() -> dict[str, int]:
    """Erase the accounts whose deletion day has come (daily), a batch a run; a held-back one waits a day."""
    counts = erasure.erase_due()
    return {"erased": counts.erased, "held": counts.held, "skipped": counts.skipped, "failed": counts.failed}


@shared_task(acks_late=True)  # idempotent: a try claims the notice first, so a rerun sends nothing
def email_erasure_notice(notice_id: int) -> None:
    """E-mail a notice about an account deletion once; a failed send waits and the sweep tries again."""
    try:
        erasure.email_notice(notice_id)
    except (ConnectionError, TimeoutError, smtplib.SMTPException, OSError):
        logger.warning("email_erasure_notice: notice %s failed; the sweep tries again", notice_id, exc_info=True)


@shared_task(acks_late=True)  # a sweep: what it queues is claimed before it is sent
def send_unsent_erasure_notices() -> int:
    """Queue every account-deletion notice decided but not sent (a lost task, or a failed try due again)."""
    return erasure.queue_unsent_notices()


@shared_task(acks_late=True)  # idempotent: blanked words are not blank-able twice
def erase_expired_words() -> dict[str, int]:
    """Blank the words of check-ins in cycles closed longer ago than their organisation keeps them (daily)."""
    counts = erasure.erase_expired_words()
    return {"rows": counts.rows, **counts.organisations}
