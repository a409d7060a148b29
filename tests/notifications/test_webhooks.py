"""Team webhooks (alignment/webhooks.py): posted once after commit, retried with backoff, turned off when failing.

Every request goes to a local HTTP server the test starts (tests/chat_server.py), never the internet.
Retries are scheduled in the database (`next_attempt_at`), so the tests move the clock by passing
`now=` instead of sleeping.
"""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import tasks, webhooks
from notifications.models import Notification, TeamWebhook, WebhookDelivery
from tests.chat_server import SECRET_PATH, allow_local_chat, closed_port_url

NEWS, OTHER = "team_news", "other_news"
Status = WebhookDelivery.Status


@pytest.fixture(autouse=True)
def events():
    """Two events of a pretend feature app, registered as an app's `ready()` would."""
    webhooks.register_webhook_event(NEWS, "Team news", "Something happened.")
    webhooks.register_webhook_event(OTHER, "Other news")
    yield
    webhooks._events.pop(NEWS)
    webhooks._events.pop(OTHER)


@pytest.fixture
def hook(team, leader, chat):
    return TeamWebhook.objects.create(team=team, url=chat.url, events=[NEWS], created_by=leader)


def post(team, key="week-1", *, text="Platform did a thing.", now=None):
    return webhooks.post_event(team=team, event=NEWS, key=key, text=text, url="/o/harbour/t/platform/",
                               link_label="Open the team", now=now)


def queued(team, key="week-1", *, now=None) -> WebhookDelivery:
    """A delivery written and committed, its task not run (the test runs the attempts itself)."""
    post(team, key, now=now)
    return WebhookDelivery.objects.get(key=key)


# Posting ----------------------------------------------------------------------------------------


def test_a_delivery_posts_slack_compatible_json_once_the_transaction_commits(
        team, hook, chat, django_capture_on_commit_callbacks, settings):
    with django_capture_on_commit_callbacks(execute=True):
        post(team)
        assert chat.received == []  # nothing leaves before the commit

    [request] = chat.received
    assert request.path == SECRET_PATH
    assert request.headers["Content-Type"] == "application/json"
    assert request.json == {
        "text": f"Platform did a thing.\n<{settings.SITE_URL}/o/harbour/t/platform/|Open the team>"}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (Status.SENT, 1, 200)
    assert delivery.finished_at is not None and delivery.next_attempt_at is None


def test_posting_the_same_event_twice_posts_it_once(team, hook, chat, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = post(team)
        second = post(team)
    with django_capture_on_commit_callbacks(execute=True):
        third = post(team)

    assert len(first) == 1 and second == [] and third == []
    assert len(chat.received) == 1
    assert WebhookDelivery.objects.count() == 1


def test_running_the_task_twice_posts_once(team, hook, chat):
    delivery = queued(team)

    tasks.send_webhook(delivery.pk)
    tasks.send_webhook(delivery.pk)

    assert len(chat.received) == 1


def test_a_rolled_back_transaction_posts_nothing(team, hook, chat, django_capture_on_commit_callbacks):
    with (django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError),
          transaction.atomic()):
        post(team)
        raise RuntimeError("the event's transaction fails")

    assert callbacks == []
    assert not WebhookDelivery.objects.exists()
    assert chat.received == []


def test_only_webhooks_subscribed_to_the_event_get_it(team, other_team, leader, hook, chat,
                                                      django_capture_on_commit_callbacks):
    TeamWebhook.objects.create(team=team, url=chat.base + "/other-events-only/xyz12345", events=[OTHER])
    TeamWebhook.objects.create(team=team, url=chat.base + "/turned-off/xyz12345", events=[NEWS],
                               disabled_at=timezone.now(), disabled_reason="failing")
    TeamWebhook.objects.create(team=other_team, url=chat.base + "/another-team/xyz12345", events=[NEWS])

    with django_capture_on_commit_callbacks(execute=True):
        post(team)

    assert [request.path for request in chat.received] == [SECRET_PATH]


def test_an_archived_team_posts_nothing(team, hook, chat):
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])

    assert post(team) == []
    assert not WebhookDelivery.objects.exists()


def test_an_unregistered_event_is_a_programming_error(team):
    with pytest.raises(LookupError, match="register_webhook_event"):
        webhooks.post_event(team=team, event="nobody_registered_this", key="k", text="t")


