"""Actions on the decision log: logging a proposal and recording the leader's final call."""

from __future__ import annotations

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from alignment.concurrency import save_if_unchanged
from alignment.errors import ActionRefused
from charters.models import Goal, KeyResult
from decisions.models import Decision, DecisionOutcome
from decisions.selectors import active_charter
from decisions.signals import outcome_recorded

__all__ = ["ActionRefused", "AlreadyLogged", "log_decision", "record_outcome"]


class AlreadyLogged(Exception):
    """The same log-a-proposal form was submitted again; `decision` is what its first submit logged."""

    def __init__(self, decision: Decision):
        super().__init__("This proposal was already logged.")
        self.decision = decision


def log_decision(*, team, actor, title: str, description: str = "", purpose_effect: str, metric_effect: str,
                 goal: Goal | None = None, key_result: KeyResult | None = None, investment_amount: str = "",
                 investment_until: datetime.date | None = None,
                 idempotency_key: uuid.UUID | None = None) -> Decision:
    """Log a proposal with the verdict the team's purpose gives it, under the charter in force.

    `idempotency_key` comes from the form: submitting the same form again (Back and
    resubmit, a double click, two requests at once) raises AlreadyLogged with the
    decision the first submit logged, instead of logging it twice.
    """
    verdict, _reason = Decision.rule(purpose_effect, metric_effect)
    if not Decision.is_investment(purpose_effect, metric_effect):
        # Only a conscious investment names what it dents; anything typed for another verdict is stale.
        key_result, investment_amount, investment_until = None, "", None
    # No look-up first: the unique constraint is the one check, whether the second submit
    # comes a minute later or at the same instant. A savepoint, so that a refused insert
    # leaves any surrounding transaction usable.
    try:
        with transaction.atomic():
            return Decision.objects.create(
                team=team, charter=active_charter(team), logged_by=actor, verdict=verdict, title=title,
                description=description, purpose_effect=purpose_effect, metric_effect=metric_effect, goal=goal,
                key_result=key_result, investment_amount=investment_amount, investment_until=investment_until,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        earlier = team.decisions.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if earlier is None:
            raise
        raise AlreadyLogged(earlier) from None


def record_outcome(*, decision: Decision, actor, outcome: str, reason: str, expected_version: int) -> Decision:
    """The leader's final call, added to the decision's history; departing from the verdict needs a written reason.

    Compare-and-set on the decision's version: if another leader recorded an outcome
    since this one loaded the page, raises ConcurrentEditError with the decision as it
    now is, rather than silently replacing their call. Earlier calls stay in the history.
    """
    if outcome not in Decision.CALLS:
        raise ActionRefused("Choose whether to proceed or not.")
    reason = reason.strip()
    if outcome != decision.recommended_outcome and not reason:
        raise ActionRefused(
            f"The verdict is “{decision.get_verdict_display()}”. To "
            f"{'proceed' if outcome == Decision.Outcome.PROCEED else 'decline'} anyway, write down why."
        )
    decision.outcome, decision.outcome_reason = outcome, reason
    decision.decided_by, decision.decided_at = actor, timezone.now()
    with transaction.atomic():
        save_if_unchanged(decision, expected_version=expected_version,
                          fields=["outcome", "outcome_reason", "decided_by", "decided_at"])
        DecisionOutcome.objects.create(decision=decision, outcome=outcome, reason=reason, decided_by=actor,
                                       decided_at=decision.decided_at)
        outcome_recorded.send(sender=Decision, decision=decision, actor=actor)  # for apps to the right: asks
    return decision
