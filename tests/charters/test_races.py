"""Two requests at the same instant on PostgreSQL: never a 500, never a silent loss.

Each test fires the two requests truly concurrently through the views (each thread its
own client and database connection, released together by a barrier).
"""

from __future__ import annotations

import pytest

from alignment.confirm import CONFIRMED
from charters.models import Charter, Comment, Goal, KeyResult, NonNegotiable, Response
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter
from tests.concurrency import logged_in_client, on_postgresql, run_concurrently

ROUNDS = 5
# Each race runs in several rounds (fresh data each time): any one round may happen to serialise.
pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True),
              pytest.mark.parametrize("round_", range(ROUNDS))]


def statuses(outcomes) -> list[int]:
    return [outcome.unwrap().status_code for outcome in outcomes]


@pytest.fixture
def second_leader(team, make_user, add_member):
    user = make_user("second.leader@example.com", "Sam Second")
    add_member(team, user, "leader")
    return user


@pytest.fixture
def leaders(leader, second_leader):
    return logged_in_client(leader), logged_in_client(second_leader)


def test_two_leaders_starting_the_charter_at_once_get_one_draft_and_a_message(round_, team, leaders):
    one, two = leaders

    codes = statuses(run_concurrently(lambda: one.post(charter_url("start")),
                                      lambda: two.post(charter_url("start"))))

    assert codes == [302, 302]
    assert list(Charter.objects.filter(team=team).values_list("number", "state")) == [(1, "draft")]


def test_discard_double_clicked_discards_once_and_explains_the_second(round_, team, leader, leaders):
    draft = complete_charter(team, leader)
    one, _two = leaders
    url = charter_url("discard", draft.number)

    codes = statuses(run_concurrently(lambda: one.post(url, CONFIRMED), lambda: one.post(url, CONFIRMED)))

    assert codes == [302, 302]
    assert not Charter.objects.filter(team=team).exists()


@pytest.mark.parametrize("action", ["comment", "consent", "withdraw"])
def test_discard_racing_another_action_never_fails(round_, action, team, leader, member, leaders):
    draft = complete_charter(team, leader)
    if action != "comment":
        Charter.objects.filter(pk=draft.pk).update(state=Charter.State.PROPOSED)
    one, two = leaders
    member_client = logged_in_client(member)
    other = {
        "comment": lambda: member_client.post(charter_url("comment_create", draft.number),
                                              {"section": "purpose", "body": "Who decides this?"}),
        "consent": lambda: member_client.post(charter_url("respond", draft.number),
                                              {"kind": "consent", "reason": "", "revision": draft.revision}),
        "withdraw": lambda: two.post(charter_url("withdraw", draft.number), CONFIRMED),
    }[action]

    codes = statuses(run_concurrently(lambda: one.post(charter_url("discard", draft.number), CONFIRMED), other))

    assert 500 not in codes
    assert codes[0] in (302, 200)
    # Whichever ran second: the draft is gone, and so is anything attached to it.
    assert not Charter.objects.filter(team=team).exists()
    assert not Comment.objects.exists() and not Response.objects.exists()


def test_key_result_added_while_its_goal_is_removed_is_refused_in_words(round_, team, leader, leaders):
    draft = complete_charter(team, leader, goals=2)
    goal = Goal.objects.filter(charter=draft).first()
    one, two = leaders
    add = charter_url("key_result_add", draft.number, goal.pk)
    remove = charter_url("item_action", draft.number, "goal", goal.pk, "delete")

    codes = statuses(run_concurrently(
        lambda: one.post(add, {"metric": "Visits on time", "target_value": "95"}),
        lambda: two.post(remove, CONFIRMED),
    ))

    assert 500 not in codes
    assert codes[1] == 302
    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert not KeyResult.objects.filter(goal_id=goal.pk).exists()
    if codes[0] != 302:  # refused: the typed text is shown again with the reason
        assert codes[0] == 409


@pytest.mark.parametrize("direction", ["up", "down"])
def test_item_moved_while_it_is_removed_never_fails(round_, direction, team, leader, leaders):
    draft = complete_charter(team, leader, non_negotiables=3)
    middle = list(NonNegotiable.objects.filter(charter=draft))[1]
    one, two = leaders

    codes = statuses(run_concurrently(
        lambda: one.post(charter_url("item_action", draft.number, "non_negotiable", middle.pk, direction)),
        lambda: two.post(charter_url("item_action", draft.number, "non_negotiable", middle.pk, "delete"), CONFIRMED),
    ))

    assert codes == [302, 302]
    remaining = list(NonNegotiable.objects.filter(charter=draft).values_list("position", flat=True))
    assert len(remaining) == 2 and len(set(remaining)) == 2


def test_consent_to_text_changed_meanwhile_is_never_counted_for_the_new_text(round_, team, leader, member, leaders):
    draft = complete_charter(team, leader)
    Charter.objects.filter(pk=draft.pk).update(state=Charter.State.PROPOSED)
    seen = Charter.objects.get(pk=draft.pk)  # what the member read
    one, _two = leaders
    member_client = logged_in_client(member)
    edit = {"version": seen.people_version, "people": f"- We say what we see, round {round_}"}

    codes = statuses(run_concurrently(
        lambda: member_client.post(charter_url("respond", draft.number),
                                   {"kind": "consent", "reason": "", "revision": seen.revision}),
        lambda: one.post(charter_url("section_edit", draft.number, "people"), edit),
    ))

    assert 500 not in codes
    assert codes[1] == 302
    now = Charter.objects.get(pk=draft.pk)
    assert now.revision > seen.revision
    response = Response.objects.filter(charter=draft, member=member).first()
    if response is None:  # the edit came first: refused, and told why
        assert codes[0] == 400
    else:  # the consent came first: it is recorded as given to the earlier text
        assert codes[0] == 302
        assert response.revision == seen.revision
        response.charter = now
        assert response.predates_latest_text