def test_slack_markup_in_the_text_is_escaped():
    body = webhooks.payload(text="Ship <fast> & safe", url="/o/x/", link_label="Us & them")

    assert body["text"].startswith("Ship &lt;fast&gt; &amp; safe\n<")
    assert body["text"].endswith("|Us &amp; them>")


# Retries and failures ---------------------------------------------------------------------------


def test_a_server_error_is_retried_after_a_minute_then_sent(team, hook, chat):
    chat.answers = [500, 200]
    t0 = timezone.now()
    delivery = queued(team, now=t0)

    webhooks.attempt(delivery.pk, now=t0)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (Status.RETRYING, 1, 500)
    assert delivery.next_attempt_at == t0 + timedelta(minutes=1)
    assert "HTTP 500" in delivery.last_error
    assert TeamWebhook.objects.get().consecutive_failures == 1

    # Not before its time: neither beat nor a stray task posts it early.
    assert webhooks.due_delivery_ids(t0 + timedelta(seconds=59)) == []
    assert webhooks.attempt(delivery.pk, now=t0 + timedelta(seconds=59)) is None
    assert webhooks.due_delivery_ids(t0 + timedelta(minutes=1)) == [delivery.pk]
    webhooks.attempt(delivery.pk, now=t0 + timedelta(minutes=1))

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (Status.SENT, 2, 200)
    assert len(chat.received) == 2 and chat.received[0].body == chat.received[1].body
    assert TeamWebhook.objects.get().consecutive_failures == 0  # a success resets the count


def test_the_backoff_grows_and_the_fifth_failure_is_the_last(team, hook, chat):
    chat.answers = [503] * 10
    now = timezone.now()
    delivery = queued(team, now=now)
    waits = []
    for _ in range(webhooks.MAX_ATTEMPTS):
        webhooks.attempt(delivery.pk, now=now)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            waits.append(delivery.next_attempt_at - now)
            now = delivery.next_attempt_at

    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 5)
    assert webhooks.due_delivery_ids(now + timedelta(days=1)) == []
    assert len(chat.received) == 5


def test_too_many_requests_waits_as_long_as_retry_after_asks(team, hook, chat):
    chat.answers = [(429, {"Retry-After": "600"})]
    t0 = timezone.now()
    delivery = queued(team, now=t0)

    webhooks.attempt(delivery.pk, now=t0)

    delivery.refresh_from_db()
    assert delivery.status == Status.RETRYING
    assert delivery.next_attempt_at == t0 + timedelta(minutes=10)


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_a_client_error_fails_at_once_without_retry(status, team, hook, chat):
    chat.answers = [status]
    delivery = queued(team)

    webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (Status.FAILED, 1, status)
    assert delivery.next_attempt_at is None and delivery.finished_at is not None
    assert webhooks.due_delivery_ids(timezone.now() + timedelta(days=1)) == []
    assert len(chat.received) == 1
    assert TeamWebhook.objects.get().is_active  # one failure does not turn it off


def test_a_redirect_is_not_followed(team, hook, chat):
    chat.answers = [(302, {"Location": chat.base + "/somewhere-else"})]
    delivery = queued(team)

    webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == (Status.FAILED, 302)
    assert [request.path for request in chat.received] == [SECRET_PATH]


def test_a_refused_connection_is_retried_and_the_error_never_shows_the_address(team, leader, settings):
    allow_local_chat(settings)
    url = closed_port_url()
    TeamWebhook.objects.create(team=team, url=url, events=[NEWS], created_by=leader)
    delivery = queued(team)

    webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.RETRYING
    assert delivery.response_status is None
    assert "refused" in delivery.last_error.lower()
    assert SECRET_PATH not in delivery.last_error and "s3cr3t" not in delivery.last_error


def test_a_slow_server_times_out_and_is_retried(team, hook, chat, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.2)
    chat.delay = 1.0
    delivery = queued(team)

    webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.RETRYING
    assert "timed out" in delivery.last_error.lower()


def test_a_name_resolving_to_a_private_address_is_never_posted_to(team, leader, monkeypatch):
    TeamWebhook.objects.create(team=team, url="https://chat.example.test/hooks/abcdefgh1234", events=[NEWS])
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))])
    delivery = queued(team)

    webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert "private network" in delivery.last_error


