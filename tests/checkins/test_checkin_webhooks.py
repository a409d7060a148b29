"""The week's check-in summary goes to the team's chat webhooks with the leaders' digest: counts only, once."""

from __future__ import annotations

import pytest

from checkins import reminders
from checkins.models import Blocker, CheckIn
from checkins.webhooks import WEEK_SUMMARY
from notifications.models import TeamWebhook, WebhookDelivery
from tests.checkins.conftest import MONDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def week_with_a_blocker(team, leader, member, facilitator):
    checkin = CheckIn.objects.create(team=team, author=facilitator, week=MONDAY, state=CheckIn.State.SUBMITTED,
                                     submitted_at=at(4, "09:00"), load="overloaded",
                                     strain_note="Fay's private worry about the pager")
    Blocker.objects.create(check_in=checkin, position=0, what="Waiting on the firewall change", opened_at=at(1))


def test_the_summary_is_posted_once_with_the_digest_in_counts_only(
        team, week_with_a_blocker, chat, settings, django_capture_on_commit_callbacks):
    settings.LEADER_DIGEST_AFTER_HOURS = 4
    TeamWebhook.objects.create(team=team, url=chat.url, events=[WEEK_SUMMARY])

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_digests(now=at(4, "13:59"))
    assert chat.received == []
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_digests(now=at(4, "14:00"))
        reminders.send_digests(now=at(4, "15:00"))

    [text] = chat.texts()
    assert text.splitlines()[:3] == [
        "Platform, week of 16 Nov 2026: 1 of 2 checked in.",
        "Open blockers: 1.",
        "Key results with falling confidence: 0.",
    ]
    assert text.endswith(f"/o/harbour/t/platform/check-ins/week/?week={MONDAY}|See the team's week>")
    # Check-in privacy: nobody's name, blocker or note leaves the app.
    for private in ("Fay", "Facilitator", "Max", "member@", "firewall", "pager", "overloaded"):
        assert private not in text
    assert WebhookDelivery.objects.get().key == f"week-{MONDAY.isoformat()}/team-{team.pk}"


def test_a_team_without_a_subscribed_webhook_posts_nothing(team, week_with_a_blocker, chat, settings,
                                                            django_capture_on_commit_callbacks):
    settings.LEADER_DIGEST_AFTER_HOURS = 4
    TeamWebhook.objects.create(team=team, url=chat.url, events=["charter_ratified"])

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_digests(now=at(4, "14:00"))

    assert chat.received == []
    assert not WebhookDelivery.objects.exists()
