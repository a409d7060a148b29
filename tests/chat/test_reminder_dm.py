"""The weekly check-in asked in a direct message at the reminder time: once per person and week, through the outbox,
sent once even when the worker that claimed it died or its task never ran."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alignment.models import User
from chat import outbox
from chat.models import ChatMessage
from checkins import reminders
from tests.chat.conftest import MEMBER_CHAT, at, link

pytestmark = pytest.mark.django_db


def test_a_linked_member_is_asked_once_at_the_reminder_time(api, slack_team, member, facilitator, leader, frozen,
                                                             django_capture_on_commit_callbacks):
    link(member, MEMBER_CHAT)  # the facilitator checks in too, but linked no chat account: e-mail only
    frozen(at(4, "09:59"))
    reminders.send_reminders(now=at(4, "09:59"))
    assert not ChatMessage.objects.exists()

    frozen(at(4, "10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_reminders(now=at(4, "10:00"))

    sent = api.calls_to("chat.postMessage")
    assert len(sent) == 1 and sent[0].json["channel"] == MEMBER_CHAT
    assert sent[0].json["text"].startswith("Platform: time for your weekly check-in")
    buttons = sent[0].json["blocks"][-1]["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Check in here", "Open the check-in page"]
    assert ChatMessage.objects.get().status == ChatMessage.Status.SENT

    # The nudge on Sunday, a rerun, the sweep: the member was asked this week, so nothing more goes.
    frozen(at(6, "12:00"))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_reminders(now=at(6, "12:00"))
        outbox.queue_due(at(6, "12:00"))
    assert len(api.calls_to("chat.postMessage")) == 1


def test_a_message_whose_worker_died_mid_send_is_found_and_sent_once(api, slack_team, member, frozen,
                                                                     django_capture_on_commit_callbacks):
    link(member, MEMBER_CHAT)
    frozen(at(4, "10:00"))
    reminders.send_reminders(now=at(4, "10:00"))  # its task is never run: the commit's callbacks are dropped
    message = ChatMessage.objects.get()
    # A worker claims it, then dies before recording anything.
    assert ChatMessage.objects.filter(pk=message.pk, attempts=0).update(attempts=1,
                                                                       next_attempt_at=at(4, "10:00") + outbox.LEASE)

    # While its lease runs, the sweep leaves it to the try that holds it.
    assert outbox.queue_due(at(4, "10:04")) == 0
    assert api.calls_to("chat.postMessage") == []

    # Once the lease has run out, the sweep finds it unsent and it goes, once, however often the sweep runs.
    frozen(at(4, "10:06"))
    assert outbox.queue_due(at(4, "10:06")) == 1
    assert outbox.queue_due(at(4, "10:07")) == 0
    assert outbox.attempt(message.pk, now=at(4, "10:07")) is False  # a duplicated task finds it sent

    assert len(api.calls_to("chat.postMessage")) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (ChatMessage.Status.SENT, 2)


def test_a_failed_send_is_retried_with_backoff(api, slack_team, member, frozen, django_capture_on_commit_callbacks):
    link(member, MEMBER_CHAT)
    api.answers = [503]
    frozen(at(4, "10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_reminders(now=at(4, "10:00"))
    message = ChatMessage.objects.get()
    assert (message.status, message.next_attempt_at) == (ChatMessage.Status.RETRYING, at(4, "10:01"))

    assert outbox.queue_due(at(4, "10:00") + timedelta(seconds=30)) == 0
    frozen(at(4, "10:01"))
    assert outbox.queue_due(at(4, "10:01")) == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == (ChatMessage.Status.SENT, 2)


@pytest.mark.parametrize("people", [2, 20])
def test_asking_in_chat_costs_the_same_queries_for_2_or_20_people(api, slack_team, team, make_user, add_member,
                                                                  people, django_assert_num_queries):
    for n in range(people):
        person = make_user(f"person{n}@example.com")
        add_member(team, person, "member")
        link(person, f"UPERSON{n}")
    due = [row for teams in reminders.candidate_teams(at(4, "10:00"))
           for batch in reminders.due_reminders(teams, at(4, "10:00")) for row in batch]

    # The teams' chat connections; the accounts linked; the outbox's savepoint, insert, new ids, and release.
    with django_assert_num_queries(6):
        from chat.reminders import dm_checkin_reminders

        dm_checkin_reminders(due, at(4, "10:00"))

    assert ChatMessage.objects.count() == people
    assert User.objects.count() == people + 1
