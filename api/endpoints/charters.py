"""A team's charter: its versions (read), key results with where they stand, and their progress (read, record)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from alignment.permissions import Capability, TeamAccess
from api import access
from api.endpoints.teams import absolute
from charters import selectors, services
from charters.models import Charter, KeyResult, KeyResultProgress

router = Router(tags=["Charters and key results"])
team_path = "/organisations/{org}/teams/{team}"


class VersionFields(Schema):
    number: int
    state: str
    ratified_at: datetime | None
    superseded_at: datetime | None
    url: str


class VersionSummary(VersionFields):
    @staticmethod
    def resolve_url(charter) -> str:
        return absolute(charter.get_absolute_url())


class Purpose(Schema):
    statement: str
    serves: str
    outcome: str
    refuses: str


class NonNegotiableOut(Schema):
    title: str
    standard: str
    why: str


class BoundaryOut(Schema):
    area: str
    label: str
    guardrails: str
    set_by: str
    tags: list[str]


class KeyResultOut(Schema):
    id: int
    lineage: int
    metric: str
    unit: str
    start_value: Decimal | None
    target_value: Decimal | None
    current_value: Decimal | None
    confidence: str | None
    percent: int | None
    last_recorded_at: datetime | None


class GoalOut(Schema):
    id: int
    objective: str
    purpose_part: str
    tradeoff: str
    owner: str | None
    key_results: list[KeyResultOut]


class VersionOut(VersionFields):
    purpose: Purpose
    people: str
    process: str
    non_negotiables: list[NonNegotiableOut]
    boundaries: list[BoundaryOut]
    goals: list[GoalOut]


class ProgressOut(Schema):
    id: int
    key_result: int
    value: Decimal
    confidence: str
    note: str
    source: str
    recorded_by: str | None
    recorded_at: datetime

    @staticmethod
    def resolve_key_result(progress) -> int:
        return progress.lineage_id

    @staticmethod
    def resolve_recorded_by(progress) -> str | None:
        person = progress.recorded_by
        return (person.display_name or person.email) if person else None


class ProgressIn(Schema):
    value: Decimal
    confidence: KeyResultProgress.Confidence
    note: str = ""


def _key_result_out(kr: KeyResult) -> KeyResultOut:
    latest = kr.latest
    return KeyResultOut(id=kr.pk, lineage=kr.lineage_key, metric=kr.metric, unit=kr.unit,
                        start_value=kr.start_value, target_value=kr.target_value, current_value=latest.value,
                        confidence=latest.confidence or kr.confidence or None, percent=latest.percent,
                        last_recorded_at=latest.progress.recorded_at if latest.progress else None)


def _version_out(charter: Charter) -> VersionOut:
    content = selectors.load_content(charter)
    selectors.attach_latest_progress(content.key_results)
    return VersionOut(
        number=charter.number, state=charter.state, ratified_at=charter.ratified_at,
        superseded_at=charter.superseded_at, url=absolute(charter.get_absolute_url()),
        purpose=Purpose(statement=charter.purpose_statement, serves=charter.purpose_serves,
                        outcome=charter.purpose_outcome, refuses=charter.purpose_refuses),
        people=charter.people, process=charter.process,
        non_negotiables=[NonNegotiableOut(title=n.title, standard=n.standard, why=n.why)
                         for n in content.non_negotiables],
        boundaries=[BoundaryOut(area=b.area, label=b.label, guardrails=b.guardrails, set_by=b.set_by,
                                tags=b.tag_names) for b in content.boundaries],
        goals=[GoalOut(id=g.pk, objective=g.objective, purpose_part=g.purpose_part, tradeoff=g.tradeoff,
                       owner=(g.owner.display_name or g.owner.email) if g.owner else None,
                       key_results=[_key_result_out(kr) for kr in g.key_results_list]) for g in content.goals],
    )


def _readable(access_: TeamAccess):
    return Charter.objects.readable(in_team=access_.in_team).filter(team=access_.team)


def _in_force(access_: TeamAccess) -> Charter:
    charter = Charter.objects.active_for(access_.team)
    if charter is None:
        raise Http404("The team has no charter in force")
    charter.team = access_.team
    return charter


@router.get(team_path + "/charter", response=VersionOut, summary="The version in force")
def charter_in_force(request: HttpRequest, org: str, team: str):
    return _version_out(_in_force(access.team(request, org, team, area="charters")))


@router.get(team_path + "/charter/versions", response=list[VersionSummary],
            summary="Every version the caller may read: the team reads drafts and proposals too")
@paginate(CursorPagination, ordering=("-number",))
def versions(request: HttpRequest, org: str, team: str):
    return _readable(access.team(request, org, team, area="charters")).select_related("team__organisation")


@router.get(team_path + "/charter/versions/{number}", response=VersionOut, summary="One version, whole")
def version(request: HttpRequest, org: str, team: str, number: int):
    team_access = access.team(request, org, team, area="charters")
    charter = get_object_or_404(_readable(team_access), number=number)
    charter.team = team_access.team
    return _version_out(charter)


@router.get(team_path + "/key-results", response=list[KeyResultOut],
            summary="The key results of the version in force, with where each stands")
def key_results(request: HttpRequest, org: str, team: str):
    charter = _in_force(access.team(request, org, team, area="charters"))
    found = list(KeyResult.objects.filter(goal__charter=charter).order_by("goal__position", "position", "pk"))
    selectors.attach_latest_progress(found)
    return [_key_result_out(kr) for kr in found]


def _key_result(access_: TeamAccess, key_result_id: int) -> KeyResult:
    """A key result of a version the caller may read, by its id or its lineage's (the first version's) id."""
    readable = _readable(access_)
    return get_object_or_404(KeyResult.objects.filter(goal__charter__in=readable), pk=key_result_id)


@router.get(team_path + "/key-results/{key_result_id}/progress", response=list[ProgressOut],
            summary="A key result's readings, newest first, across the versions it lived through")
@paginate(CursorPagination, ordering=("-recorded_at", "-pk"))
def progress(request: HttpRequest, org: str, team: str, key_result_id: int):
    kr = _key_result(access.team(request, org, team, area="progress"), key_result_id)
    return KeyResultProgress.objects.filter(lineage_id=kr.lineage_key).select_related("recorded_by")


@router.post(team_path + "/key-results/{key_result_id}/progress", response={201: ProgressOut},
             summary="Record where a key result of the version in force stands (the team's leaders)")
def record_progress(request: HttpRequest, org: str, team: str, key_result_id: int, body: ProgressIn):
    team_access = access.team(request, org, team, Capability.RECORD_PROGRESS, area="progress", write=True)
    kr = get_object_or_404(KeyResult, pk=key_result_id, goal__charter__team=team_access.team)
    recorded = services.record_progress(key_result=kr, actor=request.auth.user, value=body.value,
                                        confidence=body.confidence, note=body.note)
    return Status(201, KeyResultProgress.objects.select_related("recorded_by").get(pk=recorded.pk))
