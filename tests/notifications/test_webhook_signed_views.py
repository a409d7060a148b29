"""The team's webhooks page for signed JSON webhooks: the secret shown whole once (when added, when rolled), masked
after; rolling; what a chat webhook may not get.

Who may open which address is in the permission matrix (tests/alignment/test_permissions.py).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from notifications import webhooks
from notifications.models import TeamWebhook, WebhookDelivery
from tests.alignment.reading import form_values

PAGE = reverse("notifications:webhooks", args=["harbour", "platform"])
ENDPOINT = "https://integrations.example.com/charter/events"


def roll_url(hook: TeamWebhook) -> str:
    return reverse("notifications:webhook_roll", args=["harbour", "platform", hook.pk])


@pytest.fixture
def hook(team, leader) -> TeamWebhook:
    return webhooks.add_webhook(team=team, actor=leader, url=ENDPOINT, events=["decision_logged"],
                                format=TeamWebhook.Format.JSON)


def test_adding_a_json_webhook_shows_its_secret_once_then_only_masked(login, leader, team):
    client = login(leader)

    response = client.post(PAGE, {"format": "json", "url": ENDPOINT,
                                  "events": ["checkin_submitted", "commitment_changed", "decision_logged"]})

    hook = TeamWebhook.objects.get()
    secret = webhooks.secret_of(hook)
    assert (hook.format, hook.events) == ("json", ["decision_logged", "checkin_submitted", "commitment_changed"])
    assert secret.startswith("whsec_") and secret not in hook.secret_sealed  # kept sealed
    assertContains(response, "Copy this signing secret now")
    assertContains(response, f'value="{secret}"', count=1)
    assert "no-store" in response["Cache-Control"]
    later = client.get(PAGE)
    assertNotContains(later, secret)
    assertNotContains(later, secret[6:-4])
    assertContains(later, f"whsec_…{secret[-4:]}")
    assertContains(later, "JSON (signed)")


def test_rolling_shows_the_new_secret_once_and_says_the_old_one_signs_for_a_day(login, leader, hook):
    old = webhooks.secret_of(hook)
    client = login(leader)

    response = client.post(roll_url(hook))

    new = webhooks.secret_of(TeamWebhook.objects.get())
    assert new != old
    assertContains(response, f'value="{new}"', count=1)
    assertContains(response, "For 24 hours each post is signed with the old one too.")
    assertNotContains(response, old)
    later = client.get(PAGE)
    assertNotContains(later, new)
    assertContains(later, "the previous secret signs too until")


def test_a_chat_webhook_has_no_secret_to_roll(login, leader, team):
    chat = TeamWebhook.objects.create(team=team, url="https://hooks.slack.com/services/T0/B0/abcdefgh1234",
                                      events=["decision_logged"])

    response = login(leader).post(roll_url(chat), follow=True)

    assertRedirects(response, PAGE)
    assertContains(response, "A chat webhook has no signing secret")
    assert TeamWebhook.objects.get().secret_sealed == ""
    assertNotContains(response, f'action="{roll_url(chat)}"')


@pytest.mark.parametrize(("actor", "status"), [("member", 403), ("facilitator", 403), ("outsider", 404)])
def test_only_a_leader_rolls_the_secret(actor, status, request, login, hook):
    sealed = hook.secret_sealed

    response = login(request.getfixturevalue(actor)).post(roll_url(hook))

    assert response.status_code == status
    assert TeamWebhook.objects.get().secret_sealed == sealed
    assert webhooks.secret_of(hook) not in response.content.decode()


def test_a_chat_webhook_is_refused_the_json_only_events_and_keeps_what_was_typed(login, leader, team):
    typed = {"format": "chat", "url": "https://hooks.slack.com/services/T0/B0/abcdefgh1234",
             "events": ["decision_logged", "checkin_submitted"]}

    response = login(leader).post(PAGE, typed)

    assertContains(response, "“Check-in submitted” goes to JSON webhooks only", status_code=400)
    assert form_values(response.content, PAGE)["events"] == ["decision_logged", "checkin_submitted"]
    assert not TeamWebhook.objects.exists()


def test_a_json_webhooks_events_form_offers_every_event_and_a_chat_ones_the_chat_events(login, leader, team, hook):
    TeamWebhook.objects.create(team=team, url="https://hooks.slack.com/services/T0/B0/abcdefgh1234",
                               events=["decision_logged"])

    response = login(leader).get(PAGE)

    # The new webhook's form (all, JSON-only ones marked) and the JSON webhook's offer them; the chat one's not.
    assertContains(response, 'value="checkin_submitted"', count=2)
    assertContains(response, "Check-in submitted (JSON only)", count=1)
    assertContains(response, 'value="decision_logged"', count=3)


@pytest.mark.parametrize(("hooks", "deliveries"), [(1, 1), (5, 30)])
def test_query_count_is_flat_with_json_webhooks(hooks, deliveries, login, leader, team, django_assert_num_queries):
    for n in range(hooks):
        made = webhooks.add_webhook(team=team, actor=leader, url=f"{ENDPOINT}/{n}", events=["decision_logged"],
                                    format=TeamWebhook.Format.JSON)
        webhooks.roll_secret(webhook=made)
        WebhookDelivery.objects.bulk_create(WebhookDelivery(webhook=made, event="decision_logged", key=f"d-{k}")
                                            for k in range(deliveries))
    client = login(leader)

    # 1. user  2. my memberships with their teams and organisations (and the header's bell's unread count)
    # 3. the team's webhooks (their secrets with them)  4. their latest deliveries (ten each, in one query).
    with django_assert_num_queries(4):
        response = client.get(PAGE)

    assertContains(response, "the previous secret signs too until", count=hooks)
    assertContains(response, 'class="item"', count=hooks * min(deliveries, webhooks.RECENT_DELIVERIES))


def test_a_day_after_a_roll_the_page_no_longer_mentions_the_old_secret(login, leader, hook, frozen):
    webhooks.roll_secret(webhook=hook)
    frozen(timezone.now() + webhooks.PREVIOUS_SECRET_GRACE + timedelta(seconds=1))

    assertNotContains(login(leader).get(PAGE), "the previous secret signs too")
