"""The demo organisation has decisions of every verdict to click through, and reseeding adds none."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from decisions.models import Decision, DecisionOutcome


@pytest.fixture
def seed(db, settings):
    settings.DEBUG = True  # seeding refuses to run with DEBUG off

    def run() -> None:
        call_command("seed_demo", stdout=StringIO())  # asks every installed app for its demo data

    return run


@pytest.fixture
def seeded(demo_seeded_once, db) -> None:
    """The demo, seeded once for this module's readers (`demo_seeded_once`)."""


def test_decisions_of_every_verdict_exist(seeded):
    assert set(Decision.objects.values_list("verdict", flat=True)) == set(Decision.Verdict.values)
    assert Decision.objects.values("team").distinct().count() >= 2


def test_seeded_decisions_agree_with_the_rule_and_explain_departures(seeded):
    for decision in Decision.objects.all():
        assert decision.verdict == Decision.rule(decision.purpose_effect, decision.metric_effect)[0]
        assert decision.charter is not None and decision.charter.team_id == decision.team_id
        assert decision.outcome != Decision.Outcome.PENDING
        if decision.is_departure:
            assert decision.outcome_reason.strip(), decision.title


def test_seeded_conscious_investments_name_their_key_result(seeded):
    investments = Decision.objects.filter(verdict=Decision.Verdict.CONSCIOUS_INVESTMENT)

    assert investments.exists()
    for decision in investments:
        assert decision.key_result is not None and decision.investment_until is not None
        assert decision.key_result.goal.charter.team_id == decision.team_id


def test_seeding_twice_adds_no_decisions(seed):
    seed()
    first = Decision.objects.count()
    assert first == 7

    seed()

    assert Decision.objects.count() == first


def test_every_seeded_call_is_in_the_history(seeded):
    for decision in Decision.objects.all():
        current = decision.outcomes.first()
        assert (current.outcome, current.reason, current.decided_by_id, current.decided_at) == (
            decision.outcome, decision.outcome_reason, decision.decided_by_id, decision.decided_at), decision.title


def test_a_seeded_decision_shows_a_changed_call(seeded):
    changed = Decision.objects.get(title="Move referrals to the new message queue")

    assert list(changed.outcomes.values_list("outcome", flat=True)) == [Decision.Outcome.PROCEED,
                                                                         Decision.Outcome.DECLINE]


def test_seeding_twice_adds_no_calls(seed):
    seed()
    first = DecisionOutcome.objects.count()
    assert first == 8  # one call on each of the 7 decisions, and one changed

    seed()

    assert DecisionOutcome.objects.count() == first
