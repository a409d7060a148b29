"""Read-only queries for the decision log pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from alignment.models import Membership, User
from alignment.one_query import read_shaped
from alignment.pages import Paged, page_number
from alignment.row_urls import RowUrls
from charters.models import Charter, Goal
from decisions.models import INVESTMENT_DUE, Decision, DecisionOutcome


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


# A page of the log: the newest proposals first, older ones a page further each.
LOG_PAGE_SIZE = 25
# The conscious investments the log lists for the review, soonest due first; more are in the log's filter.
INVESTMENTS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class LogRow:
    """One proposal as the log lists it: plain values, its labels already in words."""

    url: str
    title: str
    purpose_effect: str
    metric_effect: str
    verdict: str  # the value, for the badge's class
    verdict_label: str
    outcome_label: str
    departs: bool  # the final decision goes against the verdict
    logged_at: datetime
    logged_by: str  # the person's name; empty when they are gone
    review_on: date | None = None  # when the team looks at it again
    review_due: bool = False  # that day has come in the team's zone


@dataclass(frozen=True, slots=True)
class InvestmentRow:
    """A conscious investment still to check at review."""

    url: str
    title: str
    key_result: str  # the metric it dents; empty when the key result is gone
    amount: str
    until: date | None


@dataclass(frozen=True)
class DecisionLogPage(Paged):
    """One page of a team's decision log, with the conscious investments to check at review."""

    verdict: str  # the verdict filtered by, or empty for all
    verdicts: list[tuple[str, str, bool]]  # the filter's choices: (value, label, whether it is the one chosen)
    decisions: list[LogRow]
    investments: list[InvestmentRow]
    more_investments: bool  # more are due than shown: the log filtered by verdict lists them all


def decision_log_page(team, *, verdict: str = "", page: str | int | None = 1) -> DecisionLogPage:
    """A page of the team's decisions, newest first, and the investments to check, in 2 queries.

    Reads as many rows as a page shows whatever the length of the team's history: the log by
    `decision_log` (or `decision_log_verdict`), the investments by `decision_investments_due`.
    `team` has its organisation loaded.
    """
    verdict = verdict if verdict in Decision.Verdict.values else ""
    number = page_number(page)
    labels = {field: _labels(choices) for field, choices in (
        ("purpose_effect", Decision.PurposeEffect.choices), ("metric_effect", Decision.MetricEffect.choices),
        ("verdict", Decision.Verdict.choices), ("outcome", Decision.Outcome.choices))}
    urls = RowUrls("decisions:detail", team.organisation.slug, team.slug)

    found = read_shaped(_log_rows, shape={"start": (number - 1) * LOG_PAGE_SIZE, "by_verdict": bool(verdict)},
                        team=team.pk, **({"verdict": verdict} if verdict else {}))
    today = timezone.localdate(timezone=team.zone)
    rows = [
        LogRow(url=urls.of(pk), title=title, purpose_effect=labels["purpose_effect"][purpose_effect],
               metric_effect=labels["metric_effect"][metric_effect], verdict=row_verdict,
               verdict_label=labels["verdict"][row_verdict], outcome_label=labels["outcome"][outcome],
               departs=Decision.departs(row_verdict, outcome), logged_at=logged_at,
               # A person's name has one home, User.name: asked of the two columns it reads.
               logged_by=User(display_name=display_name, email=email).name if email else "",
               review_on=review_on, review_due=review_on is not None and review_on <= today)
        for pk, title, purpose_effect, metric_effect, row_verdict, outcome, logged_at, display_name, email, review_on
        in found[:LOG_PAGE_SIZE]
    ]
    investments = investments_to_check(team)
    return DecisionLogPage(
        verdict=verdict, verdicts=[(value, label, value == verdict) for value, label in labels["verdict"].items()], decisions=rows,
        investments=[InvestmentRow(url=urls.of(pk), title=title, key_result=metric or "", amount=amount, until=until)
                     for pk, title, metric, amount, until in investments[:INVESTMENTS_SHOWN]],
        more_investments=len(investments) > INVESTMENTS_SHOWN,
        number=number, has_next=len(found) > LOG_PAGE_SIZE,
    )




def _log_rows(team: int, start: int, by_verdict: bool, verdict: str = ""):
    """query: a page of the team's decisions, newest first, and one more: it says whether there is an older one"""
    decisions = Decision.objects.filter(team_id=team)
    if by_verdict:
        decisions = decisions.filter(verdict=verdict)
    return decisions.values_list(
        "pk", "title", "purpose_effect", "metric_effect", "verdict", "outcome", "logged_at",
        "logged_by__display_name", "logged_by__email", "review_on")[start:start + LOG_PAGE_SIZE + 1]


def _labels(choices) -> dict[str, str]:
    """A choice's labels by value, each translated once for the page rather than once a row."""
    return {value: str(label) for value, label in choices}


def investments_to_check(team) -> list[tuple]:
    """Conscious investments not declined whose horizon has not long passed, soonest due first (1 query).

    What the review checks: an investment still running, or whose horizon passed within the
    last review cycle (older ones were the business of an earlier review). At most one more
    than `INVESTMENTS_SHOWN`, as (pk, title, key result's metric, amount, until).
    """
    since = timezone.localdate(timezone=team.zone) - timedelta(weeks=team.review_cadence_weeks)
    return read_shaped(_investments_due, team=team.pk, since=since)


def _investments_due(team: int, since: date):
    return (Decision.objects.filter(team_id=team, verdict=Decision.Verdict.CONSCIOUS_INVESTMENT)
            .exclude(outcome=Decision.Outcome.DECLINE)
            .alias(due=INVESTMENT_DUE).filter(due__gte=since).order_by("due", "pk")
            .values_list("pk", "title", "key_result__metric", "investment_amount", "investment_until")
            [:INVESTMENTS_SHOWN + 1])


def decisions_for_page(team) -> QuerySet[Decision]:
    """One decision with everything its page shows, in 1 query once filtered by pk."""
    return team.decisions.select_related("logged_by", "decided_by", "reviewed_by", "goal", "key_result", "charter")


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
