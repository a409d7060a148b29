"""The team's chat webhooks page: leaders add, choose events, turn back on, remove and test; nobody else.

Who may open which address is in the permission matrix (test_permissions.py); here: what each action
does, that the address is never shown in full, and that refusals change nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment import services
from alignment.confirm import CONFIRMED
from notifications import webhooks
from notifications.models import TeamWebhook, WebhookDelivery
from tests.alignment.reading import form_values
from tests.chat_server import SECRET_PATH, ChatServer, allow_local_chat

PAGE = reverse("notifications:webhooks", args=["harbour", "platform"])
SECRET = "T0PLATFORM/B0CHANNEL/zq8Yw2Lx5Pv7Rt3K"
ADDRESS = f"https://hooks.slack.com/services/{SECRET}"
EVERY_EVENT = ["charter_ratified", "checkin_summary", "retro_summary"]


def action(name: str, hook: TeamWebhook) -> str:
    return reverse(f"notifications:webhook_{name}", args=["harbour", "platform", hook.pk])


@pytest.fixture
def hook(team, leader):
    return TeamWebhook.objects.create(team=team, url=ADDRESS, events=["charter_ratified"], created_by=leader)


# Seeing them ------------------------------------------------------------------------------------


def test_the_page_lists_webhooks_masked_with_their_events_and_recent_deliveries(login, leader, hook):
    WebhookDelivery.objects.create(webhook=hook, event="charter_ratified", key="charter-1",
                                   status=WebhookDelivery.Status.FAILED, attempts=1, response_status=404,
                                   last_error="HTTP 404 Not Found")

    response = login(leader).get(PAGE)

    assertContains(response, "https://hooks.slack.com/…/Rt3K")
    assertContains(response, "Charter ratified")
    assertContains(response, "HTTP 404 Not Found")
    assertContains(response, "Failed")
    # The secret never comes back, in whole or in part beyond its last characters.
    assertNotContains(response, SECRET)
    assertNotContains(response, "zq8Yw2Lx5")
    assertNotContains(response, "B0CHANNEL")


def test_the_settings_page_links_to_the_webhooks(login, leader, team):
    assertContains(login(leader).get(reverse("team_settings", args=["harbour", "platform"])), f'href="{PAGE}"')


def test_every_field_has_a_label(login, leader, hook):
    response = login(leader).get(PAGE)

    assertContains(response, '<label for="id_url">Webhook address:</label>', html=True)
    assertContains(response, "<legend>Events to post</legend>", count=2, html=True)
    for event in EVERY_EVENT:
        assertContains(response, f'value="{event}"', count=2)  # the new webhook's and the existing one's
    ids = re.findall(r'\sid="([^"]+)"', response.content.decode())
    assert len(ids) == len(set(ids))  # every label points at its own field


SIZES = pytest.mark.parametrize(("hooks", "deliveries"), [(1, 1), (5, 30)])


@SIZES
def test_query_count_is_flat(hooks, deliveries, login, leader, team, django_assert_num_queries):
    for n in range(hooks):
        made = TeamWebhook.objects.create(team=team, url=f"{ADDRESS}{n}", events=EVERY_EVENT)
        WebhookDelivery.objects.bulk_create(WebhookDelivery(webhook=made, event="checkin_summary", key=f"week-{k}")
                                            for k in range(deliveries))
    client = login(leader)

    # 1. user  2. my memberships with their teams and organisations (and the header's bell's unread count)
    # 3. the team's webhooks  4. their latest deliveries (ten each, in one query).
    with django_assert_num_queries(4):
        response = client.get(PAGE)

    assertContains(response, 'class="item"', count=hooks * min(deliveries, webhooks.RECENT_DELIVERIES))


# Adding --------------------------------------------------------------------------------------------


def test_a_leader_adds_a_webhook_with_the_events_chosen(login, leader, team):
    response = login(leader).post(PAGE, {"url": ADDRESS, "events": ["charter_ratified", "retro_summary"]},
                                  follow=True)

    assertRedirects(response, PAGE)
    hook = TeamWebhook.objects.get()
    assert (hook.team, hook.url, hook.events, hook.created_by) == (
        team, ADDRESS, ["charter_ratified", "retro_summary"], leader)
    assertContains(response, "Webhook https://hooks.slack.com/…/Rt3K added.")
    assertNotContains(response, SECRET)


@pytest.mark.parametrize(("typed", "message"), [
    ("http://hooks.slack.com/services/abc", "must start with https://"),
    ("https://localhost/hooks/abc", "private network"),
    ("https://10.0.0.7/hooks/abc", "private network"),
    ("not an address", "Enter a valid URL."),
])
def test_an_address_that_is_not_public_https_is_refused_and_what_was_typed_is_kept(
        typed, message, login, leader, team):
    response = login(leader).post(PAGE, {"url": typed, "events": ["retro_summary"]})

    assertContains(response, message, status_code=400)
    shown = form_values(response.content, PAGE)
    assert shown["events"] == ["retro_summary"]
    assert not TeamWebhook.objects.exists()


def test_at_least_one_event_is_needed(login, leader, team):
    response = login(leader).post(PAGE, {"url": ADDRESS})

    assertContains(response, "Choose at least one event to post.", status_code=400)
    assert form_values(response.content, PAGE)["url"] == [ADDRESS]  # their own typing, before it is saved
    assert not TeamWebhook.objects.exists()


def test_the_same_address_twice_is_refused(login, leader, hook):
    response = login(leader).post(PAGE, {"url": ADDRESS, "events": ["retro_summary"]})

    assertContains(response, "already one of the team", status_code=400)
    assert TeamWebhook.objects.count() == 1


def test_a_team_has_at_most_five_webhooks(login, leader, team):
    for n in range(webhooks.MAX_WEBHOOKS_PER_TEAM):
        TeamWebhook.objects.create(team=team, url=f"{ADDRESS}{n}", events=["retro_summary"])

    assertContains(login(leader).get(PAGE), "at most 5 webhooks")
    response = login(leader).post(PAGE, {"url": ADDRESS, "events": ["retro_summary"]})

    assertContains(response, "at most 5 webhooks", status_code=400)
    assert TeamWebhook.objects.count() == webhooks.MAX_WEBHOOKS_PER_TEAM


# Changing, turning back on, removing ---------------------------------------------------------------------


def test_a_leader_changes_the_events(login, leader, hook):
    response = login(leader).post(action("events", hook), {"events": ["checkin_summary"]})

    assertRedirects(response, PAGE)
    hook.refresh_from_db()
    assert hook.events == ["checkin_summary"]


def test_changing_to_no_event_is_refused_on_that_webhook(login, leader, hook):
    response = login(leader).post(action("events", hook), {})

    assertContains(response, "Choose at least one event to post.", status_code=400, count=1)
    hook.refresh_from_db()
    assert hook.events == ["charter_ratified"]


def test_a_leader_turns_a_failing_webhook_back_on(login, leader, hook):
    TeamWebhook.objects.filter(pk=hook.pk).update(disabled_at=timezone.now(), consecutive_failures=5,
                                                  disabled_reason="5 failed attempts in a row; the last: HTTP 500")
    page = login(leader).get(PAGE)
    assertContains(page, "Turned off")
    assertContains(page, "5 failed attempts in a row; the last: HTTP 500")
    assertContains(page, f'action="{action("enable", hook)}"')
    assertNotContains(page, f'action="{action("test", hook)}"')

    response = login(leader).post(action("enable", hook), follow=True)

    assertContains(response, "is on again")
    hook.refresh_from_db()
    assert hook.is_active and hook.consecutive_failures == 0


def test_a_leader_removes_a_webhook_and_its_log(login, leader, hook):
    WebhookDelivery.objects.create(webhook=hook, event="charter_ratified", key="charter-1")

    response = login(leader).post(action("remove", hook), CONFIRMED)

    assertRedirects(response, PAGE)
    assert not TeamWebhook.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_test_message_reaches_the_channel(login, leader, team, settings, django_capture_on_commit_callbacks):
    allow_local_chat(settings)
    with ChatServer() as chat:
        hook = TeamWebhook.objects.create(team=team, url=chat.url, events=["retro_summary"])
        with django_capture_on_commit_callbacks(execute=True):
            response = login(leader).post(action("test", hook))

    assertRedirects(response, PAGE)
    [request] = chat.received
    assert request.path == SECRET_PATH
    assert "A test message from Charter for Platform" in request.json["text"]
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SENT
    assertContains(login(leader).get(PAGE), "Test message")


def test_a_test_message_to_a_webhook_turned_off_is_refused(login, leader, hook):
    TeamWebhook.objects.filter(pk=hook.pk).update(disabled_at=timezone.now())

    response = login(leader).post(action("test", hook), follow=True)

    assertContains(response, "turned off. Turn it back on first.")
    assert not WebhookDelivery.objects.exists()


# Refusals ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["events", "enable", "remove", "test"])
def test_actions_refuse_get(name, login, leader, hook):
    assert login(leader).get(action(name, hook)).status_code == 405


@pytest.mark.parametrize(("actor", "status"), [("member", 403), ("facilitator", 403), ("outsider", 404)])
def test_refused_people_change_nothing(actor, status, request, login, hook, team):
    client = login(request.getfixturevalue(actor))

    answers = [
        client.post(PAGE, {"url": "https://hooks.example.com/services/theirs", "events": ["retro_summary"]}),
        client.post(action("events", hook), {"events": ["retro_summary"]}),
        client.post(action("test", hook)),
        client.post(action("remove", hook), CONFIRMED),
    ]

    assert {answer.status_code for answer in answers} == {status}
    assert list(TeamWebhook.objects.values_list("url", "events")) == [(ADDRESS, ["charter_ratified"])]
    assert not WebhookDelivery.objects.exists()


def test_another_teams_webhook_is_not_reachable_through_ones_own_team(login, leader, other_team):
    theirs = TeamWebhook.objects.create(team=other_team, url=ADDRESS, events=["retro_summary"])

    for name in ("events", "enable", "remove", "test"):
        url = reverse(f"notifications:webhook_{name}", args=["harbour", "platform", theirs.pk])
        assert login(leader).post(url, {"events": ["charter_ratified"]}).status_code == 404
    assert TeamWebhook.objects.get(pk=theirs.pk).events == ["retro_summary"]


def test_an_archived_team_accepts_no_change_to_its_webhooks(login, leader, team, hook):
    services.archive_team(team=team, actor=leader)
    TeamWebhook.objects.filter(pk=hook.pk).update(disabled_at=timezone.now() - timedelta(days=1))
    client = login(leader)

    answers = [
        client.get(PAGE),
        client.post(PAGE, {"url": "https://hooks.example.com/services/new", "events": ["retro_summary"]}),
        client.post(action("events", hook), {"events": ["retro_summary"]}),
        client.post(action("enable", hook)),
        client.post(action("remove", hook), CONFIRMED),
    ]

    assert {answer.status_code for answer in answers} == {403}
    assertContains(answers[0], "archived", status_code=403)
    hook.refresh_from_db()
    assert hook.events == ["charter_ratified"] and not hook.is_active
    assert TeamWebhook.objects.count() == 1


def test_the_admin_shows_webhooks_masked_and_their_log(client, hook, django_user_model):
    delivery = WebhookDelivery.objects.create(webhook=hook, event="charter_ratified", key="charter-1")
    client.force_login(django_user_model.objects.create_superuser("admin@example.com", "pw"))

    for page in (reverse("admin:notifications_teamwebhook_changelist"),
                 reverse("admin:notifications_teamwebhook_change", args=[hook.pk]),
                 reverse("admin:notifications_webhookdelivery_changelist"),
                 reverse("admin:notifications_webhookdelivery_change", args=[delivery.pk])):
        response = client.get(page, {"q": "Platform"} if page.endswith("/webhookdelivery/") else {})
        assert response.status_code == 200, page
        assertNotContains(response, SECRET)
    assertContains(client.get(reverse("admin:notifications_teamwebhook_changelist")), "https://hooks.slack.com/…/Rt3K")
