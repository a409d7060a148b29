"""Signed JSON webhooks (notifications/webhooks.py): each event from its real service, posted once as a signed
envelope that verifies with the recipe in docs/integrations.md, re-signed on each retry, with a rolled secret
signing too for a day.

Every request goes to the local HTTP server the test starts (tests/chat_server.py), which keeps each
request's raw body and headers. Time moves by passing `now=`, never by sleeping.
"""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from alignment.errors import ActionRefused
from alignment.weeks import week_of
from checkins import services as checkins
from checkins.content import CheckInContent
from decisions import services as decisions
from notifications import webhooks
from notifications.models import TeamWebhook, WebhookDelivery
from reviews import services as reviews
from reviews.retro import services as retros
from tests.charters.factories import ratified_charter
from tests.reviews.retro_factories import charter_in_force, open_cycle, session

Status = WebhookDelivery.Status
EVERY_EVENT = ["charter_ratified", "decision_logged", "checkin_summary", "checkin_submitted", "commitment_changed",
               "cycle_closed", "retro_summary"]
GUIDE = Path(__file__).resolve().parents[2] / "docs" / "integrations.md"


def documented_verify():
    """`verify` as docs/integrations.md gives it to integrators: its first Python block, run as written."""
    guide = GUIDE.read_text()
    code = re.search(r"```python\n(.*?)```", guide[guide.index("## Signed webhooks"):], re.S)[1]
    names: dict = {}
    exec(compile(code, str(GUIDE), "exec"), names)  # noqa: S102  (our own documentation)
    return names["verify"]


verify = documented_verify()


@pytest.fixture
def hook(team, leader, chat) -> TeamWebhook:
    """A JSON webhook of the team to the local server, wanting every event, made as the settings page makes it."""
    return webhooks.add_webhook(team=team, actor=leader, url=chat.base + "/charter-events", events=EVERY_EVENT,
                                format=TeamWebhook.Format.JSON)


def posted(chat, event_type: str) -> list:
    return [request for request in chat.received if request.headers["Charter-Event"] == event_type]


def log_a_decision(team, actor):
    return decisions.log_decision(team=team, actor=actor, title="Move the pager to a rota", purpose_effect="advances",
                                  metric_effect="improves")


# The signature -------------------------------------------------------------------------------------------


