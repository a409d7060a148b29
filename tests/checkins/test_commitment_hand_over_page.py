"""A handed-over commitment's page says who handed it over, and when; "Asked" names only a real request, and whom
it was asked of. The person who handed their own commitment over never asked anyone for it."""

from __future__ import annotations

import re
from datetime import date

import pytest

from checkins import services
from tests.checkins.conftest import at, url

pytestmark = pytest.mark.django_db

DUE = date(2026, 12, 1)


def facts(body: str) -> dict[str, str]:
    """The commitment's facts as the page lists them: each term and its text, tags left out."""
    listed = body[body.index('<dl class="commitment-facts">'):]
    listed = listed[:listed.index("</dl>")]
    return {term: re.sub(r"<[^>]+>", "", text).strip()
            for term, text in re.findall(r"<dt>([^<]+)</dt><dd>(.*?)</dd>", listed, re.S)}


def hand_over(commitment, *, to, leader, accept: bool = True):
    """The owner asks to hand it over on Tuesday; the leader decides on Wednesday."""
    asked = services.ask_to_renegotiate(commitment_id=commitment.pk, team=commitment.team, actor=commitment.owner,
                                        kind="hand_over", reason="Moving to the data team", new_owner=to,
                                        now=at(1))
    return services.decide_renegotiation(renegotiation_id=asked.pk, team=commitment.team, actor=leader,
                                         accept=accept, now=at(2))


@pytest.fixture
def own(team, member):
    """The member's own commitment, taken on on Monday."""
    return services.create_commitment(team=team, owner=member, actor=member, title="Failover runbook",
                                      standard="Tested", due_on=DUE, now=at(0))


def test_ones_own_commitment_handed_over_is_not_said_to_be_asked_by_its_first_owner(login, own, facilitator,
                                                                                      leader):
    hand_over(own, to=facilitator, leader=leader)

    body = login(facilitator).get(url("commitment", own.pk)).content.decode()

    shown = facts(body)
    assert "Asked" not in shown
    assert shown["Owner"] == "Fay Facilitator"
    assert shown["Handed over"] == "by Max Member on Wed 18 Nov 2026 · Lena Leader accepted the hand-over"
    assert ("Handed over by Max Member, waiting for Fay Facilitator’s answer: it is theirs once they accept it; "
            "if they decline, it goes back to Max Member.") in body


def test_once_the_new_owner_accepts_it_still_reads_as_handed_over(login, team, own, facilitator, leader):
    hand_over(own, to=facilitator, leader=leader)
    services.answer_request(commitment_id=own.pk, team=team, actor=facilitator, accept=True, now=at(3))

    shown = facts(login(leader).get(url("commitment", own.pk)).content.decode())

    assert "Asked" not in shown
    assert shown["Handed over"].startswith("by Max Member on Wed 18 Nov 2026")
    assert shown["Agreed"] == "Thu 19 Nov 2026"


def test_a_request_handed_over_names_whom_it_was_asked_of(login, team, member, facilitator, leader):
    asked = services.create_commitment(team=team, owner=member, actor=leader, title="Pager rota",
                                       standard="Published", due_on=DUE, asked_while_overloaded=True, now=at(0))
    services.answer_request(commitment_id=asked.pk, team=team, actor=member, accept=True, now=at(0, "10:00"))
    hand_over(asked, to=facilitator, leader=leader)

    shown = facts(login(facilitator).get(url("commitment", asked.pk)).content.decode())

    assert shown["Asked"] == ("Mon 16 Nov 2026 by Lena Leader, of Max Member · warned that Max Member was "
                              "overloaded, and asked anyway")
    assert shown["Handed over"].startswith("by Max Member on Wed 18 Nov 2026")


def test_a_hand_over_declined_by_the_new_owner_reads_as_their_own_again(login, team, own, member, facilitator,
                                                                        leader):
    hand_over(own, to=facilitator, leader=leader)
    services.answer_request(commitment_id=own.pk, team=team, actor=facilitator, accept=False, now=at(3))

    shown = facts(login(member).get(url("commitment", own.pk)).content.decode())

    assert shown["Owner"] == "Max Member"
    assert "Asked" not in shown and "Handed over" not in shown


def test_a_leaders_request_reads_as_asked_by_them(login, team, member, leader):
    asked = services.create_commitment(team=team, owner=member, actor=leader, title="Pager rota",
                                       standard="Published", due_on=DUE, now=at(0))

    body = login(member).get(url("commitment", asked.pk)).content.decode()

    assert facts(body)["Asked"] == "Mon 16 Nov 2026 by Lena Leader"
    assert "Asked, waiting for Max Member’s answer: it is theirs once they accept it." in body


def test_a_hand_over_still_pending_changes_nothing_on_the_page(login, own, member, facilitator):
    services.ask_to_renegotiate(commitment_id=own.pk, team=own.team, actor=member, kind="hand_over",
                                reason="Moving teams", new_owner=facilitator, now=at(1))

    shown = facts(login(member).get(url("commitment", own.pk)).content.decode())

    assert shown["Owner"] == "Max Member" and "Handed over" not in shown and "Asked" not in shown
