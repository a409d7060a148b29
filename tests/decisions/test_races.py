"""Requests on the decision log that really overlap, each on its own PostgreSQL connection.

Two leaders recording different final decisions at the same instant: one wins, the other
is told. Before compare-and-set both saw "Decision recorded" and the later write silently
replaced the earlier.

One log-a-proposal form submitted twice at the same instant (a double click): one
decision, and the second submit is sent to it. Without the unique key both were logged.

Each runs over several rounds because a race window is small;
tests/decisions/test_decision_views.py and test_decision_services.py replay the losing
side deterministically on any database.
"""

from __future__ import annotations

import re
from functools import partial
from uuid import uuid4

import pytest
from django.urls import reverse

from decisions.models import Decision
from tests.concurrency import logged_in_client, on_postgresql, run_concurrently

ROUNDS = 5
CHOICES = {
    "lena": {"outcome": "proceed", "reason": ""},
    "leo": {"outcome": "decline", "reason": "Not this quarter: the clinics are short-staffed."},
}
NAMES = {"lena": "Lena Leader", "leo": "Leo Leader"}
LABELS = {"proceed": "Proceed", "decline": "Do not proceed"}


@pytest.fixture
def leaders(leader, make_user, add_member, team) -> dict:
    leo = make_user("leo@example.com", "Leo Leader")
    add_member(team, leo, "leader")
    return {"lena": leader, "leo": leo}


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_leaders_deciding_at_once_one_wins_and_the_other_gets_409(leaders, team):
    clients = {who: logged_in_client(user) for who, user in leaders.items()}
    for round_ in range(ROUNDS):
        decision = Decision.objects.create(
            team=team, title=f"Weekend visits {round_}", purpose_effect=Decision.PurposeEffect.ADVANCES,
            metric_effect=Decision.MetricEffect.IMPROVES, verdict=Decision.Verdict.YES, logged_by=leaders["lena"],
        )
        url = decision.get_absolute_url()
        order = list(CHOICES)

        outcomes = run_concurrently(*[
            partial(clients[who].post, url, {**CHOICES[who], "version": str(decision.version)}) for who in order
        ])

        responses = dict(zip(order, (outcome.unwrap() for outcome in outcomes), strict=True))
        statuses = {who: response.status_code for who, response in responses.items()}
        assert sorted(statuses.values()) == [302, 409], f"round {round_}: {statuses}"
        [winner] = [who for who, status in statuses.items() if status == 302]
        [loser] = [who for who, status in statuses.items() if status == 409]
        assert responses[winner]["Location"] == url
        message = (f"{NAMES[winner]} recorded “{LABELS[CHOICES[winner]['outcome']]}” while you were deciding. "
                   "Your choice and reason are below: save again to replace it.")
        assert message in responses[loser].content.decode(), f"round {round_}"
        decision.refresh_from_db()
        assert (decision.outcome, decision.outcome_reason, decision.decided_by) == (
            CHOICES[winner]["outcome"], CHOICES[winner]["reason"], leaders[winner]), f"round {round_}"
        assert decision.version == 2
        # The loser's call never happened, so the history holds the winner's alone.
        assert list(decision.outcomes.values_list("decided_by", flat=True)) == [leaders[winner].pk], f"round {round_}"


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_the_same_form_submitted_twice_at_once_logs_one_decision(leader, member, team):
    """A double click sends two posts of one form together: one logs it, the other is shown it, neither fails."""
    clients = [logged_in_client(member), logged_in_client(member)]
    url = reverse("decisions:create", args=[team.organisation.slug, team.slug])
    for round_ in range(ROUNDS):
        data = {"title": f"Weekend visits {round_}", "purpose_effect": "advances", "metric_effect": "improves",
                "idempotency_key": str(uuid4())}

        outcomes = run_concurrently(*[partial(client.post, url, data) for client in clients])

        responses = [outcome.unwrap() for outcome in outcomes]
        assert [response.status_code for response in responses] == [302, 302], f"round {round_}"
        decision = Decision.objects.get(title=f"Weekend visits {round_}")
        assert {response["Location"] for response in responses} == {decision.get_absolute_url()}, f"round {round_}"
        told = sorted(message for client in clients for message in _messages(client, decision))
        assert told == ["Logged. Verdict: Yes. The team&#x27;s leaders make the final call: Lena Leader.",
                        "This proposal was already logged."], f"round {round_}"
    assert Decision.objects.count() == ROUNDS


def _messages(client, decision) -> list[str]:
    """The messages waiting for this client, as its next page shows them."""
    content = client.get(decision.get_absolute_url()).content.decode()
    return re.findall(r'<li class="message [^"]*" role="status">(.*?)</li>', content)
