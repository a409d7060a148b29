"""The decision log through the API: proposals judged by the same rule, read as the log's pages read them."""

from __future__ import annotations

import uuid

import pytest

from charters.models import Charter, KeyResult
from decisions.models import Decision
from tests.decisions.conftest import EFFECTS, log_decisions, people, write_charter  # noqa: F401 (fixtures)

T = "/api/v1/organisations/harbour/teams/platform"


def test_each_verdict_is_the_rule_s_and_the_one_the_decision_s_page_shows(api_as, team, leader, member, login,
                                                                          write_charter):  # noqa: F811
    write_charter(team, state=Charter.State.RATIFIED)
    key_result = KeyResult.objects.filter(goal__charter__team=team).first()
    api, page_reader = api_as("member"), login(leader)

    for n, (purpose, metric) in enumerate(EFFECTS):
        investing = Decision.is_investment(purpose, metric)
        logged = api.post(T + "/decisions", {
            "title": f"Proposal {n}", "purpose_effect": purpose, "metric_effect": metric,
            **({"key_result": key_result.pk, "investment_amount": "2 points", "investment_until": "2031-01-01"}
               if investing else {})})

        assert logged.status_code == 201, logged.content
        verdict, reason = Decision.rule(purpose, metric)
        read = api_as("admin").get(f"{T}/decisions/{logged.json()['id']}").json()  # an admin reads it too
        assert (read["verdict"], read["verdict_reason"], read["recommended_outcome"]) == (
            verdict, reason, Decision.recommendation(verdict))
        assert read["final_call_note"] == "The team's leaders make the final call: Lena Leader."
        page = page_reader.get(read["url"].removeprefix("http://testserver")).content.decode()
        assert str(Decision.Verdict(verdict).label) in page and reason in page
    listed = api.get(T + "/decisions").json()["results"]
    assert [d["title"] for d in listed] == [f"Proposal {n}" for n in reversed(range(len(EFFECTS)))]


def test_a_proposal_sent_again_with_its_key_is_logged_once(api_as, team, member):
    key = str(uuid.uuid4())
    proposal = {"title": "Move stand-ups to Slack", "purpose_effect": "neutral", "metric_effect": "improves",
                "idempotency_key": key}
    api = api_as("member")

    first, again = api.post(T + "/decisions", proposal), api.post(T + "/decisions", proposal)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Decision.objects.count() == 1


def test_a_conscious_investment_must_name_what_it_dents(api_as, team, member):
    response = api_as("member").post(T + "/decisions", {"title": "Rewrite the scheduler",
                                                         "purpose_effect": "advances", "metric_effect": "dents"})

    assert response.status_code == 422
    assert {e["where"] for e in response.json()["errors"]} == {"key_result", "investment_amount", "investment_until"}
    assert not Decision.objects.exists()


@pytest.mark.parametrize("size", [3, 15])
def test_a_page_of_the_log_costs_the_same_at_any_size(size, api_as, team, admin, log_decisions,  # noqa: F811
                                                      django_assert_num_queries):
    log_decisions(team, size)
    api = api_as("admin")
    api.get(T + "/decisions")  # the token's first use is written once a minute

    # The token with its person and organisation; the admin's memberships (none); the team with whether they are
    # an admin of its organisation and its people's ids (the access); a page of the log with who logged each; the
    # audit event of the call.
    with django_assert_num_queries(5):
        response = api.get(T + "/decisions?page_size=20")

    assert len(response.json()["results"]) == size
