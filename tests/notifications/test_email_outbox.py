"""Every e-mail decided is sent exactly once, even when its task is lost: the delivery row is the outbox.

The row is written in the transaction that decided to tell the person. Its task sends it within
seconds; when the task was lost (a worker killed, the broker restarted) or its try failed, the sweep
finds the row unsent and queues it again. A try holds the row for a lease, so two never send at once.
"""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from email import message_from_bytes

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from config.env import parse_email_url
from notifications import services as notifications
from notifications.models import Delivery
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.django_db

EVENT = "test_event"


@pytest.fixture(autouse=True)
def test_kind(monkeypatch):
    monkeypatch.setitem(notifications._kinds, EVENT, notifications.Kind(EVENT, "Test events"))


def _decide(recipient, key="e1", now=None):
    """A delivery decided, whose own task never ran (its on_commit callback is not executed)."""
    return notifications.deliver(recipient=recipient, kind=EVENT, key=key, subject="Your charter needs you",
                                 body="Lena proposed the charter.", url="/o/harbour/t/platform/charter/", now=now)


@pytest.fixture
def clock(monkeypatch):
    """Move the clock, never sleep: `clock.move_to(moment)` is what every `timezone.now()` answers."""
    class Clock:
        def move_to(self, moment):
            monkeypatch.setattr(timezone, "now", lambda: moment)

    return Clock()


def _sweep(now, clock=None):
    """What beat's sweep would queue at `now`, sent as a worker would (the tasks run eagerly in tests)."""
    if clock is not None:
        clock.move_to(now)
    return notifications.send_unsent_emails(now=now)


def test_an_email_whose_task_was_lost_is_sent_by_the_sweep_once(member, django_capture_on_commit_callbacks):
    decided = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        delivery = _decide(member, now=decided)

    assert _sweep(decided + timedelta(seconds=30)) == 0  # its own task still has time
    assert _sweep(decided + notifications.EMAIL_GRACE + timedelta(seconds=1)) == 1
    assert _sweep(decided + notifications.EMAIL_GRACE + timedelta(minutes=5)) == 0

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT and delivery.emailed_at is not None
    assert delivery.email_attempts == 1


def test_the_task_and_the_sweep_together_send_once(member, django_capture_on_commit_callbacks):
    decided = timezone.now() - timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        delivery = _decide(member, now=decided)

    _sweep(timezone.now())
    for callback in callbacks:  # the task published late, after the sweep had sent it
        callback()

    assert len(mail.outbox) == 1
    assert notifications.email_delivery(delivery.pk) is False


def test_a_try_in_progress_is_left_alone_until_its_lease_passes(member, clock, django_capture_on_commit_callbacks):
    """A worker died mid-send: its lease holds the row, then the sweep sends it."""
    decided = timezone.now() - timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=False):
        delivery = _decide(member, now=decided)
    started = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(email_lease_until=started + notifications.EMAIL_LEASE,
                                                   email_attempts=1)  # what the dead worker's claim left

    assert notifications.email_delivery(delivery.pk, now=started + timedelta(minutes=1)) is False
    assert _sweep(started + timedelta(minutes=1), clock) == 0
    assert _sweep(started + notifications.EMAIL_LEASE + timedelta(seconds=1), clock) == 1

    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.email_attempts) == (Delivery.Status.SENT, 2)


def test_a_failed_send_is_tried_again_after_its_wait_and_given_up_after_the_last(
    member, mail_relay, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = _decide(member, now=timezone.now() - timedelta(hours=1))
    mail_relay.down()

    now = timezone.now()
    for attempt, wait in enumerate(notifications.EMAIL_BACKOFF, start=1):
        with pytest.raises(OSError):
            notifications.email_delivery(delivery.pk, now=now)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.email_attempts) == (Delivery.Status.FAILED, attempt)
        assert f"({attempt} of {notifications.MAX_EMAIL_ATTEMPTS})" in delivery.detail
        assert notifications.unsent_email_ids(now + wait - timedelta(seconds=1)) == []  # not before its wait
        now += wait
        assert notifications.unsent_email_ids(now) == [delivery.pk]
    with pytest.raises(OSError):
        notifications.email_delivery(delivery.pk, now=now)

    delivery.refresh_from_db()
    assert delivery.email_attempts == notifications.MAX_EMAIL_ATTEMPTS
    assert notifications.unsent_email_ids(now + timedelta(days=30)) == []  # the in-app notification is there
    assert mail.outbox == []