def test_a_post_is_a_signed_envelope_that_verifies_with_the_documented_recipe(
        team, leader, hook, chat, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decision = log_a_decision(team, leader)

    [request] = chat.received
    delivery = WebhookDelivery.objects.get()
    assert request.path == "/charter-events"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Charter-Event"] == "decision.logged"
    assert request.headers["Charter-Delivery"] == str(delivery.pk)
    header, secret = request.headers["Charter-Signature"], webhooks.secret_of(hook)
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert secret.startswith("whsec_") and len(secret) == 49
    assert verify(secret, header, request.body)
    # Anything else does not verify: another body, another secret, or the same post more than 5 minutes on.
    assert not verify(secret, header, request.body.replace(b"rota", b"roto"))
    assert not verify(webhooks.new_secret(), header, request.body)
    sent_at = int(header.split(",")[0][2:])
    assert verify(secret, header, request.body, now=sent_at + 300)
    assert not verify(secret, header, request.body, now=sent_at + 301)

    envelope = request.json
    assert set(envelope) == {"id", "type", "created_at", "organisation", "team", "data"}
    assert envelope["type"] == "decision.logged"
    assert envelope["organisation"] == {"slug": "harbour", "name": "Harbour Health"}
    assert envelope["team"] == {"slug": "platform", "name": "Platform", "url": f"{settings.SITE_URL}/o/harbour/t/platform/"}
    data = envelope["data"]["decision"]
    assert (data["id"], data["title"], data["verdict"]) == (decision.pk, "Move the pager to a rota", "yes")
    assert data["logged_by"] == {"id": leader.pk, "name": "Lena Leader"}  # never an address
    assert data["url"] == f"{settings.SITE_URL}{decision.get_absolute_url()}"
    assert "leader@example.com" not in request.body.decode()
    assert delivery.status == Status.SENT


def test_the_documented_example_request_verifies():
    guide = GUIDE.read_text()
    request = re.search(r"```http\n(.*?)```", guide, re.S)[1]
    head, body = request.rstrip("\n").split("\n\n", 1)
    header = re.search(r"^Charter-Signature: (.+)$", head, re.M)[1]
    secret = re.search(r"`(whsec_[\w-]+)`", guide)[1]

    assert len(body.encode()) == int(re.search(r"^Content-Length: (\d+)$", head, re.M)[1])
    assert verify(secret, header, body.encode(), now=int(re.search(r"t=(\d+)", header)[1]))


def test_a_retry_is_signed_again_with_its_own_time_and_the_same_body(team, leader, hook, chat):
    chat.answers = [503, 200]
    t0 = timezone.now()
    log_a_decision(team, leader)  # committed with the test's transaction: the test makes the attempts
    delivery = WebhookDelivery.objects.get()

    webhooks.attempt(delivery.pk, now=t0)
    webhooks.attempt(delivery.pk, now=t0 + timedelta(minutes=1))

    first, second = chat.received
    assert first.body == second.body
    stamps = [int(request.headers["Charter-Signature"].split(",")[0][2:]) for request in (first, second)]
    assert stamps[1] - stamps[0] == 60
    assert first.headers["Charter-Delivery"] == second.headers["Charter-Delivery"] == str(delivery.pk)
    secret = webhooks.secret_of(hook)
    assert verify(secret, first.headers["Charter-Signature"], first.body, now=stamps[0])
    assert verify(secret, second.headers["Charter-Signature"], second.body, now=stamps[1])
    assert not verify(secret, first.headers["Charter-Signature"], first.body, now=stamps[1] + 300)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SENT, 2)


def test_a_rolled_secret_signs_beside_the_new_one_for_a_day(team, leader, hook, chat):
    old = webhooks.secret_of(hook)
    t0 = timezone.now()
    new = webhooks.roll_secret(webhook=hook, now=t0)
    assert new != old and webhooks.secret_of(TeamWebhook.objects.get()) == new
    log_a_decision(team, leader)
    log_a_decision(team, leader)
    early, late = WebhookDelivery.objects.order_by("pk")

    webhooks.attempt(early.pk, now=t0 + timedelta(hours=23))
    webhooks.attempt(late.pk, now=t0 + timedelta(hours=24))

    during, after = chat.received
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}", during.headers["Charter-Signature"])
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", after.headers["Charter-Signature"])
    for request, stamp in ((during, t0 + timedelta(hours=23)), (after, t0 + timedelta(hours=24))):
        assert verify(new, request.headers["Charter-Signature"], request.body, now=stamp.timestamp())
    assert verify(old, during.headers["Charter-Signature"], during.body, now=(t0 + timedelta(hours=23)).timestamp())
    assert not verify(old, after.headers["Charter-Signature"], after.body, now=(t0 + timedelta(hours=24)).timestamp())


def test_a_secret_this_site_cannot_open_fails_the_post_without_sending_it(team, leader, hook, chat):
    TeamWebhook.objects.filter(pk=hook.pk).update(secret_sealed="sealed-under-another-secret-key")
    log_a_decision(team, leader)
    delivery = WebhookDelivery.objects.get()

    webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and "roll the secret" in delivery.last_error
    assert chat.received == []


# Each event, from the service where it happens ---------------------------------------------------------------


