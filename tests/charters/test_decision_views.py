"""The decision log: proposals judged against the purpose, conscious investments, the leader's call."""

from __future__ import annotations

from datetime import date

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from charters.models import Charter, Decision, KeyResult
from tests.charters.conftest import charter_url

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def active(team, write_charter) -> Charter:
    return write_charter(team, state=Charter.State.RATIFIED)


@pytest.fixture
def key_result(active) -> KeyResult:
    return KeyResult.objects.filter(goal__charter=active).order_by("goal__position", "position").first()


# Logging a proposal ---------------------------------------------------------------------------------

def test_form_without_effects_asks_for_them(login, member, active):
    response = login(member).get(charter_url("decision_create"))

    assertContains(response, "<html")
    assertContains(response, "Choose the effect on the purpose and on the metrics to see the verdict.")
    assertContains(response, f'hx-get="{charter_url("decision_create")}"')


@pytest.mark.parametrize("purpose_effect, metric_effect, label", [
    ("harms", "improves", "No"),
    ("advances", "dents", "Conscious investment"),
    ("advances", "neutral", "Yes"),
    ("neutral", "improves", "Not aligned"),
    ("neutral", "dents", "Noise"),
])
def test_htmx_preview_shows_the_verdict(login, member, active, purpose_effect, metric_effect, label):
    response = login(member).get(charter_url("decision_create"),
                                 {"purpose_effect": purpose_effect, "metric_effect": metric_effect}, **HTMX)

    assert response.status_code == 200
    assert b"<html" not in response.content
    assertContains(response, '<div id="verdict-preview"')
    assertContains(response, f'">{label}</span>')


@pytest.mark.parametrize("query", [{"purpose_effect": "advances"}, {"purpose_effect": "x", "metric_effect": "y"}])
def test_htmx_preview_without_both_effects_keeps_asking(login, member, active, query):
    response = login(member).get(charter_url("decision_create"), query, **HTMX)

    assert response.status_code == 200
    assertContains(response, "Choose the effect on the purpose")


def test_preview_without_javascript_is_on_the_page(login, member, active):
    response = login(member).get(charter_url("decision_create"), {"purpose_effect": "harms", "metric_effect": "improves"})

    assertContains(response, "<html")
    assertContains(response, "It harms the purpose.")


def test_member_logs_a_proposal_under_the_active_charter(login, member, active):
    response = login(member).post(charter_url("decision_create"), {
        "title": "Weekend visits", "purpose_effect": "advances", "metric_effect": "improves",
    }, follow=True)

    decision = Decision.objects.get()
    assertRedirects(response, decision.get_absolute_url())
    assertContains(response, "Logged. Verdict: Yes.")
    assert (decision.verdict, decision.charter, decision.logged_by.email) == ("yes", active, "member@example.com")


def test_proposal_can_be_logged_before_any_charter(login, member, team):
    response = login(member).post(charter_url("decision_create"), {
        "title": "Weekend visits", "purpose_effect": "neutral", "metric_effect": "neutral",
    })

    assert response.status_code == 302
    assert Decision.objects.get().charter is None


def test_conscious_investment_needs_key_result_amount_and_until(login, member, active):
    response = login(member).post(charter_url("decision_create"), {
        "title": "Train new nurses", "purpose_effect": "advances", "metric_effect": "dents",
    })

    assert response.status_code == 400
    assertContains(response, "A conscious investment names the key result it dents.", status_code=400)
    assertContains(response, "Say how much the key result may drop.", status_code=400)
    assertContains(response, "Say until when, so the review can check it.", status_code=400)
    assertContains(response, 'value="Train new nurses"', status_code=400)
    assertContains(response, '">Conscious investment</span>', status_code=400)
    assert not Decision.objects.exists()


def test_conscious_investment_with_its_terms_is_logged(login, member, active, key_result):
    response = login(member).post(charter_url("decision_create"), {
        "title": "Train new nurses", "purpose_effect": "advances", "metric_effect": "dents",
        "key_result": str(key_result.pk), "investment_amount": "3 points", "investment_until": "2031-03-01",
    })

    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.verdict, decision.key_result, decision.investment_until) == (
        "conscious_investment", key_result, date(2031, 3, 1))


def test_other_verdicts_drop_investment_terms(login, member, active, key_result):
    login(member).post(charter_url("decision_create"), {
        "title": "Weekend visits", "purpose_effect": "advances", "metric_effect": "improves",
        "key_result": str(key_result.pk), "investment_amount": "3 points", "investment_until": "2031-03-01",
    })

    decision = Decision.objects.get()
    assert (decision.key_result, decision.investment_amount, decision.investment_until) == (None, "", None)


def test_key_result_of_another_team_is_not_a_choice(login, member, active, other_team, write_charter):
    elsewhere = write_charter(other_team, state=Charter.State.RATIFIED)
    foreign = KeyResult.objects.filter(goal__charter=elsewhere).first()

    response = login(member).post(charter_url("decision_create"), {
        "title": "Borrow their metric", "purpose_effect": "advances", "metric_effect": "dents",
        "key_result": str(foreign.pk), "investment_amount": "1", "investment_until": "2031-01-01",
    })

    assert response.status_code == 400
    assertContains(response, "Select a valid choice", status_code=400)


