"""The invitation email: the invitation is its outbox entry; sent exactly once, even when its task is lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from alignment import services
from alignment.models import Invitation, token_from_seed
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


def test_a_failed_send_is_tried_again_by_the_sweep_after_its_wait(team, leader, mailoutbox, monkeypatch,
                                                                  mail_relay, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # its own task is lost
        invitation, _ = services.invite(team=team, email="omar@example.com", roles=["member"], actor=leader)
    later = timezone.now() + services.INVITATION_GRACE + timedelta(seconds=1)
    mail_relay.down()
    with pytest.raises(ConnectionError):
        services.email_invitation(invitation.pk, now=later)
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is None
    assert services.unsent_invitation_ids(later) == []  # not before its wait

    mail_relay.up()
    clock(monkeypatch, later + services.INVITATION_BACKOFF[0])
    assert services.send_unsent_invitations() == 1
    assert services.send_unsent_invitations() == 0

    assert len(mailoutbox) == 1
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is not None


def clock(monkeypatch, moment) -> None:
    """Move the clock, never sleep: every `timezone.now()` answers `moment`."""
    monkeypatch.setattr(timezone, "now", lambda: moment)


def test_an_invitation_whose_task_was_lost_is_sent_by_the_sweep_with_its_link(
        team, leader, mailoutbox, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        invitation, token = services.invite(team=team, email="omar@example.com", roles=["member"], actor=leader)

    assert services.send_unsent_invitations() == 0  # its own task still has time
    clock(monkeypatch, timezone.now() + services.INVITATION_GRACE + timedelta(seconds=1))
    assert services.send_unsent_invitations() == 1

    (sent,) = mailoutbox
    assert f"/invitations/{token}/" in sent.body  # the very link the leader was shown
    assert services.find_invitation(token) == invitation


def test_a_try_a_dead_worker_held_is_taken_up_after_its_lease(team, leader, mailoutbox, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        invitation, _ = services.invite(team=team, email="omar@example.com", roles=["member"], actor=leader)
    started = timezone.now() + services.INVITATION_GRACE
    Invitation.objects.filter(pk=invitation.pk).update(email_lease_until=started + services.INVITATION_LEASE,
                                                       email_attempts=1)  # what the dead worker's claim left

    clock(monkeypatch, started + timedelta(minutes=1))
    assert services.send_unsent_invitations() == 0
    clock(monkeypatch, started + services.INVITATION_LEASE + timedelta(seconds=1))
    assert services.send_unsent_invitations() == 1
    assert len(mailoutbox) == 1


def test_a_database_alone_does_not_give_the_link(team, leader, django_capture_on_commit_callbacks):
    """The invitation keeps a seed and the token's hash; the link needs this server's secret key too."""
    with django_capture_on_commit_callbacks(execute=False):
        invitation, token = services.invite(team=team, email="omar@example.com", roles=["member"], actor=leader)

    invitation.refresh_from_db()
    assert token not in (invitation.token_seed, invitation.token_hash)
    with override_settings(SECRET_KEY="another-server-entirely-" * 3):
        assert token_from_seed(invitation.token_seed) != token
