"""The decision log: proposals judged against the purpose, conscious investments, the leader's call."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from charters.models import Charter, KeyResult
from decisions.models import Decision
from decisions.selectors import INVESTMENTS_SHOWN, LOG_PAGE_SIZE
from tests.decisions.conftest import decision_url

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def active(team, write_charter) -> Charter:
    return write_charter(team, state=Charter.State.RATIFIED)


@pytest.fixture
def key_result(active) -> KeyResult:
    return KeyResult.objects.filter(goal__charter=active).order_by("goal__position", "position").first()


# Logging a proposal ---------------------------------------------------------------------------------

def test_form_without_effects_asks_for_them(login, member, active):
    response = login(member).get(decision_url("create"), follow=True)

    assertContains(response, "<html")
    assertContains(response, "Choose the effect on the purpose and on the metrics to see the verdict.")
    assertContains(response, f'hx-get="{decision_url("create")}"')


@pytest.mark.parametrize("purpose_effect, metric_effect, label", [
    ("harms", "improves", "No"),
    ("advances", "dents", "Conscious investment"),
    ("advances", "neutral", "Yes"),
    ("neutral", "improves", "Not aligned"),
    ("neutral", "dents", "Noise"),
])
def test_htmx_preview_shows_the_verdict(login, member, active, purpose_effect, metric_effect, label):
    response = login(member).get(decision_url("create"),
                                 {"purpose_effect": purpose_effect, "metric_effect": metric_effect}, **HTMX)

    assert response.status_code == 200
    assert b"<html" not in response.content
    assertContains(response, '<div id="verdict-preview"')
    assertContains(response, f'">{label}</span>')


@pytest.mark.parametrize("query", [{"purpose_effect": "advances"}, {"purpose_effect": "x", "metric_effect": "y"}])
def test_htmx_preview_without_both_effects_keeps_asking(login, member, active, query):
    response = login(member).get(decision_url("create"), query, **HTMX)

    assert response.status_code == 200
    assertContains(response, "Choose the effect on the purpose")


def test_preview_without_javascript_is_on_the_page(login, member, active):
    response = login(member).get(decision_url("create"), {"purpose_effect": "harms", "metric_effect": "improves"},
                                 follow=True)

    assertContains(response, "<html")
    assertContains(response, "It harms the purpose.")


def test_member_logs_a_proposal_under_the_active_charter(login, member, active):
    response = login(member).post(decision_url("create"), {
        "title": "Weekend visits", "purpose_effect": "advances", "metric_effect": "improves",
    }, follow=True)

    decision = Decision.objects.get()
    assertRedirects(response, decision.get_absolute_url())
    assertContains(response, "Logged. Verdict: Yes.")
    assert (decision.verdict, decision.charter, decision.logged_by.email) == ("yes", active, "member@example.com")


def test_proposal_can_be_logged_before_any_charter(login, member, team):
    response = login(member).post(decision_url("create"), {
        "title": "Weekend visits", "purpose_effect": "neutral", "metric_effect": "neutral",
    })

    assert response.status_code == 302
    assert Decision.objects.get().charter is None


def test_conscious_investment_needs_key_result_amount_and_until(login, member, active):
    response = login(member).post(decision_url("create"), {
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
    response = login(member).post(decision_url("create"), {
        "title": "Train new nurses", "purpose_effect": "advances", "metric_effect": "dents",
        "key_result": str(key_result.pk), "investment_amount": "3 points", "investment_until": "2031-03-01",
    })

    assert response.status_code == 302
    decision = Decision.objects.get()
    assert (decision.verdict, decision.key_result, decision.investment_until) == (
        "conscious_investment", key_result, date(2031, 3, 1))


def test_other_verdicts_drop_investment_terms(login, member, active, key_result):
    login(member).post(decision_url("create"), {
        "title": "Weekend visits", "purpose_effect": "advances", "metric_effect": "improves",
        "key_result": str(key_result.pk), "investment_amount": "3 points", "investment_until": "2031-03-01",
    })

    decision = Decision.objects.get()
    assert (decision.key_result, decision.investment_amount, decision.investment_until) == (None, "", None)


def test_key_result_of_another_team_is_not_a_choice(login, member, active, other_team, write_charter):
    elsewhere = write_charter(other_team, state=Charter.State.RATIFIED)
    foreign = KeyResult.objects.filter(goal__charter=elsewhere).first()

    response = login(member).post(decision_url("create"), {
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
    response = login(member).post(decision_url("create"), data)

    assert response.status_code == 400
    assert not Decision.objects.exists()


# The log -------------------------------------------------------------------------------------------------

def test_filter_by_verdict_shows_only_those_decisions(login, member, team, active, log_decisions):
    log_decisions(team, 10)  # verdicts cycle: investment, no, yes, not aligned, noise

    response = login(member).get(decision_url("list"), {"verdict": "no"})

    shown = [d.title for d in response.context["page"].decisions]
    assert shown == ["Proposal 1", "Proposal 6"]
    assertContains(response, '<span class="badge verdict-no">No</span>', count=2)
    assertNotContains(response, "verdict-yes")
    assertContains(response, '<a href="?verdict=no" aria-current="page">No</a>', html=True)


def test_unknown_verdict_filter_shows_everything(login, member, team, active, log_decisions):
    log_decisions(team, 5)

    response = login(member).get(decision_url("list"), {"verdict": "maybe"})

    assert response.status_code == 200
    assert len(response.context["page"].decisions) == 5


def test_filter_with_no_match_says_so(login, member, team, active, log_decisions):
    log_decisions(team, 2)  # an investment and a no

    response = login(member).get(decision_url("list"), {"verdict": "noise"})

    assertContains(response, "No proposals with this verdict.")


def test_empty_log_invites_the_first_proposal(login, member, team):
    response = login(member).get(decision_url("list"))

    assertContains(response, "No proposals logged yet.")
    assertNotContains(response, "Conscious investments to check at review")


def test_conscious_investments_list_shows_key_result_amount_and_until(login, member, team, active, log_decisions):
    log_decisions(team, 11)  # investments at 0, 5 (declined) and 10

    response = login(member).get(decision_url("list"))

    assertContains(response, "Conscious investments to check at review")
    investments = [d.title for d in response.context["page"].investments]
    assert investments == ["Proposal 0", "Proposal 10"]  # by "until"; the declined one is left out
    assertContains(response, "<td>Key result 1.1</td><td>0 points</td><td>1 Jan 2031</td>", html=True)
    assertContains(response, "<td>Key result 1.1</td><td>10 points</td><td>11 Jan 2031</td>", html=True)


def test_the_log_shows_a_page_of_the_newest_and_links_to_older_ones(login, member, team, active, log_decisions):
    log_decisions(team, LOG_PAGE_SIZE + 3)  # "Proposal 0" is the newest
    client = login(member)

    first = client.get(decision_url("list"))
    older = client.get(decision_url("list"), {"page": "2"})

    assert [d.title for d in first.context["page"].decisions] == [f"Proposal {i}" for i in range(LOG_PAGE_SIZE)]
    assertContains(first, '<a href="?page=2">Older</a>', html=True)
    assertNotContains(first, ">Newer</a>")
    assert [d.title for d in older.context["page"].decisions] == [
        f"Proposal {i}" for i in range(LOG_PAGE_SIZE, LOG_PAGE_SIZE + 3)]
    assertContains(older, '<a href="?page=1">Newer</a>', html=True)
    assertNotContains(older, ">Older</a>")


def test_a_filtered_log_keeps_its_verdict_from_page_to_page(login, member, team, active, log_decisions):
    log_decisions(team, 5 * (LOG_PAGE_SIZE + 1))  # a page and one more of each verdict

    response = login(member).get(decision_url("list"), {"verdict": "yes", "page": "2"})

    assert [d.title for d in response.context["page"].decisions] == [f"Proposal {5 * LOG_PAGE_SIZE + 2}"]
    assertContains(response, '<a href="?verdict=yes&amp;page=1">Newer</a>', html=True)
    assertContains(response, '<a href="?verdict=yes" aria-current="page">Yes</a>', html=True)


@pytest.mark.parametrize("page", ["0", "-1", "two", ""])
def test_a_page_that_is_not_a_page_number_shows_the_newest(login, member, team, active, log_decisions, page):
    log_decisions(team, 2)

    response = login(member).get(decision_url("list"), {"page": page})

    assert response.status_code == 200
    assert [d.title for d in response.context["page"].decisions] == ["Proposal 0", "Proposal 1"]


@pytest.mark.parametrize("page", ["4", "99999999999999999999999"])
def test_a_page_past_the_oldest_says_so_and_leads_back(login, member, team, active, log_decisions, page):
    log_decisions(team, 2)

    response = login(member).get(decision_url("list"), {"verdict": "no", "page": page})

    assertContains(response, "No proposals on this page.")
    assertContains(response, '<a href="?verdict=no">Back to the newest</a>', html=True)
    assertNotContains(response, "No proposals with this verdict.")


def test_the_log_marks_a_call_that_departs_from_the_verdict(login, leader, team, active, log_decisions):
    _investment, no, yes = log_decisions(team, 3)  # the "no" is declined, as it recommends
    Decision.objects.filter(pk=yes.pk).update(outcome=Decision.Outcome.DECLINE)

    response = login(leader).get(decision_url("list"))

    departs = {d.title: d.departs for d in response.context["page"].decisions}
    assert departs == {"Proposal 0": False, no.title: False, yes.title: True}
    assertContains(response, "departs from verdict", count=1)


def test_investments_long_past_their_horizon_leave_the_ledger(login, member, team, active, log_decisions):
    today = timezone.localdate(timezone=team.zone)
    cycle = timedelta(weeks=team.review_cadence_weeks)
    recent, old, undated = (d for d in log_decisions(team, 11) if d.is_conscious_investment)  # 0, 5, 10
    Decision.objects.filter(pk=recent.pk).update(investment_until=today - cycle)  # checked at this review
    Decision.objects.filter(pk=old.pk).update(investment_until=today - cycle - timedelta(days=1),
                                              outcome=Decision.Outcome.PENDING)  # an earlier review's
    Decision.objects.filter(pk=undated.pk).update(investment_until=None)  # no horizon: to check until declined

    response = login(member).get(decision_url("list"))

    assert [d.title for d in response.context["page"].investments] == [recent.title, undated.title]
    assertContains(response, "<td>10 points</td><td>—</td>", html=True)


def test_the_ledger_shows_the_soonest_due_and_leads_to_the_rest(login, member, team, active, log_decisions):
    log_decisions(team, 10 * (INVESTMENTS_SHOWN + 1))  # every tenth is an investment not declined

    response = login(member).get(decision_url("list"))

    shown = [d.title for d in response.context["page"].investments]
    assert shown == [f"Proposal {10 * i}" for i in range(INVESTMENTS_SHOWN)]  # "until" grows with i
    assertContains(response, '<a href="?verdict=conscious_investment">All conscious investments</a>', html=True)


def test_a_ledger_that_fits_leads_nowhere_else(login, member, team, active, log_decisions):
    log_decisions(team, 11)

    assertNotContains(login(member).get(decision_url("list")), "All conscious investments")


def test_decision_of_another_team_is_404(login, member, team, other_team, active, log_decisions):
    theirs = log_decisions(other_team, 1)[0]

    assert login(member).get(decision_url("detail", theirs.pk)).status_code == 404
    assert login(member).get(decision_url("detail", 999)).status_code == 404


# The leader's call ---------------------------------------------------------------------------------------

@pytest.fixture
def yes_decision(team, active, log_decisions) -> Decision:
    decision = log_decisions(team, 3)[2]
    assert decision.verdict == Decision.Verdict.YES
    return decision


def test_leader_records_the_recommended_outcome_without_reason(login, leader, yes_decision):
    response = login(leader).post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": "", "version": "1"},
                                  follow=True)

    assertRedirects(response, yes_decision.get_absolute_url())
    assertContains(response, "Decision recorded.")
    assertContains(response, "Final decision: Proceed")
    yes_decision.refresh_from_db()
    assert (yes_decision.outcome, yes_decision.decided_by) == ("proceed", response.wsgi_request.user)


def test_departure_without_reason_is_400_with_the_message(login, leader, yes_decision):
    response = login(leader).post(yes_decision.get_absolute_url(), {"outcome": "decline", "reason": "  ", "version": "1"})

    assert response.status_code == 400
    assertContains(response, "To decline anyway, write down why.", status_code=400)
    yes_decision.refresh_from_db()
    assert yes_decision.outcome == Decision.Outcome.PENDING


def test_departure_with_reason_is_saved_and_marked(login, leader, yes_decision):
    response = login(leader).post(yes_decision.get_absolute_url(),
                                  {"outcome": "decline", "reason": "No budget this quarter", "version": "1"},
                                  follow=True)

    assertContains(response, "departs from the verdict")
    assertContains(response, "No budget this quarter")
    yes_decision.refresh_from_db()
    assert (yes_decision.outcome, yes_decision.outcome_reason) == ("decline", "No budget this quarter")


@pytest.mark.parametrize("data", [
    {}, {"outcome": "pending", "version": "1"}, {"outcome": "shrug", "reason": "x", "version": "1"},
    {"outcome": "proceed", "reason": ""}, {"outcome": "proceed", "reason": "", "version": "soon"},
])
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
    post = client.post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": "", "version": "1"})

    assertNotContains(page, "Record decision")
    assert post.status_code == 403
    yes_decision.refresh_from_db()
    assert yes_decision.outcome == Decision.Outcome.PENDING


def test_leader_sees_the_recommendation_preselected(login, leader, yes_decision):
    response = login(leader).get(yes_decision.get_absolute_url())

    assertContains(response, "The verdict recommends: <strong>Proceed</strong>")
    assertContains(response, '<input type="radio" name="outcome" value="proceed" required id="id_outcome_0" checked>',
                   html=True)


def test_a_decided_decision_opens_on_its_outcome_and_reason_to_change(login, leader, yes_decision):
    client = login(leader)
    client.post(yes_decision.get_absolute_url(), {"outcome": "decline", "reason": "No budget", "version": "1"})

    response = client.get(yes_decision.get_absolute_url())

    assertContains(response, "Final decision: Do not proceed")
    assertContains(response, "By Lena Leader on")
    assertContains(response, '<input type="radio" name="outcome" value="decline" required id="id_outcome_1" checked>',
                   html=True)
    assertContains(response, "No budget</textarea>")
    assertContains(response, '<input type="hidden" name="version" value="2" id="id_version">', html=True)
    assertContains(response, "Change decision")


def test_a_decided_decision_can_be_changed(login, leader, yes_decision):
    client = login(leader)
    client.post(yes_decision.get_absolute_url(), {"outcome": "decline", "reason": "No budget", "version": "1"})

    response = client.post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": "", "version": "2"})

    assert response.status_code == 302
    yes_decision.refresh_from_db()
    assert (yes_decision.outcome, yes_decision.outcome_reason, yes_decision.version) == ("proceed", "", 3)


# Two leaders deciding at once ------------------------------------------------------------------------------

@pytest.fixture
def second_leader(make_user, add_member, team):
    user = make_user("leo@example.com", "Leo Leader")
    add_member(team, user, "leader")
    return user


def test_outcome_from_a_stale_page_is_409_with_their_call_and_mine_kept(login, leader, second_leader, yes_decision):
    login(leader).post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": "", "version": "1"})

    response = login(second_leader).post(yes_decision.get_absolute_url(),
                                         {"outcome": "decline", "reason": "Not this quarter", "version": "1"})

    assert response.status_code == 409
    assertContains(response, "Lena Leader recorded “Proceed” while you were deciding. Your choice and reason are "
                             "below: save again to replace it.", status_code=409)
    assertContains(response, "Final decision: Proceed", status_code=409)
    assertContains(response, "Not this quarter</textarea>", status_code=409)
    assertContains(response, '<input type="radio" name="outcome" value="decline" required id="id_outcome_1" '
                             'checked>', html=True, status_code=409)
    assertContains(response, '<input type="hidden" name="version" value="2" id="id_version">', html=True,
                   status_code=409)
    yes_decision.refresh_from_db()
    assert (yes_decision.outcome, yes_decision.decided_by) == ("proceed", leader)


def test_saving_again_after_a_conflict_replaces_their_call_knowingly(login, leader, second_leader, yes_decision):
    login(leader).post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": "", "version": "1"})
    client = login(second_leader)
    conflict = client.post(yes_decision.get_absolute_url(),
                           {"outcome": "decline", "reason": "Not this quarter", "version": "1"})

    response = client.post(yes_decision.get_absolute_url(),
                           {"outcome": "decline", "reason": "Not this quarter",
                            "version": conflict.context["form"]["version"].value()})

    assert response.status_code == 302
    yes_decision.refresh_from_db()
    assert (yes_decision.outcome, yes_decision.outcome_reason, yes_decision.decided_by) == (
        "decline", "Not this quarter", second_leader)


def test_conflict_over_a_departure_still_needs_its_reason(login, leader, second_leader, yes_decision):
    """The version check does not skip the rule: a departure without a reason stays refused."""
    login(leader).post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": "", "version": "1"})

    response = login(second_leader).post(yes_decision.get_absolute_url(),
                                         {"outcome": "decline", "reason": "", "version": "2"})

    assert response.status_code == 400
    assertContains(response, "To decline anyway, write down why.", status_code=400)


# The history of the final call ---------------------------------------------------------------------------

def test_a_changed_call_keeps_the_earlier_one_newest_first(login, leader, second_leader, yes_decision):
    login(leader).post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": "Worth it", "version": "1"})
    client = login(second_leader)
    client.post(yes_decision.get_absolute_url(), {"outcome": "decline", "reason": "No budget", "version": "2"})

    response = client.get(yes_decision.get_absolute_url())

    history = response.content.decode().split('aria-labelledby="history-title"')[1]
    newest, earlier = history.index("<strong>Do not proceed</strong> — Leo Leader, "), history.index(
        "<strong>Proceed</strong> — Lena Leader, ")
    assert newest < earlier
    assertContains(response, "current call", count=1)
    assertContains(response, ": No budget")
    assertContains(response, ": Worth it")
    current = yes_decision.outcomes.first()
    assertContains(response, f'<li id="call-{current.pk}" aria-current="true">')


def test_a_call_shows_the_time_it_was_made(login, leader, yes_decision, settings):
    login(leader).post(yes_decision.get_absolute_url(), {"outcome": "proceed", "reason": "", "version": "1"})
    call = yes_decision.outcomes.get()

    response = login(leader).get(yes_decision.get_absolute_url())

    # Lena reads times in her own zone (UTC by default), to the minute.
    assertContains(response, f"{call.decided_at:%-d %b %H:%M}</time>")


def test_an_undecided_decision_shows_no_history(login, leader, yes_decision):
    assertNotContains(login(leader).get(yes_decision.get_absolute_url()), "History of the final call")


# Who makes the final call ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["member", "facilitator"])
def test_someone_who_cannot_decide_is_told_who_does(login, request, second_leader, yes_decision, role):
    response = login(request.getfixturevalue(role)).get(yes_decision.get_absolute_url())

    assertContains(response, "The team&#x27;s leaders make the final call: Lena Leader and Leo Leader.")


def test_a_leader_is_not_told_who_decides(login, leader, yes_decision):
    assertNotContains(login(leader).get(yes_decision.get_absolute_url()), "make the final call")


def test_a_member_who_logs_a_proposal_is_told_the_leaders_decide(login, member, active):
    response = login(member).post(decision_url("create"), {
        "title": "Weekend visits", "purpose_effect": "advances", "metric_effect": "improves",
    }, follow=True)

    assertContains(response, "Logged. Verdict: Yes. The team&#x27;s leaders make the final call: Lena Leader.",
                   count=1)
    assertContains(response, '<p class="final-call-note">The team\'s leaders make the final call: Lena Leader.</p>',
                   html=True)


def test_a_leader_who_logs_a_proposal_is_told_only_the_verdict(login, leader, active):
    response = login(leader).post(decision_url("create"), {
        "title": "Weekend visits", "purpose_effect": "advances", "metric_effect": "improves",
    }, follow=True)

    assertContains(response, "Logged. Verdict: Yes.</li>")
    assertNotContains(response, "make the final call")


# Submitting the same form twice ---------------------------------------------------------------------------

def form_key(response) -> str:
    return response.context["form"]["idempotency_key"].value()


def test_each_form_shown_carries_its_own_key(login, member, active):
    client = login(member)

    first, second = client.get(decision_url("create"), follow=True), client.get(decision_url("create"), follow=True)

    assert UUID(str(form_key(first))) != UUID(str(form_key(second)))
    assert first.redirect_chain == [(decision_url("create", query=f"key={form_key(first)}"), 302)]
    assertContains(first, f'<input type="hidden" name="idempotency_key" value="{form_key(first)}" '
                          'id="id_idempotency_key">', html=True)


def test_the_preview_without_javascript_keeps_its_question_on_the_way_to_the_key(login, member, active):
    response = login(member).get(decision_url("create"), {"purpose_effect": "harms", "metric_effect": "improves"})

    assert response.status_code == 302
    assert response["Location"].startswith(decision_url("create", query="purpose_effect=harms&metric_effect=improves"
                                                                          "&key="))


@pytest.mark.parametrize("key", ["", "not-a-uuid", "1234"])
def test_a_form_address_without_a_good_key_is_given_a_new_one(login, member, active, key):
    response = login(member).get(decision_url("create"), {"key": key})

    assert response.status_code == 302
    assert UUID(response["Location"].split("key=")[1])


def test_coming_back_to_a_submitted_form_says_it_was_logged(login, member, active):
    client = login(member)
    form = client.get(decision_url("create"), follow=True)
    key = form_key(form)
    client.post(decision_url("create"), {"title": "Weekend visits", "purpose_effect": "advances",
                                         "metric_effect": "improves", "idempotency_key": key}, follow=True)

    back = client.get(form.redirect_chain[-1][0])  # what Back fetches: the page is not cached

    decision = Decision.objects.get()
    assertContains(back, f'This proposal was already logged: <a href="{decision.get_absolute_url()}">'
                         "Weekend visits</a>.")
    assertContains(back, f'<a href="{decision_url("create")}">Log another proposal</a>', html=True)
    assert str(form_key(back)) == key  # so submitting it again opens the decision


def test_a_fresh_form_says_nothing_was_logged(login, member, active):
    assertNotContains(login(member).get(decision_url("create"), follow=True), "already logged")


def test_submitting_the_same_form_again_opens_the_decision_it_logged(login, member, active):
    client = login(member)
    key = form_key(client.get(decision_url("create"), follow=True))
    data = {"title": "Weekend visits", "purpose_effect": "advances", "metric_effect": "improves",
            "idempotency_key": key}
    client.post(decision_url("create"), data, follow=True)

    response = client.post(decision_url("create"), {**data, "title": "Weekend visits, edited after Back"},
                           follow=True)

    decision = Decision.objects.get()
    assert decision.title == "Weekend visits"
    assertRedirects(response, decision.get_absolute_url())
    assertContains(response, "This proposal was already logged.")
    assertNotContains(response, "Logged. Verdict")


def test_a_form_with_errors_keeps_its_key(login, member, active):
    client = login(member)
    key = form_key(client.get(decision_url("create"), follow=True))

    response = client.post(decision_url("create"), {"title": "", "idempotency_key": key})

    assert response.status_code == 400
    assert str(form_key(response)) == key


def test_a_malformed_key_is_400_not_500(login, member, active):
    response = login(member).post(decision_url("create"), {
        "title": "Weekend visits", "purpose_effect": "advances", "metric_effect": "improves",
        "idempotency_key": "not-a-uuid",
    })

    assertContains(response, "This form&#x27;s key is not valid; reload the page and try again.", status_code=400)
    assert not Decision.objects.exists()


# The purpose beside the effect on it ------------------------------------------------------------------------

def test_the_form_shows_the_purpose_in_force(login, member, active):
    response = login(member).get(decision_url("create"), follow=True)

    assertContains(response, '<p class="purpose-statement">Care close to home, version 1</p>', html=True)
    assertContains(response, "<dt>Who it serves</dt><dd>Patients and the nurses who visit them</dd>", html=True)
    assertContains(response, "<dt>The outcome it exists to create</dt><dd>Fewer avoidable hospital admissions</dd>",
                   html=True)
    assertContains(response, "<dt>What it refuses to trade away</dt><dd>Patient safety</dd>", html=True)
    assertContains(response, 'aria-describedby="purpose-reminder"', count=len(Decision.PurposeEffect.values))


def test_the_form_shows_the_ratified_purpose_not_an_amendment_in_draft(login, member, team, active, write_charter):
    write_charter(team, number=2, state=Charter.State.DRAFT, purpose_statement="A purpose still being discussed")

    response = login(member).get(decision_url("create"), follow=True)

    assertContains(response, "Care close to home, version 1")
    assertNotContains(response, "A purpose still being discussed")


def test_without_a_ratified_charter_the_form_says_so_and_links_to_it(login, member, team, write_charter):
    write_charter(team, state=Charter.State.DRAFT)

    response = login(member).get(decision_url("create"), follow=True)

    assertContains(response, "The team has no ratified charter yet")
    assertContains(response, f'<a href="{reverse("charters:detail", args=["harbour", "platform"])}">'
                             "Go to the charter</a>", html=True)
    assertNotContains(response, "Care close to home")