@pytest.mark.parametrize("data", [
    {},
    {"title": "No effects"},
    {"title": "Bad effects", "purpose_effect": "sideways", "metric_effect": "improves"},
    {"title": "Bad date", "purpose_effect": "advances", "metric_effect": "dents", "investment_until": "soon"},
])
def test_incomplete_proposal_is_400_not_500(login, member, active, data):
    response = login(member).post(charter_url("decision_create"), data)

    assert response.status_code == 400
    assert not Decision.objects.exists()


# The log -------------------------------------------------------------------------------------------------

def test_filter_by_verdict_shows_only_those_decisions(login, member, team, active, log_decisions):
    log_decisions(team, 10)  # verdicts cycle: investment, no, yes, not aligned, noise

    response = login(member).get(charter_url("decisions"), {"verdict": "no"})

    shown = [d.title for d in response.context["decisions"]]
    assert shown == ["Proposal 1", "Proposal 6"]
    assertContains(response, '<span class="badge verdict-no">No</span>', count=2)
    assertNotContains(response, "verdict-yes")
    assertContains(response, '<a href="?verdict=no" aria-current="page">No</a>', html=True)


def test_unknown_verdict_filter_shows_everything(login, member, team, active, log_decisions):
    log_decisions(team, 5)

    response = login(member).get(charter_url("decisions"), {"verdict": "maybe"})

    assert response.status_code == 200
    assert len(response.context["decisions"]) == 5


def test_filter_with_no_match_says_so(login, member, team, active, log_decisions):
    log_decisions(team, 2)  # an investment and a no

    response = login(member).get(charter_url("decisions"), {"verdict": "noise"})

    assertContains(response, "No proposals with this verdict.")


def test_empty_log_invites_the_first_proposal(login, member, team):
    response = login(member).get(charter_url("decisions"))

    assertContains(response, "No proposals logged yet.")
    assertNotContains(response, "Conscious investments to check at review")


def test_conscious_investments_list_shows_key_result_amount_and_until(login, member, team, active, log_decisions):
    log_decisions(team, 11)  # investments at 0, 5 (declined) and 10

    response = login(member).get(charter_url("decisions"))

    assertContains(response, "Conscious investments to check at review")
    investments = [d.title for d in response.context["investments"]]
    assert investments == ["Proposal 0", "Proposal 10"]  # by "until"; the declined one is left out
    assertContains(response, "<td>Key result 1.1</td><td>0 points</td><td>1 Jan 2031</td>", html=True)
    assertContains(response, "<td>Key result 1.1</td><td>10 points</td><td>11 Jan 2031</td>", html=True)


def test_decision_of_another_team_is_404(login, member, team, other_team, active, log_decisions):
    theirs = log_decisions(other_team, 1)[0]

    assert login(member).get(charter_url("decision", theirs.pk)).status_code == 404
    assert login(member).get(charter_url("decision", 999)).status_code == 404


# The leader's call ---------------------------------------------------------------------------------------

@pytest.fixture
def yes_decision(team, active, log_decisions) -> Decision:
    decision = log_decisions(team, 3)[2]
    assert decision.verdict == Decision.Verdict.YES
    return decision


def test_leader_records_the_recommended_outcome_without_reason(login, leader, yes_decision):
    response = login(leader).post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": ""},
                                  follow=True)

    assertRedirects(response, yes_decision.get_absolute_url())
    assertContains(response, "Decision recorded.")
    assertContains(response, "Final decision: Proceed")
    yes_decision.refresh_from_db()
    assert (yes_decision.outcome, yes_decision.decided_by) == ("proceed", response.wsgi_request.user)


def test_departure_without_reason_is_400_with_the_message(login, leader, yes_decision):
    response = login(leader).post(yes_decision.get_absolute_url(), {"outcome": "decline", "reason": "  "})

    assert response.status_code == 400
    assertContains(response, "To decline anyway, write down why.", status_code=400)
    yes_decision.refresh_from_db()
    assert yes_decision.outcome == Decision.Outcome.PENDING


def test_departure_with_reason_is_saved_and_marked(login, leader, yes_decision):
    response = login(leader).post(yes_decision.get_absolute_url(),
                                  {"outcome": "decline", "reason": "No budget this quarter"}, follow=True)

    assertContains(response, "departs from the verdict")
    assertContains(response, "No budget this quarter")
    yes_decision.refresh_from_db()
    assert (yes_decision.outcome, yes_decision.outcome_reason) == ("decline", "No budget this quarter")


@pytest.mark.parametrize("data", [{}, {"outcome": "pending"}, {"outcome": "shrug", "reason": "x"}])
def test_outcome_must_be_proceed_or_decline(login, leader, yes_decision, data):
    response = login(leader).post(yes_decision.get_absolute_url(), data)

    assert response.status_code == 400
    assertContains(response, 'class="errors" role="alert"', status_code=400)
    yes_decision.refresh_from_db()
    assert yes_decision.outcome == Decision.Outcome.PENDING


@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_only_a_leader_records_the_outcome(login, request, yes_decision, role):
    client = login(request.getfixturevalue(role))

    page = client.get(yes_decision.get_absolute_url())
    post = client.post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": ""})

    assertNotContains(page, "Record decision")
    assert post.status_code == 403
    yes_decision.refresh_from_db()
    assert yes_decision.outcome == Decision.Outcome.PENDING


def test_leader_sees_the_recommendation_preselected(login, leader, yes_decision):
    response = login(leader).get(yes_decision.get_absolute_url())

    assertContains(response, "The verdict recommends: <strong>Proceed</strong>")
    assertContains(response, '<input type="radio" name="outcome" value="proceed" required id="id_outcome_0" checked>',
                   html=True)