def test_a_check_in_submitted_says_who_and_when_never_what(team, member, hook, chat, settings,
                                                            django_capture_on_commit_callbacks):
    now = timezone.now()
    week = week_of(team, now)
    words = CheckInContent(progress="Rota export shipped", highlights="Pairing with Fay", load="overloaded",
                           strain_note="The pager woke me twice", boundary_question="Who picks the vendor?")
    with django_capture_on_commit_callbacks(execute=True):
        checkin = checkins.submit_checkin(team=team, author=member, week=week, expected_version=0, content=words,
                                          now=now)
    with django_capture_on_commit_callbacks(execute=True):  # an update of the submitted check-in: posted again
        checkins.submit_checkin(team=team, author=member, week=week, expected_version=checkin.version,
                                content=words, now=now + timedelta(minutes=5))

    first, update = posted(chat, "checkin.submitted")
    data = first.json["data"]["checkin"]
    assert data == {"id": checkin.pk, "week": week.monday.isoformat(), "author": {"id": member.pk, "name": "Max Member"},
                    "submitted_at": data["submitted_at"], "updated": False, "late": checkin.is_late,
                    "week_url": f"{settings.SITE_URL}/o/harbour/t/platform/check-ins/week/?week={week.monday}"}
    assert update.json["data"]["checkin"]["updated"] is True
    assert first.json["id"] != update.json["id"]
    for private in ("Rota export", "Pairing", "overloaded", "pager", "vendor", "member@example.com"):
        assert private not in (first.body + update.body).decode()


