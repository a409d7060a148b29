"""The decision log: read it as its pages do (the team and the organisation's admins), and log a proposal.

A decision's verdict is the one `Decision.rule` gave it when it was logged (`decisions.services.log_decision`);
its reason, its recommendation and whether the final call departs from it are asked of the model, as the
decision's page asks them.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from alignment.permissions import Capability
from api import access
from api.endpoints.checkins import Composed, GoalRef, PersonRef, form_errors, invalid, person
from api.endpoints.teams import absolute
from decisions import selectors, services
from decisions.forms import DecisionForm

router = Router(tags=["Decision log"])
team_path = "/organisations/{org}/teams/{team}"
AREA = "decisions"


class DecisionSummary(Schema):
    id: int
    title: str
    purpose_effect: str = Field(description="advances, neutral or harms")
    metric_effect: str = Field(description="improves, neutral or dents")
    verdict: str = Field(description="What the team's purpose says: yes, conscious_investment, not_aligned, noise, no")
    verdict_label: str
    outcome: str = Field(description="The final call: pending, proceed or decline")
    departs: bool = Field(description="The final call goes against what the verdict recommends")
    logged_at: datetime
    logged_by: PersonRef | None
    review_on: date | None
    url: str

    @staticmethod
    def resolve_verdict_label(decision) -> str:
        return decision.get_verdict_display()

    @staticmethod
    def resolve_departs(decision) -> bool:
        return decision.is_departure

    @staticmethod
    def resolve_logged_by(decision) -> PersonRef | None:
        return person(decision.logged_by)

    @staticmethod
    def resolve_url(decision) -> str:
        return absolute(decision.get_absolute_url())


class KeyResultRef(Schema):
    id: int
    metric: str


class CallOut(Schema):
    outcome: str
    reason: str
    decided_by: PersonRef | None
    decided_at: datetime

    @staticmethod
    def resolve_decided_by(call) -> PersonRef | None:
        return person(call.decided_by)


class DecisionOut(DecisionSummary):
    description: str = Field(description="Markdown")
    verdict_reason: str = Field(description="Why the decision rule gives this verdict")
    recommended_outcome: str = Field(description="What the verdict recommends: proceed or decline")
    charter_version: int | None = Field(description="The charter version in force when it was logged")
    goal: GoalRef | None
    key_result: KeyResultRef | None = Field(description="A conscious investment: the key result it dents")
    investment_amount: str
    investment_until: date | None
    outcome_reason: str
    decided_by: PersonRef | None
    decided_at: datetime | None
    reviewed_at: datetime | None
    calls: list[CallOut] = Field(description="Every final call on it, newest first")
    final_call_note: str = Field(description="Who makes the final call, for a caller who cannot make it")

    @staticmethod
    def resolve_recommended_outcome(decision) -> str:
        return decision.recommended_outcome

    @staticmethod
    def resolve_charter_version(decision) -> int | None:
        return decision.charter.number if decision.charter else None

    @staticmethod
    def resolve_goal(decision) -> GoalRef | None:
        return GoalRef(id=decision.goal.pk, objective=decision.goal.objective) if decision.goal else None

    @staticmethod
    def resolve_key_result(decision) -> KeyResultRef | None:
        kr = decision.key_result
        return KeyResultRef(id=kr.pk, metric=kr.metric) if kr else None

    @staticmethod
    def resolve_decided_by(decision) -> PersonRef | None:
        return person(decision.decided_by)


@router.get(team_path + "/decisions", response=list[DecisionSummary],
            summary="The team's decision log, newest first (the team and the organisation's admins read it)",
            description="`verdict`: only decisions with that verdict.")
@paginate(CursorPagination, ordering=("-logged_at", "-pk"))
def decisions(request: HttpRequest, org: str, team: str, verdict: str = ""):
    team_access = access.team(request, org, team, Capability.READ_SUMMARY, area=AREA)
    found = team_access.team.decisions.select_related("logged_by", "team__organisation")
    return found.filter(verdict=verdict) if verdict else found


def _decision_out(team_access, decision_id: int) -> Composed:
    decision = selectors.decisions_for_page(team_access.team).filter(pk=decision_id).first()
    if decision is None:
        raise Http404("No such decision")
    decision.team = team_access.team
    page = selectors.decision_page(decision, access=team_access)
    return Composed(decision, calls=page.calls,
                    final_call_note="" if team_access.may_record_outcome else page.final_call_note)


@router.get(team_path + "/decisions/{decision_id}", response=DecisionOut,
            summary="One decision: its verdict and why, and the history of its final call")
def decision(request: HttpRequest, org: str, team: str, decision_id: int):
    return _decision_out(access.team(request, org, team, Capability.READ_SUMMARY, area=AREA), decision_id)


class ProposalIn(Schema):
    title: str
    description: str = Field("", description="Markdown")
    purpose_effect: str = Field(description="advances, neutral or harms")
    metric_effect: str = Field(description="improves, neutral or dents")
    goal: int | None = Field(None, description="A goal of the charter in force")
    key_result: int | None = Field(None, description="A conscious investment names the key result it dents")
    investment_amount: str = Field("", description="A conscious investment: how much the key result may drop")
    investment_until: date | None = Field(None, description="A conscious investment: until when")
    review_on: date | None = Field(None, description="When the team should look at it again")
    idempotency_key: uuid.UUID | None = Field(None, description=(
        "Any new UUID per proposal: sending the same proposal again with it answers 200 with the decision the "
        "first call logged, instead of logging it twice"))


@router.post(team_path + "/decisions", response={201: DecisionOut, 200: DecisionOut},
             summary="Log a proposal: the decision rule judges it by the team's purpose (everyone in the team)")
def log_decision(request: HttpRequest, org: str, team: str, body: ProposalIn):
    team_access = access.team(request, org, team, Capability.LOG_DECISION, area=AREA, write=True)
    page = selectors.proposal_form_page(team_access.team)
    form = DecisionForm({name: "" if value is None else str(value) for name, value in body.dict().items()},
                        goals=page.goals)
    if not form.is_valid():
        return invalid(request, form_errors(form))
    try:
        logged = services.log_decision(team=team_access.team, actor=request.user, **form.cleaned_data)
    except services.AlreadyLogged as already:
        return Status(200, _decision_out(team_access, already.decision.pk))
    return Status(201, _decision_out(team_access, logged.pk))
