"""Actions on the decision log: logging a proposal and recording the leader's final call."""

from __future__ import annotations

import datetime
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from alignment import audit
from alignment.concurrency import save_if_unchanged
from alignment.errors import ActionRefused
from alignment.models import AuditKind
from charters.models import Goal, KeyResult
from decisions import webhooks
from decisions.models import Decision, DecisionOutcome
from decisions.selectors import active_charter
from decisions.signals import outcome_recorded

__all__ = ["ActionRefused", "AlreadyLogged", "log_decision", "mark_reviewed", "record_outcome"]


class AlreadyLogged(Exception):
    """The same log-a-proposal form was submitted again; `decision` is what its first submit logged."""

    def __init__(self, decision: Decision):
        super().__init__("This proposal was already logged.")
        self.decision = decision


def log_decision(*, team, actor, title: str, description: str = "", purpose_effect: str, metric_effect: str,
                 goal: Goal | None = None, key_result: KeyResult | None = None, investment_amount: str = "",
                 investment_until: datetime.date | None = None, review_on: datetime.date | None = None,
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
            decision = Decision.objects.create(
                team=team, charter=active_charter(team), logged_by=actor, verdict=verdict, title=title,
                description=description, purpose_effect=purpose_effect, metric_effect=metric_effect, goal=goal,
                key_result=key_result, investment_amount=investment_amount, investment_until=investment_until,
                review_on=review_on, idempotency_key=idempotency_key,
            )
            webhooks.post_logged(decision)  # to the team's webhooks that want it, once this commits
            return decision
    except IntegrityError:
        earlier = team.decisions.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if earlier is None:
            raise
        raise AlreadyLogged(earlier) from None


KEEP = object()  # `record_outcome(review_on=KEEP)`: the review date stays as it is


def record_outcome(*, decision: Decision, actor, outcome: str, reason: str, expected_version: int,
                   review_on=KEEP) -> Decision:
    """The leader's final call, added to the decision's history; departing from the verdict needs a written reason.

    `review_on` sets (or, None, clears) when the team looks at the decision again; by default it is kept.

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
    before = decision.outcome
    decision.outcome, decision.outcome_reason = outcome, reason
    decision.decided_by, decision.decided_at = actor, timezone.now()
    fields = ["outcome", "outcome_reason", "decided_by", "decided_at"]
    if review_on is not KEEP:
        decision.review_on = review_on
        fields.append("review_on")
    with transaction.atomic():
        save_if_unchanged(decision, expected_version=expected_version, fields=fields)
        DecisionOutcome.objects.create(decision=decision, outcome=outcome, reason=reason, decided_by=actor,
                                       decided_at=decision.decided_at)
        audit.record(AuditKind.DECISION_CALL_RECORDED, team=decision.team, actor=actor,
                     summary=f"Final call on “{decision.title}”: {decision.get_outcome_display()}"
                             + (" (changed)" if before != Decision.Outcome.PENDING else ""),
                     changes={"decision": decision.pk, "outcome": [before, outcome], "reason": reason,
                              "recommended": decision.recommended_outcome})
        outcome_recorded.send(sender=Decision, decision=decision, actor=actor)  # for apps to the right: asks
    return decision


def mark_reviewed(*, decision: Decision, actor, next_review_on: datetime.date | None = None,
                  now: datetime.datetime | None = None) -> Decision:
    """A leader looked at the decision again: it leaves My week and the calendar, or moves to `next_review_on`.

    Under the decision's row lock. Refused when it has no review date (someone marked it reviewed a moment
    ago, or the date was cleared) or the next date is not after today in the team's zone.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Decision.objects.select_for_update().filter(pk=decision.pk).first()
        if locked is None:
            raise ActionRefused("This decision no longer exists.")
        if locked.review_on is None:
            raise ActionRefused("This decision has no review date: it was marked reviewed already, or its date "
                                "was cleared.")
        today = timezone.localdate(now, decision.team.zone)
        if next_review_on is not None and next_review_on <= today:
            raise ActionRefused("The next review date must be after today. Leave it empty if it needs no further "
                                "review.")
        locked.review_on, locked.reviewed_at, locked.reviewed_by = next_review_on, now, actor
        locked.save(update_fields=["review_on", "reviewed_at", "reviewed_by"])
    return locked
