"""The decision rule: what the purpose says about a proposal, and what it recommends."""

from __future__ import annotations

import pytest

from decisions.models import Decision

P, M, V, Out = Decision.PurposeEffect, Decision.MetricEffect, Decision.Verdict, Decision.Outcome

VERDICT_TABLE = [
    (P.HARMS, M.IMPROVES, V.NO),
    (P.HARMS, M.NEUTRAL, V.NO),
    (P.HARMS, M.DENTS, V.NO),
    (P.ADVANCES, M.DENTS, V.CONSCIOUS_INVESTMENT),
    (P.ADVANCES, M.IMPROVES, V.YES),
    (P.ADVANCES, M.NEUTRAL, V.YES),
    (P.NEUTRAL, M.IMPROVES, V.NOT_ALIGNED),
    (P.NEUTRAL, M.NEUTRAL, V.NOISE),
    (P.NEUTRAL, M.DENTS, V.NOISE),
]


def test_the_table_covers_every_combination_once():
    assert sorted((p, m) for p, m, _ in VERDICT_TABLE) == sorted(
        (p, m) for p in P.values for m in M.values
    )


@pytest.mark.parametrize(("purpose_effect", "metric_effect", "verdict"), VERDICT_TABLE)
def test_the_rule_gives_the_seeds_verdict_with_a_reason(purpose_effect, metric_effect, verdict):
    got, reason = Decision.rule(purpose_effect, metric_effect)

    assert got == verdict
    assert reason.strip()


@pytest.mark.parametrize(("purpose_effect", "metric_effect", "verdict"), VERDICT_TABLE)
def test_the_rule_accepts_plain_strings_from_a_form(purpose_effect, metric_effect, verdict):
    assert Decision.rule(str(purpose_effect.value), str(metric_effect.value))[0] == verdict


def test_each_verdict_explains_itself_differently():
    reasons = {Decision.rule(p, m) for p, m, _ in VERDICT_TABLE}

    assert len({reason for _, reason in reasons}) == len(V.values)


def test_harm_to_the_purpose_is_never_bought_back_by_metrics():
    _, reason = Decision.rule(P.HARMS, M.IMPROVES)

    assert "harms the purpose" in reason


def test_conscious_investment_asks_for_the_key_result_amount_and_duration():
    _, reason = Decision.rule(P.ADVANCES, M.DENTS)

    assert "key result" in reason and "how much" in reason and "how long" in reason


@pytest.mark.parametrize(
    ("verdict", "outcome"),
    [
        (V.YES, Out.PROCEED),
        (V.CONSCIOUS_INVESTMENT, Out.PROCEED),
        (V.NO, Out.DECLINE),
        (V.NOT_ALIGNED, Out.DECLINE),
        (V.NOISE, Out.DECLINE),
    ],
)
def test_recommended_outcome_follows_the_verdict(verdict, outcome):
    assert Decision(verdict=verdict).recommended_outcome == outcome
    assert Decision(verdict=str(verdict.value)).recommended_outcome == outcome


@pytest.mark.parametrize(
    ("verdict", "outcome", "departs"),
    [
        (V.YES, Out.PENDING, False),
        (V.YES, Out.PROCEED, False),
        (V.YES, Out.DECLINE, True),
        (V.NO, Out.DECLINE, False),
        (V.NO, Out.PROCEED, True),
        (V.NOT_ALIGNED, Out.PROCEED, True),
        (V.CONSCIOUS_INVESTMENT, Out.DECLINE, True),
    ],
)
def test_a_decision_departs_from_its_verdict_only_once_decided_against_it(
    verdict, outcome, departs
):
    assert Decision(verdict=verdict, outcome=outcome).is_departure is departs
