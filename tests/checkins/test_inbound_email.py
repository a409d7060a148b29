"""Replies arriving: the provider's webhook (`POST /inbound/email/`) and `manage.py read_checkin_replies`."""

from __future__ import annotations

import base64
import json
import mailbox
import os
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from checkins.models import CheckIn, InboundReply
from tests.checkins import mail
from tests.checkins.conftest import at

pytestmark = pytest.mark.django_db

SECRET = "inbound-secret-for-tests"
WEBHOOK = reverse("checkins:inbound_email")


@pytest.fixture(autouse=True)
def replies_on(settings, frozen):
    settings.INBOUND_EMAIL_DOMAIN = mail.DOMAIN
    settings.INBOUND_EMAIL_SECRET = SECRET
    frozen(at(4, "11:00"))


def basic(password: str) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(f"mailer:{password}".encode()).decode()}


def written() -> tuple:
    return list(CheckIn.objects.values_list("progress", flat=True)), InboundReply.objects.count()


def test_a_raw_message_posted_with_the_secret_is_taken_once(client, team, member):
    raw = bytes(mail.gmail(mail.address(member, team)))

    first = client.post(WEBHOOK, raw, content_type="message/rfc822", **basic(SECRET))
    again = client.post(WEBHOOK, raw, content_type="message/rfc822", **basic(SECRET))

    # 200 both times: the provider must not send it again.
    assert [(first.status_code, first.text), (again.status_code, again.text)] == [(200, "drafted"), (200, "replayed")]
    assert written() == ([mail.WRITTEN], 1)


def test_the_providers_form_shapes_are_read(client, team, member):
    to = mail.address(member, team)
    # Mailgun (a route to …/inbound/email/mime): the message in body-mime, the envelope's recipient beside it.
    mailgun = client.post(reverse("checkins:inbound_email") + "mime", {
        "body-mime": bytes(mail.outlook("Max Member <member@example.com>")).decode(), "recipient": to},
        headers={"Charter-Inbound-Secret": SECRET})
    # SendGrid (Inbound Parse, raw): the message in email, the envelope as JSON.
    sendgrid = client.post(WEBHOOK, {"email": bytes(mail.signed(to)).decode(),
                                     "envelope": json.dumps({"to": [to], "from": "member@example.com"})},
                           **basic(SECRET))

    assert (mailgun.status_code, sendgrid.status_code) == (200, 200)
    assert written() == ([f"{mail.WRITTEN}\n\n{mail.WRITTEN}"], 2)


@pytest.mark.parametrize("credentials, status", [
    ({}, 401), (basic("guessed"), 401), ({"headers": {"Charter-Inbound-Secret": SECRET[:-1]}}, 401),
    ({"HTTP_AUTHORIZATION": "Basic not-base64!"}, 401)], ids=["none", "wrong password", "wrong header", "garbled"])
def test_without_the_secret_nothing_is_read(client, team, member, credentials, status):
    raw = bytes(mail.gmail(mail.address(member, team)))

    response = client.post(WEBHOOK, raw, content_type="message/rfc822", **credentials)

    assert response.status_code == status and response["WWW-Authenticate"].startswith("Basic")
    assert written() == ([], 0)


def test_a_forged_reply_is_refused_with_406_and_an_empty_post_with_400(client, team, member, caplog):
    forged = mail.gmail(mail.address(member, team), sender="Mallory <mallory@example.net>")

    refused = client.post(WEBHOOK, bytes(forged), content_type="message/rfc822", **basic(SECRET))
    empty = client.post(WEBHOOK, {"subject": "no message"}, **basic(SECRET))

    assert (refused.status_code, empty.status_code) == (406, 400)
    assert "sender" in refused.text and "check-in reply refused" in caplog.text
    assert written() == ([], 0)


def test_the_webhook_is_not_there_while_the_feature_is_off(client, team, member, settings):
    settings.INBOUND_EMAIL_SECRET = ""
    raw = bytes(mail.gmail(mail.address(member, team)))

    assert client.post(WEBHOOK, raw, content_type="message/rfc822", **basic("")).status_code == 404
    assert client.get(WEBHOOK).status_code == 405


def test_the_maildir_command_takes_what_is_new_moves_it_to_cur_and_can_run_again(team, member, tmp_path):
    path = tmp_path / "replies"
    box = mailbox.Maildir(path, create=True)
    reply = mail.gmail(mail.address(member, team))
    taken = box.add(bytes(reply))
    refused = box.add(bytes(mail.signed(mail.address(member, team), sender="Mallory <mallory@example.net>")))

    assert _read(path) == "drafted 1, submitted 0, replayed 0, refused 1, failed 0"

    assert os.listdir(path / "new") == []
    assert (box.get_message(taken).get_subdir(), box.get_message(taken).get_flags()) == ("cur", "S")
    assert box.get_message(refused).get_flags() == "FS"  # flagged for someone to look at
    # Run again: nothing new. The same message delivered again is not taken twice.
    assert _read(path) == "drafted 0, submitted 0, replayed 0, refused 0, failed 0"
    box.add(bytes(reply))
    assert _read(path) == "drafted 0, submitted 0, replayed 1, refused 0, failed 0"
    assert written() == ([mail.WRITTEN], 1)


def test_the_maildir_command_needs_the_domain_and_a_maildir(settings, tmp_path):
    with pytest.raises(CommandError, match="not a Maildir"):
        call_command("read_checkin_replies", maildir=str(tmp_path))
    settings.INBOUND_EMAIL_DOMAIN = ""
    with pytest.raises(CommandError, match="INBOUND_EMAIL_DOMAIN"):
        call_command("read_checkin_replies", maildir=str(tmp_path))


def _read(path) -> str:
    out = StringIO()
    call_command("read_checkin_replies", maildir=str(path), stdout=out, stderr=StringIO())
    return out.getvalue().strip()
