"""Logging a decision with its verdict, and recording the leader's final call without losing another's."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from django.db import DatabaseError, IntegrityError, transaction

from alignment.errors import ConcurrentEditError
from charters import services as charter_services
from charters.models import KeyResult
from decisions import services
from decisions.models import Decision, DecisionOutcome
from tests.charters.factories import ratified_charter

P, M, V, Out = Decision.PurposeEffect, Decision.MetricEffect, Decision.Verdict, Decision.Outcome

INVESTMENT = {"investment_amount": "NPS may drop 3 points", "investment_until": date(2030, 1, 31)}


def log(team, actor, purpose_effect, metric_effect, **values) -> Decision:
    return services.log_decision(
        team=team,
        actor=actor,
        title="Move referrals to the new queue",
        description="Two weeks of work.",
        purpose_effect=purpose_effect,
        metric_effect=metric_effect,
        **values,
    )


# Logging ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose_effect", "metric_effect", "verdict"),
    [
        (P.HARMS, M.IMPROVES, V.NO),
        (P.ADVANCES, M.DENTS, V.CONSCIOUS_INVESTMENT),
        (P.ADVANCES, M.IMPROVES, V.YES),
        (P.NEUTRAL, M.IMPROVES, V.NOT_ALIGNED),
        (P.NEUTRAL, M.NEUTRAL, V.NOISE),
    ],
)
def test_log_decision_stores_the_verdict_of_the_rule(
    team, leader, purpose_effect, metric_effect, verdict
):
    decision = log(team, leader, purpose_effect, metric_effect)

    decision.refresh_from_db()
    assert decision.verdict == verdict
    assert (decision.outcome, decision.logged_by, decision.team) == (Out.PENDING, leader, team)
    assert decision.decided_at is None


def test_a_conscious_investment_keeps_what_it_invests(team, leader):
    charter = ratified_charter(team, leader)
    key_result = KeyResult.objects.get(goal__charter=charter)

    decision = log(team, leader, P.ADVANCES, M.DENTS, key_result=key_result, **INVESTMENT)

    decision.refresh_from_db()
    assert decision.key_result == key_result
    assert decision.investment_amount == "NPS may drop 3 points"
    assert decision.investment_until == date(2030, 1, 31)


@pytest.mark.parametrize(
    ("purpose_effect", "metric_effect"),
    [(P.ADVANCES, M.IMPROVES), (P.HARMS, M.DENTS), (P.NEUTRAL, M.DENTS), (P.NEUTRAL, M.IMPROVES)],
)
def test_other_verdicts_drop_the_investment_fields(team, leader, purpose_effect, metric_effect):
    charter = ratified_charter(team, leader)
    key_result = KeyResult.objects.get(goal__charter=charter)

    decision = log(team, leader, purpose_effect, metric_effect, key_result=key_result, **INVESTMENT)

    decision.refresh_from_db()
    assert (decision.key_result, decision.investment_amount, decision.investment_until) == (
        None,
        "",
        None,
    )


def test_log_decision_links_the_charter_in_force(team, leader):
    active = ratified_charter(team, leader)
    charter_services.start_amendment(team=team, actor=leader)  # a draft is not in force

    decision = log(team, leader, P.ADVANCES, M.IMPROVES)

    assert decision.charter == active


def test_log_decision_links_no_charter_before_the_first_ratification(team, leader):
    charter_services.start_charter(team=team, actor=leader)

    assert log(team, leader, P.ADVANCES, M.IMPROVES).charter is None


def test_log_decision_ignores_another_teams_charter(team, other_team, leader, outsider):
    ratified_charter(other_team, outsider)

    assert log(team, leader, P.ADVANCES, M.IMPROVES).charter is None


# The final call ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("purpose_effect", "metric_effect", "follows"),
    [
        (P.ADVANCES, M.IMPROVES, Out.PROCEED),
        (P.ADVANCES, M.DENTS, Out.PROCEED),
        (P.HARMS, M.IMPROVES, Out.DECLINE),
        (P.NEUTRAL, M.IMPROVES, Out.DECLINE),
        (P.NEUTRAL, M.NEUTRAL, Out.DECLINE),
    ],
)
def test_following_the_verdict_needs_no_reason(
    team, leader, purpose_effect, metric_effect, follows
):
    decision = log(team, leader, purpose_effect, metric_effect)

    services.record_outcome(decision=decision, actor=leader, outcome=follows, reason="", expected_version=1)

    decision.refresh_from_db()
    assert (decision.outcome, decision.outcome_reason, decision.decided_by) == (follows, "", leader)
    assert decision.decided_at is not None
    assert not decision.is_departure


@pytest.mark.parametrize(
    ("purpose_effect", "metric_effect", "departs", "verdict_label"),
    [
        (P.HARMS, M.IMPROVES, Out.PROCEED, "No"),
        (P.NEUTRAL, M.IMPROVES, Out.PROCEED, "Not aligned"),
        (P.ADVANCES, M.IMPROVES, Out.DECLINE, "Yes"),
        (P.ADVANCES, M.DENTS, Out.DECLINE, "Conscious investment"),
    ],
)
@pytest.mark.parametrize("reason", ["", "  \n "])
def test_departing_from_the_verdict_without_a_reason_is_refused(
    team, leader, purpose_effect, metric_effect, departs, verdict_label, reason
):
    decision = log(team, leader, purpose_effect, metric_effect)

    with pytest.raises(services.ActionRefused, match=f"The verdict is “{verdict_label}”"):
        services.record_outcome(decision=decision, actor=leader, outcome=departs, reason=reason,
                                expected_version=1)

    decision.refresh_from_db()
    assert (decision.outcome, decision.decided_by, decision.decided_at) == (Out.PENDING, None, None)


def test_departing_from_the_verdict_with_a_reason_is_recorded_as_a_departure(team, leader):
    decision = log(team, leader, P.NEUTRAL, M.IMPROVES)

    services.record_outcome(
        decision=decision,
        actor=leader,
        outcome=Out.PROCEED,
        reason="  The regional office funds two of our posts.  ",
        expected_version=1,
    )

    decision.refresh_from_db()
    assert decision.outcome == Out.PROCEED
    assert decision.outcome_reason == "The regional office funds two of our posts."
    assert decision.is_departure
    assert decision.decided_by == leader and decision.decided_at is not None


def test_a_decision_can_be_reconsidered(team, leader):
    decision = log(team, leader, P.ADVANCES, M.IMPROVES)
    services.record_outcome(decision=decision, actor=leader, outcome=Out.PROCEED, reason="", expected_version=1)

    services.record_outcome(
        decision=decision, actor=leader, outcome=Out.DECLINE, reason="Budget cut.", expected_version=2
    )

    decision.refresh_from_db()
    assert (decision.outcome, decision.outcome_reason) == (Out.DECLINE, "Budget cut.")
    assert decision.is_departure


def test_recording_an_outcome_moves_the_version_on(team, leader):
    decision = log(team, leader, P.ADVANCES, M.IMPROVES)

    services.record_outcome(decision=decision, actor=leader, outcome=Out.PROCEED, reason="", expected_version=1)

    decision.refresh_from_db()
    assert decision.version == 2


def test_an_outcome_from_a_stale_page_is_refused_and_names_the_call_in_force(team, leader, make_user, add_member):
    lena, other = leader, make_user("leo@example.com", "Leo Leader")
    add_member(team, other, "leader")
    decision = log(team, lena, P.ADVANCES, M.IMPROVES)
    services.record_outcome(decision=decision, actor=other, outcome=Out.PROCEED, reason="", expected_version=1)
    stale = Decision.objects.get(pk=decision.pk)
    stale.version = 1  # what Lena's page loaded before Leo decided

    with pytest.raises(ConcurrentEditError) as raised:
        services.record_outcome(decision=stale, actor=lena, outcome=Out.DECLINE, reason="Too risky",
                                expected_version=1)

    assert (raised.value.current.outcome, raised.value.current.decided_by, raised.value.current.version) == (
        Out.PROCEED, other, 2)
    decision.refresh_from_db()
    assert (decision.outcome, decision.outcome_reason, decision.decided_by) == (Out.PROCEED, "", other)


def test_log_decision_takes_only_named_fields(team, leader):
    with pytest.raises(TypeError):
        services.log_decision(team=team, actor=leader, title="x", purpose_effect=P.NEUTRAL,
                              metric_effect=M.NEUTRAL, verdict=V.YES)


def test_log_decision_keeps_the_key_of_the_form_it_came_from(team, leader):
    key = uuid4()

    decision = log(team, leader, P.NEUTRAL, M.NEUTRAL, idempotency_key=key)

    decision.refresh_from_db()
    assert decision.idempotency_key == key


# The history of the final call ------------------------------------------------------------------


def test_each_call_is_kept_with_who_made_it_and_when(team, leader, make_user, add_member):
    leo = make_user("leo@example.com", "Leo Leader")
    add_member(team, leo, "leader")
    decision = log(team, leader, P.ADVANCES, M.IMPROVES)

    services.record_outcome(decision=decision, actor=leader, outcome=Out.PROCEED, reason="", expected_version=1)
    services.record_outcome(decision=decision, actor=leo, outcome=Out.DECLINE, reason="Budget cut.",
                            expected_version=2)

    newest, first = decision.outcomes.all()
    assert (newest.outcome, newest.reason, newest.decided_by) == (Out.DECLINE, "Budget cut.", leo)
    assert (first.outcome, first.reason, first.decided_by) == (Out.PROCEED, "", leader)
    assert first.decided_at < newest.decided_at
    decision.refresh_from_db()
    assert (decision.outcome, decision.decided_by, decision.decided_at) == (
        newest.outcome, newest.decided_by, newest.decided_at)


def test_a_refused_call_leaves_no_trace_in_the_history(team, leader):
    decision = log(team, leader, P.ADVANCES, M.IMPROVES)

    with pytest.raises(services.ActionRefused):
        services.record_outcome(decision=decision, actor=leader, outcome=Out.DECLINE, reason="",
                                expected_version=1)
    with pytest.raises(services.ActionRefused):
        services.record_outcome(decision=decision, actor=leader, outcome=Out.PENDING, reason="Undo",
                                expected_version=1)

    assert not DecisionOutcome.objects.exists()


def test_a_call_from_a_stale_page_adds_nothing_to_the_history(team, leader):
    decision = log(team, leader, P.ADVANCES, M.IMPROVES)
    services.record_outcome(decision=decision, actor=leader, outcome=Out.PROCEED, reason="", expected_version=1)
    stale = Decision.objects.get(pk=decision.pk)

    with pytest.raises(ConcurrentEditError):
        services.record_outcome(decision=stale, actor=leader, outcome=Out.DECLINE, reason="No", expected_version=1)

    assert list(decision.outcomes.values_list("outcome", flat=True)) == [Out.PROCEED]


def test_the_decision_and_its_history_are_written_together(team, leader, monkeypatch):
    """If the history row cannot be written, the decision keeps its earlier call too."""
    decision = log(team, leader, P.ADVANCES, M.IMPROVES)

    def fail(**fields):
        raise DatabaseError("disk full")

    monkeypatch.setattr(DecisionOutcome.objects, "create", fail)
    with pytest.raises(DatabaseError):
        services.record_outcome(decision=decision, actor=leader, outcome=Out.PROCEED, reason="", expected_version=1)

    decision.refresh_from_db()
    assert (decision.outcome, decision.decided_by, decision.version) == (Out.PENDING, None, 1)


def test_a_call_reads_as_the_history_says_it(team, leader):
    decision = log(team, leader, P.ADVANCES, M.IMPROVES)
    services.record_outcome(decision=decision, actor=leader, outcome=Out.PROCEED, reason="", expected_version=1)

    call = decision.outcomes.get()

    assert str(call) == "Proceed — Move referrals to the new queue"
    assert call.get_absolute_url() == f"{decision.get_absolute_url()}#call-{call.pk}"


def test_the_database_refuses_a_call_of_not_decided(team, leader):
    decision = log(team, leader, P.ADVANCES, M.IMPROVES)

    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionOutcome.objects.create(decision=decision, outcome=Out.PENDING, decided_by=leader)


# Submitting the same form twice -----------------------------------------------------------------


def test_the_same_form_submitted_twice_logs_one_decision(team, leader):
    """The unique constraint refuses the second insert; tests/decisions/test_races.py sends both at once."""
    key = uuid4()
    first = log(team, leader, P.ADVANCES, M.IMPROVES, idempotency_key=key)

    with pytest.raises(services.AlreadyLogged) as again:
        log(team, leader, P.ADVANCES, M.IMPROVES, idempotency_key=key)

    assert again.value.decision == first
    assert str(again.value) == "This proposal was already logged."
    assert Decision.objects.count() == 1  # and the surrounding transaction is still usable


def test_proposals_without_a_key_are_each_logged(team, leader):
    log(team, leader, P.ADVANCES, M.IMPROVES)
    log(team, leader, P.ADVANCES, M.IMPROVES)

    assert Decision.objects.count() == 2


def test_a_key_belongs_to_one_team(team, other_team, leader, outsider):
    key = uuid4()
    log(team, leader, P.ADVANCES, M.IMPROVES, idempotency_key=key)

    theirs = log(other_team, outsider, P.ADVANCES, M.IMPROVES, idempotency_key=key)

    assert theirs.team == other_team
    assert Decision.objects.count() == 2
