"""Requests that race in a live retrospective, fired truly at once on PostgreSQL (each its own connection).

The session's row lock orders them: two members' last votes both count; one member's last vote sent
twice counts once; two facilitators pressing "next" at once move the session on once, and the second
is told who did. Never a 500, never a vote beyond the limit.
"""

from __future__ import annotations

import pytest

from reviews.models import Retrospective, RetroVote
from tests.concurrency import logged_in_client, on_postgresql, run_concurrently
from tests.reviews.retro_factories import charter_in_force, open_cycle, session, theme, url, write_card

ROUNDS = 5

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def voting(team, leader, member, facilitator, make_user, add_member):
    """A session in the vote, two votes each; the member and Kwame have each used one already."""
    kwame = make_user("kwame@example.com", "Kwame Mensah")
    add_member(team, kwame, "member")
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="vote", votes=2)
    deploys = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))
    return retro, deploys, kwame


def _vote(client, retro, theme):
    return lambda: client.post(url("retro_vote", retro.pk), {"theme": theme.pk, "vote": "add"})


def test_two_members_casting_their_last_vote_at_once_both_count(voting, member):
    retro, deploys, kwame = voting
    for _ in range(ROUNDS):
        RetroVote.objects.all().delete()
        for voter in (member, kwame):
            RetroVote.objects.create(retrospective=retro, voter=voter, theme=deploys, slot=0)

        outcomes = run_concurrently(_vote(logged_in_client(member), retro, deploys),
                                    _vote(logged_in_client(kwame), retro, deploys))

        assert [o.unwrap().status_code for o in outcomes] == [302, 302]
        assert sorted(RetroVote.objects.values_list("voter_id", "slot")) == sorted(
            [(member.pk, 0), (member.pk, 1), (kwame.pk, 0), (kwame.pk, 1)])


def test_one_members_last_vote_sent_twice_at_once_counts_once(voting, member):
    retro, deploys, _ = voting
    for _ in range(ROUNDS):
        RetroVote.objects.all().delete()
        RetroVote.objects.create(retrospective=retro, voter=member, theme=deploys, slot=0)

        outcomes = run_concurrently(_vote(logged_in_client(member), retro, deploys),
                                    _vote(logged_in_client(member), retro, deploys))

        statuses = sorted(o.unwrap().status_code for o in outcomes)
        assert statuses == [302, 400]
        refused = next(o.value for o in outcomes if o.value.status_code == 400)
        assert "You have used all 2 of your votes" in refused.content.decode()
        assert RetroVote.objects.filter(voter=member).count() == 2


def test_two_facilitators_moving_the_session_on_at_once_move_it_once(team, leader, member, facilitator):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="collect")
    for _ in range(ROUNDS):
        Retrospective.objects.filter(pk=retro.pk).update(phase="collect", phase_changed_by=None)
        version = Retrospective.objects.get(pk=retro.pk).version

        outcomes = run_concurrently(*(
            (lambda who=who: logged_in_client(who).post(url("retro_advance", retro.pk), {"expected_phase": "collect"}))
            for who in (facilitator, leader)))

        responses = [o.unwrap() for o in outcomes]
        assert sorted(r.status_code for r in responses) == [302, 400]
        moved = Retrospective.objects.get(pk=retro.pk)
        assert moved.phase == "group" and moved.version == version + 1
        told = next(r for r in responses if r.status_code == 400).content.decode()
        assert f"{moved.phase_changed_by.name} already moved the session on to “Group”" in told