def test_the_post_connects_to_the_address_that_was_checked(team, monkeypatch):
    """DNS rebinding: a name that answers a public address for the check and a private one afterwards."""
    from tests.chat_server import SECRET_PATH, ChatServer

    with ChatServer() as inside, ChatServer(host="127.0.0.2", port=inside.server.server_address[1]) as outside:
        port = inside.server.server_address[1]
        TeamWebhook.objects.create(team=team, url=f"http://chat.example.test:{port}{SECRET_PATH}", events=[NEWS])
        answers = iter(["127.0.0.2"])  # the first lookup; every later one says "this machine"
        lookups = []

        def getaddrinfo(host, *args, **kwargs):
            if host[0].isdigit():  # an address is its own answer, as the real resolver gives it
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (host, port))]
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers, "127.0.0.1"), port))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        # In this test 127.0.0.2 stands for a public address (the real rule is ip.is_global).
        real_is_public = webhooks._is_public
        monkeypatch.setattr(webhooks, "_is_public", lambda address: address == "127.0.0.2" or real_is_public(address))
        delivery = queued(team)

        webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert lookups == ["chat.example.test"]  # resolved once
    assert [r.path for r in outside.received] == [SECRET_PATH] and inside.received == []
    assert outside.received[0].headers["Host"] == f"chat.example.test:{port}"


# Turning a failing webhook off --------------------------------------------------------------------


def test_five_failed_attempts_in_a_row_turn_the_webhook_off_and_tell_each_leader_once(
        team, hook, chat, leader, make_user, add_member, member):
    second_leader = make_user("second.leader@example.com", "Sid Second")
    add_member(team, second_leader, "leader")
    chat.answers = [500] * 10
    now = timezone.now()
    first, other = queued(team, "week-1", now=now), queued(team, "week-2", now=now)

    # Failures count across deliveries: three of the first, two of the other.
    for delivery in (first, first, other, first, other):
        webhooks.attempt(delivery.pk, now=now)
        now += timedelta(hours=3)

    hook.refresh_from_db()
    assert not hook.is_active
    assert hook.consecutive_failures == 5
    assert "5 failed attempts in a row" in hook.disabled_reason and "HTTP 500" in hook.disabled_reason
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {Status.FAILED}
    notices = Notification.objects.filter(kind=webhooks.WEBHOOK_DISABLED)
    assert sorted(n.recipient.email for n in notices) == ["leader@example.com", "second.leader@example.com"]
    notice = notices.first()
    assert notice.url == "/o/harbour/t/platform/webhooks/"
    assert "s3cr3t" not in notice.body and "127.0.0.1" in notice.body

    # Nothing more is posted to it, and nobody is told twice.
    assert webhooks.attempt(first.pk, now=now) is None
    assert post(team, "week-3") == []
    webhooks._disable(hook, now=now, reason="again")
    assert Notification.objects.filter(kind=webhooks.WEBHOOK_DISABLED).count() == 2
    assert len(chat.received) == 5


def test_a_success_between_failures_starts_the_count_again(team, hook, chat):
    chat.answers = [500, 500, 500, 500, 200, 500, 500, 500, 500]
    now = timezone.now()
    for n in range(9):
        delivery = queued(team, f"week-{n}", now=now)
        webhooks.attempt(delivery.pk, now=now)

    hook.refresh_from_db()
    assert hook.is_active
    assert hook.consecutive_failures == 4


def test_turning_a_webhook_back_on_clears_its_failures(team, hook):
    TeamWebhook.objects.filter(pk=hook.pk).update(disabled_at=timezone.now(), disabled_reason="failing",
                                                  consecutive_failures=5)
    hook.refresh_from_db()

    assert webhooks.enable_webhook(webhook=hook) is True
    assert webhooks.enable_webhook(webhook=hook) is False

    hook.refresh_from_db()
    assert hook.is_active and hook.consecutive_failures == 0 and hook.disabled_reason == ""


def test_a_delivery_waiting_for_a_webhook_turned_off_meanwhile_is_not_posted(team, hook, chat):
    delivery = queued(team)
    TeamWebhook.objects.filter(pk=hook.pk).update(disabled_at=timezone.now(), disabled_reason="by hand")

    webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert chat.received == []


# Beat's sweep -------------------------------------------------------------------------------------


