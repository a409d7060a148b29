"""The decision log at any size, for the decision view and service tests.

`log_decisions(team, n)` fills the log with n decisions cycling through the five verdicts.
`write_charter` and `people` come from the charter tests: a decision is judged against a
charter's purpose and may dent one of its key results.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from charters.models import Charter, Goal, KeyResult
from decisions.models import Decision, DecisionOutcome
from tests.charters.conftest import ORG, TEAM, people, write_charter  # noqa: F401 (fixtures)


def decision_url(name: str, *args, query: str = "") -> str:
    """A decisions URL of the standard team, e.g. decision_url("detail", 3)."""
    url = reverse(f"decisions:{name}", args=[ORG, TEAM, *args])
    return f"{url}?{query}" if query else url


# Purpose and metric effects giving each of the five verdicts in turn.
EFFECTS = [
    (Decision.PurposeEffect.ADVANCES, Decision.MetricEffect.DENTS),  # conscious investment
    (Decision.PurposeEffect.HARMS, Decision.MetricEffect.IMPROVES),  # no
    (Decision.PurposeEffect.ADVANCES, Decision.MetricEffect.IMPROVES),  # yes
    (Decision.PurposeEffect.NEUTRAL, Decision.MetricEffect.IMPROVES),  # not aligned
    (Decision.PurposeEffect.NEUTRAL, Decision.MetricEffect.NEUTRAL),  # noise
]


@pytest.fixture
def log_decisions(people, leader):  # noqa: F811 (the fixture imported above)
    """`log_decisions(team, n)`: n decisions cycling through the verdicts, each logged by someone else.

    Conscious investments dent a key result of the active charter; every other decision
    is already decided by the leader, with that one call in its history.
    """

    def log(team, n: int) -> list[Decision]:
        active = Charter.objects.filter(team=team, state=Charter.State.RATIFIED).first()
        goal = Goal.objects.filter(charter=active).first() if active else None
        key_result = KeyResult.objects.filter(goal=goal).first() if goal else None
        decisions = []
        for i, person in enumerate(people(team, n)):
            purpose_effect, metric_effect = EFFECTS[i % len(EFFECTS)]
            verdict, _reason = Decision.rule(purpose_effect, metric_effect)
            invests = Decision.is_investment(purpose_effect, metric_effect)
            decided = i % 2 == 1
            decision = Decision.objects.create(
                team=team, charter=active, title=f"Proposal {i}", description=f"Details of *proposal {i}*",
                purpose_effect=purpose_effect, metric_effect=metric_effect, verdict=verdict, goal=goal,
                key_result=key_result if invests else None,
                investment_amount=f"{i} points" if invests else "",
                investment_until=date(2031, 1, 1) + timedelta(days=i) if invests else None,
                logged_by=person, logged_at=timezone.now() - timedelta(minutes=i),
                outcome=Decision.Outcome.DECLINE if decided else Decision.Outcome.PENDING,
                decided_by=leader if decided else None, decided_at=timezone.now() if decided else None,
                outcome_reason="We decided so" if decided else "",
            )
            if decided:
                DecisionOutcome.objects.create(decision=decision, outcome=decision.outcome, reason="We decided so",
                                               decided_by=leader, decided_at=decision.decided_at)
            decisions.append(decision)
        return decisions

    return log


@pytest.fixture
def change_calls(people):  # noqa: F811 (the fixture imported above)
    """`change_calls(decision, n)`: n final calls on the decision, alternating, each by a different person.

    Written straight to the database (the service is tested on its own), oldest first;
    the decision carries the newest.
    """

    def change(decision: Decision, n: int) -> list[DecisionOutcome]:
        calls = []
        start = timezone.now() - timedelta(days=n)
        for i, person in enumerate(people(decision.team, n)):
            outcome = Decision.Outcome.PROCEED if i % 2 == 0 else Decision.Outcome.DECLINE
            calls.append(DecisionOutcome.objects.create(
                decision=decision, outcome=outcome, reason=f"Call {i}", decided_by=person,
                decided_at=start + timedelta(days=i),
            ))
        newest = calls[-1]
        Decision.objects.filter(pk=decision.pk).update(
            outcome=newest.outcome, outcome_reason=newest.reason, decided_by=newest.decided_by,
            decided_at=newest.decided_at, version=n + 1,
        )
        decision.refresh_from_db()
        return calls

    return change
