"""What requests put in My week: the receiving team's leaders until it is answered; the asker, a consultation's input."""

from __future__ import annotations

from datetime import timedelta

import pytest

from alignment.my_week import my_week
from alignment.permissions import memberships_of
from asks import my_week as asks_week
from asks import services
from decisions import services as decision_services
from tests.asks.conftest import NOON, TODAY


@pytest.fixture(autouse=True)
def world(cast):
    return cast


def lines(person) -> list[str]:
    return [line.text for line in my_week(person, memberships_of(person), NOON).lines if line.kind.startswith("ask")]


def test_the_leaders_see_each_open_request_until_it_is_answered(send, growth_leader, growth_member):
    consult, fixed = send("consult"), send("fixed", title="Budget for a campaign")
    decided, unclear = send("team_decides", title="Try a new button"), send(None, title="Who owns the FAQ?")
    assert sorted(lines(growth_leader)) == sorted([
        "Pass Platform’s request to Director of Operations and record the answer: “Budget for a campaign”",
        "Make the final call on Platform’s request: “Try a new button”",
        "Unclear who decides Platform’s request: “Who owns the FAQ?”",
        "Consult Platform, then decide: “Warn patients the clinic may call back”",
    ])
    assert lines(growth_member) == []
    services.answer_ask(ask=consult, actor=growth_leader, state="accepted", answer="Yes")
    services.answer_ask(ask=fixed, actor=growth_leader, state="declined", answer="No budget")
    services.answer_ask(ask=unclear, actor=growth_leader, state="decided", answer="We own it")
    decision = decided.decision
    decision_services.record_outcome(decision=decision, actor=growth_leader, outcome="proceed", reason="",
                                     expected_version=decision.version)
    assert lines(growth_leader) == []


def test_the_asker_gives_input_to_a_consultation(send, member):
    ask = send("consult")
    assert lines(member) == ["Growth consults you: add your input to “Warn patients the clinic may call back”"]
    line = next(line for line in my_week(member, memberships_of(member), NOON).lines if line.kind == "ask_give_input")
    assert line.when == f"due {TODAY + timedelta(days=7):%a %-d %b}" and line.url == ask.get_absolute_url()
    services.add_comment(ask=ask, author=member, body="Here is what clinics say.")
    assert lines(member) == []


@pytest.mark.parametrize("n", [1, 6])
def test_one_query_however_many(send, growth_leader, n, django_assert_num_queries):
    for i in range(n):
        send("consult", title=f"Ask {i}")
        send(None, title=f"Unclear {i}")
    memberships = memberships_of(growth_leader)
    # query: open requests to the teams I answer, and my consultations, with whether I gave input
    with django_assert_num_queries(1):
        assert len(asks_week.source.load(growth_leader, memberships, NOON)) == 2 * n
