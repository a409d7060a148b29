"""Logging a decision with its verdict, and recording the leader's final call."""

from __future__ import annotations

from datetime import date

import pytest

from charters import services
from charters.models import Decision, KeyResult
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
    services.start_amendment(team=team, actor=leader)  # a draft is not in force

    decision = log(team, leader, P.ADVANCES, M.IMPROVES)

    assert decision.charter == active


def test_log_decision_links_no_charter_before_the_first_ratification(team, leader):
    services.start_charter(team=team, actor=leader)

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

    services.record_outcome(decision=decision, actor=leader, outcome=follows, reason="")

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
        services.record_outcome(decision=decision, actor=leader, outcome=departs, reason=reason)

    decision.refresh_from_db()
    assert (decision.outcome, decision.decided_by, decision.decided_at) == (Out.PENDING, None, None)


def test_departing_from_the_verdict_with_a_reason_is_recorded_as_a_departure(team, leader):
    decision = log(team, leader, P.NEUTRAL, M.IMPROVES)

    services.record_outcome(
        decision=decision,
        actor=leader,
        outcome=Out.PROCEED,
        reason="  The regional office funds two of our posts.  ",
    )

    decision.refresh_from_db()
    assert decision.outcome == Out.PROCEED
    assert decision.outcome_reason == "The regional office funds two of our posts."
    assert decision.is_departure
    assert decision.decided_by == leader and decision.decided_at is not None


def test_a_decision_can_be_reconsidered(team, leader):
    decision = log(team, leader, P.ADVANCES, M.IMPROVES)
    services.record_outcome(decision=decision, actor=leader, outcome=Out.PROCEED, reason="")

    services.record_outcome(
        decision=decision, actor=leader, outcome=Out.DECLINE, reason="Budget cut."
    )

    decision.refresh_from_db()
    assert (decision.outcome, decision.outcome_reason) == (Out.DECLINE, "Budget cut.")
    assert decision.is_departure