def test_beat_sends_due_retries_and_deliveries_never_queued_but_not_fresh_ones(team, hook, chat):
    now = timezone.now()
    due = queued(team, "due-retry")
    WebhookDelivery.objects.filter(pk=due.pk).update(status=Status.RETRYING, attempts=1,
                                                     next_attempt_at=now - timedelta(seconds=1))
    lost = queued(team, "never-queued", now=now - timedelta(minutes=6))
    fresh = queued(team, "just-queued")
    later = queued(team, "retry-later")
    WebhookDelivery.objects.filter(pk=later.pk).update(status=Status.RETRYING, attempts=1,
                                                       next_attempt_at=now + timedelta(minutes=5))

    assert tasks.send_due_webhooks() == 2  # eager in tests: each send runs at once

    statuses = dict(WebhookDelivery.objects.values_list("pk", "status"))
    assert statuses[due.pk] == statuses[lost.pk] == Status.SENT
    assert statuses[fresh.pk] == Status.QUEUED and statuses[later.pk] == Status.RETRYING
    assert len(chat.received) == 2


# A test message -----------------------------------------------------------------------------------


def test_a_test_message_is_posted_once_and_not_retried(team, hook, chat, leader, django_capture_on_commit_callbacks):
    chat.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.send_test(webhook=hook, actor=leader)

    delivery = WebhookDelivery.objects.get(event=webhooks.TEST_EVENT)
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
    [request] = chat.received
    assert "test message" in request.json["text"] and "team news" in request.json["text"]


# The address ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "refusal"), [
    ("http://hooks.example.com/services/abc", "must start with https://"),
    ("ftp://hooks.example.com/services/abc", "must start with https://"),
    ("https://localhost/hook", "private network"),
    ("https://chat.internal/hook", "private network"),
    ("https://10.0.0.8/hook", "private network"),
    ("https://192.168.1.20/hook", "private network"),
    ("https://127.0.0.1/hook", "private network"),
    ("https://[::1]/hook", "private network"),
    ("https://169.254.169.254/latest/meta-data", "private network"),
    ("https://[::ffff:10.0.0.1]/hook", "private network"),
    ("https://224.0.0.1/hook", "private network"),
    ("https://alice:pw@hooks.example.com/hook", "user name and password"),
    ("https:///no-host", "whole address"),
])
def test_only_public_https_addresses_are_accepted(url, refusal):
    assert refusal in webhooks.url_refusal(url)


def test_a_public_https_address_is_accepted():
    assert webhooks.url_refusal("https://hooks.slack.com/services/T000/B000/abcdefgh1234") is None
    assert webhooks.url_refusal("https://203.0.113.1/hook") is not None  # documentation range: not global
    assert webhooks.url_refusal("https://8.8.8.8/hook") is None


def test_plain_http_only_to_the_hosts_the_settings_allow(settings):
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = []
    assert "https://" in webhooks.url_refusal("http://127.0.0.1:8065/hooks/abc")

    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    assert webhooks.url_refusal("http://127.0.0.1:8065/hooks/abc") is None
    assert webhooks.url_refusal("http://other.example.com/hooks/abc") is not None


@pytest.mark.parametrize(("url", "shown"), [
    ("https://hooks.slack.com/services/T000/B000/abcdefgh1234", "https://hooks.slack.com/…/1234"),
    ("https://chat.example.com:8443/hooks/xyzsecret99", "https://chat.example.com:8443/…/et99"),
    ("https://chat.example.com/abc", "https://chat.example.com/…"),
])
def test_the_address_is_shown_masked(url, shown):
    masked = webhooks.masked_url(url)

    assert masked == shown
    assert url not in masked


def test_the_payload_is_stored_for_retries_without_the_address(team, hook):
    delivery = queued(team)

    assert "s3cr3t" not in json.dumps(delivery.payload)


def test_a_worker_that_died_during_the_last_attempt_leaves_a_failed_delivery_not_a_sixth_try(team, hook, chat):
    delivery = queued(team)
    lapsed = timezone.now() - timedelta(seconds=1)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=Status.RETRYING, attempts=webhooks.MAX_ATTEMPTS,
                                                          next_attempt_at=lapsed)

    assert webhooks.due_delivery_ids(timezone.now()) == [delivery.pk]
    webhooks.attempt(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, webhooks.MAX_ATTEMPTS)
    assert chat.received == []


def test_a_webhook_removed_while_posting_is_simply_gone(team, hook, chat, monkeypatch):
    delivery = queued(team)
    post_json = webhooks.post_json

    def post_then_remove(url, body, headers):
        outcome = post_json(url, body, headers)
        TeamWebhook.objects.filter(pk=hook.pk).delete()
        return outcome

    monkeypatch.setattr(webhooks, "post_json", post_then_remove)
    webhooks.attempt(delivery.pk)

    assert not WebhookDelivery.objects.exists()
    assert len(chat.received) == 1
