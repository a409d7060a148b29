"""Closing a retrospective posts its summary to the team's chat webhooks that want it: what it produced, never who
wrote a card, once, after the close commits."""

from __future__ import annotations

from datetime import date

import pytest

from notifications.models import TeamWebhook, WebhookDelivery
from reviews.models import NonNegotiableRating, RetroAction, RetroVote
from reviews.retro import services
from reviews.webhooks import RETRO_SUMMARY
from tests.reviews.retro_factories import charter_in_force, open_cycle, session, theme, write_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(team, leader, member, facilitator):
    return open_cycle(team, charter_in_force(team))


def a_session_to_close(team, cycle, facilitator, member, leader, *, anonymous: bool):
    """A session in its actions phase: the member wrote three cards, two themes were voted on, one action."""
    retro = session(team, facilitator, phase="actions", anonymous=anonymous)
    calmer = write_card(retro, member, "Deploys felt calmer")
    flaky = write_card(retro, member, "Flaky tests ate Fridays", kind="change")
    write_card(retro, member, "Pair on incidents", kind="try")
    deploys, tests = theme(retro, "Deploys", calmer), theme(retro, "Test suite", flaky)
    for slot, voted in enumerate([tests, tests, deploys]):
        RetroVote.objects.create(retrospective=retro, voter=facilitator, theme=voted, slot=slot)
    nn = retro.prompts.filter(non_negotiable__isnull=False).first().non_negotiable
    NonNegotiableRating.objects.create(retrospective=retro, non_negotiable=nn, participant=member, rating="strained")
    RetroAction.objects.create(retrospective=retro, kind="commitment", title="Quarantine flaky tests",
                               owner=leader, due_on=date(2026, 12, 4), standard="No test retried twice.")
    return retro


def close(retro, team, facilitator):
    return services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="actions")


def test_closing_an_anonymous_session_posts_its_summary_without_any_author(
        team, cycle, facilitator, member, leader, chat, settings, django_capture_on_commit_callbacks):
    TeamWebhook.objects.create(team=team, url=chat.url, events=[RETRO_SUMMARY])
    retro = a_session_to_close(team, cycle, facilitator, member, leader, anonymous=True)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        close(retro, team, facilitator)
    assert chat.received == []  # not before the close commits
    for callback in callbacks:
        callback()

    [text] = chat.texts()
    assert text.splitlines()[:6] == [
        "Platform closed its retrospective of cycle 1.",
        "3 cards in 2 themes; 3 votes.",
        "Top themes: Test suite (2 votes); Deploys (1 vote)",
        "Actions (1):",
        "- Quarantine flaky tests (Lena Leader, due 04 Dec)",
        # one rating in a team whose privacy minimum is 3: counted as the summary page counts it
        "Non-negotiables: held fewer than 3, strained fewer than 3, broken fewer than 3",
    ]
    assert text.endswith(f"{settings.SITE_URL}/o/harbour/t/platform/retrospectives/{retro.pk}/summary/"
                         "|Read the summary>")
    assert member.name not in text and member.email not in text


def test_a_named_session_posts_no_author_either(team, cycle, facilitator, member, leader, chat,
                                                django_capture_on_commit_callbacks):
    TeamWebhook.objects.create(team=team, url=chat.url, events=[RETRO_SUMMARY])
    retro = a_session_to_close(team, cycle, facilitator, member, leader, anonymous=False)

    with django_capture_on_commit_callbacks(execute=True):
        close(retro, team, facilitator)

    [text] = chat.texts()
    assert member.name not in text and "Max" not in text


def test_only_closing_posts_and_only_to_webhooks_that_want_it(team, cycle, facilitator, member, leader, chat,
                                                              django_capture_on_commit_callbacks):
    TeamWebhook.objects.create(team=team, url=chat.url, events=["charter_ratified"])
    wanting = TeamWebhook.objects.create(team=team, url=chat.base + "/retro-channel/abcdefgh", events=[RETRO_SUMMARY])
    retro = session(team, facilitator, phase="discuss")

    with django_capture_on_commit_callbacks(execute=True):
        services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="discuss")
    assert not WebhookDelivery.objects.exists()  # discuss → actions: nothing to post yet

    with django_capture_on_commit_callbacks(execute=True):
        close(retro, team, facilitator)

    assert [request.path for request in chat.received] == ["/retro-channel/abcdefgh"]
    assert WebhookDelivery.objects.get().webhook == wanting
