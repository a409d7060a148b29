"""Review prompts raced truly at once on PostgreSQL (each call its own connection).

Two schedulers judging the same charter fire one prompt and tell each leader once (the unique constraint on
version, condition and subject, and the unique notice); two leaders starting the amendment from it at once
start one draft, which the prompt is taken up in.
"""

from __future__ import annotations

import pytest

from charters.models import Charter
from notifications.models import Delivery
from reviews.models import ReviewTrigger
from reviews.triggers import TRIGGER, fire_due_triggers
from tests.concurrency import logged_in_client, on_postgresql, run_concurrently
from tests.reviews.trigger_factories import NOW, charter_ratified, trigger_url

ROUNDS = 3

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def due(team, leader, member, frozen) -> Charter:
    """A version in force whose review date has come."""
    charter = charter_ratified(team, leader, frozen)
    Charter.objects.filter(pk=charter.pk).update(review_on=NOW.date())
    return charter


def test_two_schedulers_at_once_fire_one_prompt_and_tell_the_leader_once(due, leader):
    for _ in range(ROUNDS):
        ReviewTrigger.objects.all().delete()
        Delivery.objects.filter(kind=TRIGGER).delete()

        outcomes = run_concurrently(lambda: fire_due_triggers(now=NOW), lambda: fire_due_triggers(now=NOW))

        assert sorted(o.unwrap().sent for o in outcomes) == [0, 1]
        assert ReviewTrigger.objects.count() == 1
        assert list(Delivery.objects.filter(kind=TRIGGER).values_list("recipient_id", flat=True)) == [leader.pk]


def test_two_leaders_starting_the_amendment_at_once_start_one(team, due, leader, make_user, add_member):
    second = make_user("second@example.com", "Sid Second")
    add_member(team, second, "leader")
    fire_due_triggers(now=NOW)
    trigger = ReviewTrigger.objects.get()

    outcomes = run_concurrently(*((lambda who=who: logged_in_client(who).post(trigger_url("trigger_amend", trigger)))
                                  for who in (leader, second)))

    assert [o.unwrap().status_code for o in outcomes] == [302, 302]
    draft = Charter.objects.get(team=team, state=Charter.State.DRAFT)
    trigger.refresh_from_db()
    assert (trigger.state, trigger.amendment) == (ReviewTrigger.State.TAKEN_UP, draft)