def test_a_relay_that_comes_back_gets_the_email(member, mail_relay, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = _decide(member, now=timezone.now() - timedelta(hours=1))
    mail_relay.down()
    with pytest.raises(OSError):
        notifications.email_delivery(delivery.pk)
    mail_relay.up()

    assert _sweep(timezone.now() + notifications.EMAIL_BACKOFF[0], clock) == 1
    assert len(mail.outbox) == 1


def test_every_try_carries_the_same_message_id(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _decide(member)

    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == notifications.message_id(delivery)
    assert notifications.message_id(Delivery.objects.get(pk=delivery.pk)) == notifications.message_id(delivery)


def test_list_unsubscribe_goes_out_as_a_bracketed_url_on_one_line(member, settings,
                                                                  django_capture_on_commit_callbacks):
    """RFC 2369 and 8058: one-click clients read `<https://…>`, never an RFC 2047 encoded word."""
    import email.policy

    settings.SITE_URL = "https://charter.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        _decide(member)

    raw = mail.outbox[0].message(policy=email.policy.SMTP).as_bytes()  # as the SMTP backend sends it
    header = next(line for line in raw.split(b"\r\n") if line.startswith(b"List-Unsubscribe:"))
    url = notifications.unsubscribe_url(member, EVENT)
    assert header == f"List-Unsubscribe: <{url}>".encode()
    assert b"=?utf-8?" not in header
    parsed = message_from_bytes(raw)
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_row_says_sent_before_the_relay_hears_goodbye(member, settings, django_capture_on_commit_callbacks):
    """A worker that dies while the relay says goodbye has recorded the send already: only the moment between
    the relay taking the message and the worker hearing so is left in doubt (SMTP's own, RFC 1047)."""
    with django_capture_on_commit_callbacks(execute=False):
        delivery = _decide(member)
    marked = []

    def note_the_mark(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if 'SET "emailed_at"' in sql:  # the mark, not the claim (which asks for it null)
            marked.append(time.monotonic())
        return result

    with SmtpServer() as relay:
        settings.MAILERS = {"default": parse_email_url("EMAIL_URL", relay.email_url)}
        with connection.execute_wrapper(note_the_mark):
            assert notifications.email_delivery(delivery.pk) is True

    assert [sent.message_id for sent in relay.messages] == [notifications.message_id(delivery)]
    assert len(marked) == len(relay.goodbyes) == 1 and marked[0] < relay.goodbyes[0]
    assert relay.abandoned == []


def test_a_relay_gone_silent_fails_the_try_within_its_timeout(member, settings, django_capture_on_commit_callbacks):
    """A relay that takes the connection and never answers: the try gives up after the URL's timeout and
    is tried again later, rather than holding its worker (and its row) past the lease."""
    with django_capture_on_commit_callbacks(execute=False):
        delivery = _decide(member)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections wait in the backlog: nobody ever says 220
        host, port = silent.getsockname()
        settings.MAILERS = {"default": parse_email_url("EMAIL_URL", f"smtp+plain://{host}:{port}?timeout=0.2")}
        with pytest.raises(OSError, match="timed out"):
            notifications.email_delivery(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.emailed_at is None
    assert "timed out" in delivery.detail


def test_an_email_that_cannot_be_made_is_a_failed_try(member, monkeypatch, django_capture_on_commit_callbacks):
    """A kind's part of the message failing (here its Reply-To) fails the try as a refusing relay does: recorded,
    and tried again after its wait, not left holding its lease."""
    with django_capture_on_commit_callbacks(execute=False):
        delivery = _decide(member, now=timezone.now() - timedelta(hours=1))

    def no_address(delivery):
        raise LookupError("no reply address today")

    monkeypatch.setitem(notifications._reply_to, EVENT, no_address)
    now = timezone.now()
    with pytest.raises(LookupError):
        notifications.email_delivery(delivery.pk, now=now)

    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and "no reply address today" in delivery.detail
    wait = notifications.EMAIL_BACKOFF[0]
    assert notifications.unsent_email_ids(now + wait - timedelta(seconds=1)) == []
    assert notifications.unsent_email_ids(now + wait) == [delivery.pk]  # its wait, not the ten-minute lease
    assert mail.outbox == []
