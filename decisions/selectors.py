"""Read-only queries for the decision log pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from alignment.models import Membership
from charters.models import Charter, Goal
from decisions.models import Decision, DecisionOutcome

# The log shows the newest proposals; older ones stay in the database and the admin.
LOG_LENGTH = 200


def active_charter(team) -> Charter | None:
    """The charter version in force: decisions are judged against it and link to its goals."""
    return Charter.objects.active_for(team)


@dataclass(frozen=True)
class ProposalFormPage:
    """What the log-a-proposal form judges against, and whether this very form was already submitted."""

    charter: Charter | None  # the purpose in force; None until the team ratifies its first charter
    goals: list[Goal]
    already_logged: Decision | None  # what this form's key logged, when someone comes Back to it


def proposal_form_page(team, *, key: uuid.UUID | None = None) -> ProposalFormPage:
    """The active charter, for its purpose, its goals, and what `key` logged (1–3 queries)."""
    active = active_charter(team)
    return ProposalFormPage(
        charter=active,
        goals=list(Goal.objects.filter(charter=active)) if active else [],
        already_logged=team.decisions.filter(idempotency_key=key).first() if key else None,
    )


def decision_log(team, *, verdict: str = "") -> list[Decision]:
    """The newest decisions, with everyone and everything the log shows, in 1 query."""
    decisions = team.decisions.select_related("logged_by", "decided_by", "key_result", "goal")
    if verdict in Decision.Verdict.values:
        decisions = decisions.filter(verdict=verdict)
    return list(decisions[:LOG_LENGTH])


def investments_to_check(team) -> list[Decision]:
    """Conscious investments not declined, soonest due first: what the review checks (1 query)."""
    return list(
        team.decisions.filter(verdict=Decision.Verdict.CONSCIOUS_INVESTMENT)
        .exclude(outcome=Decision.Outcome.DECLINE).select_related("key_result")
        .order_by("investment_until")
    )


def decisions_for_page(team) -> QuerySet[Decision]:
    """One decision with everything its page shows, in 1 query once filtered by pk."""
    return team.decisions.select_related("logged_by", "decided_by", "goal", "key_result", "charter")


def leaders(team) -> list:
    """The people who make the team's final calls, by name (1 query)."""
    memberships = (Membership.objects.leaders().filter(team=team).select_related("user")
                   .order_by("user__display_name", "user__email"))
    return [membership.user for membership in memberships]


def final_call_note(people) -> str:
    """Who makes the final call, told to someone who cannot make it; `people` are the team's leaders."""
    if not people:
        return _("The team has no leader yet to make the final call.")
    return _("The team's leaders make the final call: %(names)s.") % {
        "names": get_text_list([person.name for person in people], _("and")),
    }


@dataclass(frozen=True)
class DecisionPage:
    """One decision as its page shows it to one reader."""

    decision: Decision
    calls: list[DecisionOutcome]  # every final call on it, newest first
    leaders: list  # who makes the final call; loaded only for a reader who cannot make it

    @property
    def current_call(self) -> DecisionOutcome | None:
        """The call in force: the newest, unless none was ever made."""
        return self.calls[0] if self.calls else None

    @property
    def final_call_note(self) -> str:
        return final_call_note(self.leaders)


def decision_page(decision: Decision, *, access) -> DecisionPage:
    """The history of the decision's final call, and its leaders for someone who cannot make it (1–2 queries).

    `decision` comes from `decisions_for_page`.
    """
    calls = list(decision.outcomes.select_related("decided_by"))
    return DecisionPage(decision=decision, calls=calls,
                        leaders=[] if access.may_record_outcome else leaders(access.team))
