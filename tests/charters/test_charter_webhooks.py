"""A ratified charter is posted to the team's chat webhooks that want it, once, after the ratification commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from charters import services
from charters.webhooks import RATIFIED
from notifications.models import TeamWebhook, WebhookDelivery
from tests.charters.factories import complete_charter, ratified_charter


@pytest.fixture
def hook(team, chat):
    return TeamWebhook.objects.create(team=team, url=chat.url, events=[RATIFIED])


def test_ratifying_posts_the_version_its_purpose_and_a_link_once_it_commits(
        team, leader, hook, chat, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        charter = ratified_charter(team, leader)
    assert chat.received == []  # still inside the ratifying transaction: nothing has left
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.QUEUED

    for callback in callbacks:
        callback()

    [text] = chat.texts()
    assert text.startswith("Platform ratified version 1 of its charter.\nPurpose: ")
    assert charter.purpose_statement.replace("&", "&amp;") in text
    assert text.endswith(f"<{settings.SITE_URL}/o/harbour/t/platform/charter/v1/|Read version 1>")
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.SENT


def test_a_rolled_back_ratification_posts_nothing(team, leader, hook, chat, django_capture_on_commit_callbacks):
    charter = complete_charter(team, leader)
    services.propose(charter=charter, actor=leader)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.ratify(charter=charter, actor=leader, despite_gaps=True)
        raise RuntimeError("something later in the same transaction fails")

    assert not WebhookDelivery.objects.exists()
    assert chat.received == []


def test_a_webhook_not_subscribed_to_ratifications_gets_nothing(team, leader, chat,
                                                                django_capture_on_commit_callbacks):
    TeamWebhook.objects.create(team=team, url=chat.url, events=["checkin_summary"])

    with django_capture_on_commit_callbacks(execute=True):
        ratified_charter(team, leader)

    assert chat.received == []
    assert not WebhookDelivery.objects.exists()
