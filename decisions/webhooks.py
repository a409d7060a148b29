"""What the decision log posts to a team's webhooks (`notifications.webhooks`): a proposal logged.

A team's decisions are read by everyone in it (and its summary by the organisation's admins), so the
proposal, its verdict and the rule's inputs may be posted.
"""

from __future__ import annotations

from decisions.models import Decision
from notifications import webhooks
from notifications.services import absolute_url

LOGGED = "decision_logged"


def logged_data(decision: Decision) -> dict:
    """A JSON webhook's `data` for a logged proposal (no query: what `log_decision` made is loaded)."""
    goal = decision.goal
    return {"decision": {
        "id": decision.pk,
        "title": decision.title,
        "description": decision.description,
        "purpose_effect": decision.purpose_effect,
        "metric_effect": decision.metric_effect,
        "verdict": decision.verdict,
        "verdict_label": str(decision.get_verdict_display()),
        "recommended_outcome": str(decision.recommended_outcome),
        "investment": {"amount": decision.investment_amount,
                       "until": decision.investment_until.isoformat() if decision.investment_until else None}
        if decision.is_conscious_investment else None,
        "goal": {"id": goal.pk, "objective": goal.objective} if goal else None,
        "charter_version": decision.charter.number if decision.charter else None,
        "review_on": decision.review_on.isoformat() if decision.review_on else None,
        "logged_by": webhooks.person(decision.logged_by),
        "logged_at": decision.logged_at.isoformat(timespec="seconds"),
        "url": absolute_url(decision.get_absolute_url()),
    }}


def post_logged(decision: Decision) -> list[int]:
    """Post a logged proposal once (keyed by the decision), inside the logging transaction."""
    team = decision.team
    text = f"{team.name} logged a decision: {decision.title}\nVerdict: {decision.get_verdict_display()}."
    return webhooks.post_event(team=team, event=LOGGED, key=f"decision-{decision.pk}", text=text,
                               url=decision.get_absolute_url(), link_label="Read the decision",
                               data=lambda: logged_data(decision))