def test_a_ratified_charter_is_posted_with_its_purpose_and_non_negotiables(team, leader, hook, chat,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        charter = ratified_charter(team, leader, non_negotiables=2)

    [request] = posted(chat, "charter.ratified")
    data = request.json["data"]["charter"]
    assert (data["id"], data["version"], data["purpose"]) == (charter.pk, 1, charter.purpose_statement)
    assert len(data["non_negotiables"]) == 2 and data["ratified_by"]["name"] == "Lena Leader"


def test_each_change_to_a_commitment_is_posted_once(team, leader, member, hook, chat,
                                                     django_capture_on_commit_callbacks):
    due = timezone.localdate() + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        asked = checkins.create_commitment(team=team, owner=member, actor=leader, title="Rota export",
                                           standard="Exported every Friday.", due_on=due)
    with django_capture_on_commit_callbacks(execute=True):
        checkins.answer_request(commitment_id=asked.pk, team=team, actor=member, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        renegotiation = checkins.ask_to_renegotiate(commitment_id=asked.pk, team=team, actor=member, kind="defer",
                                                    reason="The vendor slipped.", due_on=due + timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        checkins.decide_renegotiation(renegotiation_id=renegotiation.pk, team=team, actor=leader, accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        checkins.mark_commitment_done(commitment_id=asked.pk, team=team, actor=member, expected_version=2)

    changes = [request.json["data"] for request in posted(chat, "commitment.changed")]
    assert [data["change"] for data in changes] == ["requested", "accepted", "renegotiation_asked",
                                                    "renegotiation_accepted", "done"]
    assert [data["commitment"]["state"] for data in changes] == ["requested", "open", "open", "open", "done"]
    assert changes[2]["renegotiation"]["reason"] == "The vendor slipped."
    assert changes[3]["commitment"]["due_on"] == (due + timedelta(days=7)).isoformat()
    assert [data["by"]["name"] for data in changes] == ["Lena Leader", "Max Member", "Max Member", "Lena Leader",
                                                        "Max Member"]
    assert WebhookDelivery.objects.filter(event="commitment_changed").count() == 5


def test_closing_a_cycle_and_its_retrospective_is_posted(team, leader, facilitator, hook, chat,
                                                         django_capture_on_commit_callbacks):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="actions")
    with django_capture_on_commit_callbacks(execute=True):
        retros.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="actions")
    with django_capture_on_commit_callbacks(execute=True):
        reviews.close_cycle(team=team, number=1, actor=leader, summary="Calmer deploys.")
        reviews.close_cycle(team=team, number=1, actor=leader)  # a second close changes nothing, posts nothing

    [closed_retro] = posted(chat, "retrospective.closed")
    assert closed_retro.json["data"]["retrospective"]["id"] == retro.pk
    assert closed_retro.json["data"]["retrospective"]["cycle"] == 1
    # no ratings in a team whose privacy minimum is 3: withheld as the summary page withholds them
    assert closed_retro.json["data"]["retrospective"]["non_negotiable_ratings"]["held"] == {
        "count": None, "shown": "fewer than 3"}
    [closed_cycle] = posted(chat, "cycle.closed")
    data = closed_cycle.json["data"]
    assert (data["cycle"]["number"], data["cycle"]["closed_by"]["name"]) == (1, "Lena Leader")
    assert data["cycle"]["summary"].startswith("Calmer deploys.")
    assert data["next_cycle"]["number"] == 2


def test_a_rolled_back_event_posts_nothing(team, member, hook, chat, django_capture_on_commit_callbacks):
    now = timezone.now()
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        checkins.submit_checkin(team=team, author=member, week=week_of(team, now), expected_version=0,
                                content=CheckInContent(progress="Shipped"), now=now)
        raise RuntimeError("something later in the same transaction fails")

    assert callbacks == [] and chat.received == []
    assert not WebhookDelivery.objects.exists()


# Chat webhooks and JSON ones side by side --------------------------------------------------------------------


def test_a_chat_webhook_gets_its_text_and_never_the_json_only_events(team, leader, member, hook, chat,
                                                                      django_capture_on_commit_callbacks):
    # (Made here as the admin could: the page offers a chat webhook the chat events only.)
    TeamWebhook.objects.create(team=team, url=chat.base + "/chat/abcdefgh1234",
                               events=["decision_logged", "checkin_submitted"])
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        log_a_decision(team, leader)
        checkins.submit_checkin(team=team, author=member, week=week_of(team, now), expected_version=0,
                                content=CheckInContent(progress="Shipped"), now=now)

    [to_chat] = [request for request in chat.received if request.path.startswith("/chat/")]
    assert set(to_chat.json) == {"text"}
    assert to_chat.json["text"].startswith("Platform logged a decision: Move the pager to a rota\nVerdict: Yes.\n<")
    assert "Charter-Signature" not in to_chat.headers
    assert [request.headers["Charter-Event"] for request in chat.received if request.path == "/charter-events"] == [
        "decision.logged", "checkin.submitted"]
    with pytest.raises(ActionRefused, match="JSON webhooks only"):
        webhooks.add_webhook(team=team, actor=leader, url="https://hooks.slack.com/services/T0/B0/new12345",
                             events=["checkin_submitted"])


def test_a_json_webhook_is_held_to_the_same_address_rules(team, leader, monkeypatch):
    with pytest.raises(ActionRefused, match="private network"):
        webhooks.add_webhook(team=team, actor=leader, url="https://10.0.0.8/charter", events=["decision_logged"],
                             format=TeamWebhook.Format.JSON)
    with pytest.raises(ActionRefused, match="https://"):
        webhooks.add_webhook(team=team, actor=leader, url="http://integrations.example.com/charter",
                             events=["decision_logged"], format=TeamWebhook.Format.JSON)

    # A public name that resolves to a private address is never posted to, signed or not.
    webhooks.add_webhook(team=team, actor=leader, url="https://integrations.example.com/charter",
                         events=["decision_logged"], format=TeamWebhook.Format.JSON)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))])
    log_a_decision(team, leader)
    delivery = WebhookDelivery.objects.get()

    webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED and "private network" in delivery.last_error


def test_a_test_message_to_a_json_webhook_is_a_signed_ping(team, leader, hook, chat,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.send_test(webhook=hook, actor=leader)

    [request] = chat.received
    assert request.headers["Charter-Event"] == "ping" and request.json["type"] == "ping"
    assert request.json["data"]["events"] == ["charter.ratified", "decision.logged", "checkin.week_summary",
                                              "checkin.submitted", "commitment.changed", "cycle.closed",
                                              "retrospective.closed"]
    assert verify(webhooks.secret_of(hook), request.headers["Charter-Signature"], request.body)
