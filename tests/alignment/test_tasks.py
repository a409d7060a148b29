"""The invitation email task: takes ids, re-checks state, sends at most once."""

from __future__ import annotations

import pytest
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from alignment.models import Invitation
from alignment.tasks import send_invitation_email


def test_sending_twice_sends_one_email(team, leader, make_invitation, mailoutbox):
    invitation, token = make_invitation(team, "omar@example.com", invited_by=leader)

    send_invitation_email(invitation.pk, token)
    send_invitation_email(invitation.pk, token)

    assert len(mailoutbox) == 1
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None


def test_sending_through_the_queue_twice_sends_one_email(team, leader, make_invitation, mailoutbox):
    invitation, token = make_invitation(team, "omar@example.com", invited_by=leader)

    send_invitation_email.delay(invitation.pk, token)
    send_invitation_email.delay(invitation.pk, token)

    assert len(mailoutbox) == 1


@pytest.mark.parametrize("state", ["revoked_at", "accepted_at"])
def test_no_email_for_an_invitation_no_longer_pending(state, team, make_invitation, mailoutbox):
    invitation, token = make_invitation(team, "omar@example.com", **{state: timezone.now()})

    send_invitation_email(invitation.pk, token)

    assert mailoutbox == []


def test_no_email_for_a_deleted_invitation(team, make_invitation, mailoutbox):
    invitation, token = make_invitation(team, "omar@example.com")
    invitation.delete()

    send_invitation_email(invitation.pk or 0, token)

    assert mailoutbox == []


def test_a_failed_send_is_released_so_a_retry_sends_it(
    team, make_invitation, mailoutbox, monkeypatch
):
    invitation, token = make_invitation(team, "omar@example.com")
    original_send = EmailMultiAlternatives.send

    def refuse(self, *args, **kwargs):
        raise ConnectionError("mail server is down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse)
    with pytest.raises(ConnectionError):
        send_invitation_email(invitation.pk, token)
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is None

    monkeypatch.setattr(EmailMultiAlternatives, "send", original_send)
    send_invitation_email(invitation.pk, token)

    assert len(mailoutbox) == 1
