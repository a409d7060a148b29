"""Commitments and renegotiations: the team's list and one commitment as their pages show them, and every action
the pages offer, through `checkins.services` with the capability each page asks.

What a person types is validated by the page's own form (`CommitmentForm`, `RenegotiationForm`,
`DecideRenegotiationForm`); the questions the pages ask before an overloaded person takes more on (or before a
leader asks an overloaded person) are 409 problems here, answered by sending again with the answer
(`overload_note`, `overload_warned_for`).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from alignment.errors import ActionRefused
from alignment.permissions import Capability, TeamAccess
from api import access
from api.endpoints.checkins import Composed, GoalRef, PersonRef, form_errors, invalid, person
from api.endpoints.teams import absolute
from checkins import selectors, services
from checkins.forms import CommitmentForm, DecideRenegotiationForm, RenegotiationForm
from checkins.models import Commitment, Renegotiation

router = Router(tags=["Commitments and renegotiations"])
team_path = "/organisations/{org}/teams/{team}"
AREA = "commitments"


class CommitmentOut(Schema):
    id: int
    title: str
    standard: str
    due_on: date
    due: str = Field(description="When it is due, in words, on the team's calendar: “2 weeks overdue (due Wed 11 Nov)”")
    overdue: bool
    state: str = Field(description="requested (asked, not yet accepted), open, done, dropped or declined")
    owner: PersonRef
    goal: GoalRef | None
    version: int = Field(description="Send it back to mark the commitment done")
    agreed_at: datetime | None
    created_at: datetime
    url: str

    @staticmethod
    def resolve_due(commitment) -> str:
        return commitment.due_phrase(selectors.team_today(commitment.team))

    @staticmethod
    def resolve_overdue(commitment) -> bool:
        return commitment.is_overdue(selectors.team_today(commitment.team))

    @staticmethod
    def resolve_owner(commitment) -> PersonRef:
        return person(commitment.owner)

    @staticmethod
    def resolve_goal(commitment) -> GoalRef | None:
        return GoalRef(id=commitment.goal.pk, objective=commitment.goal.objective) if commitment.goal else None

    @staticmethod
    def resolve_url(commitment) -> str:
        return absolute(commitment.get_absolute_url())


class RenegotiationOut(Schema):
    id: int
    kind: str = Field(description="defer, rescope, hand_over or drop")
    state: str = Field(description="pending, accepted or declined")
    reason: str
    asked_by: PersonRef
    asked_at: datetime
    was_due_on: date
    was_standard: str
    was_owner: PersonRef
    proposed_due_on: date | None
    proposed_standard: str
    proposed_owner: PersonRef | None
    decided_by: PersonRef | None
    decided_at: datetime | None
    comment: str

    @staticmethod
    def resolve_asked_by(renegotiation) -> PersonRef:
        return person(renegotiation.asked_by)

    @staticmethod
    def resolve_was_owner(renegotiation) -> PersonRef:
        return person(renegotiation.was_owner)

    @staticmethod
    def resolve_proposed_owner(renegotiation) -> PersonRef | None:
        return person(renegotiation.proposed_owner)

    @staticmethod
    def resolve_decided_by(renegotiation) -> PersonRef | None:
        return person(renegotiation.decided_by)


class CommitmentMay(Schema):
    renegotiate: bool
    mark_done: bool
    answer_request: bool
    decide_renegotiations: bool


class CommitmentDetailOut(CommitmentOut):
    history: list[RenegotiationOut]
    pending_renegotiation: int | None
    first_owner: PersonRef
    was_asked: bool = Field(description="A leader asked its first owner for it")
    may: CommitmentMay = Field(description="What the caller may do with it now")


def _detail(team_access: TeamAccess, commitment_id: int) -> Composed:
    page = selectors.commitment_page(team_access, commitment_id)
    if page is None:
        raise Http404("No such commitment")
    return Composed(page.commitment, history=page.history,
                    pending_renegotiation=page.pending.pk if page.pending else None,
                    first_owner=person(page.first_owner), was_asked=page.was_asked, may=asdict(page.may))


def _exists(team_access: TeamAccess, commitment_id: int) -> None:
    if not Commitment.objects.filter(team=team_access.team, pk=commitment_id).exists():
        raise Http404("No such commitment")


@router.get(team_path + "/commitments", response=list[CommitmentOut],
            summary="The team's commitments, soonest due first (everyone in the team reads them)",
            description="`mine=true`: only the caller's own. `state`: only those in that state.")
@paginate(CursorPagination, ordering=("due_on", "pk"))
def commitments(request: HttpRequest, org: str, team: str, mine: bool = False, state: str = ""):
    team_access = access.team(request, org, team, Capability.READ_TEAM, area=AREA)
    found = Commitment.objects.filter(team=team_access.team).select_related("owner", "goal", "team__organisation")
    if mine:
        found = found.filter(owner=team_access.user)
    return found.filter(state=state) if state else found


class CommitmentIn(Schema):
    title: str
    standard: str = Field(description="What done looks like, so anyone can tell")
    due_on: date
    goal: int | None = Field(None, description="A goal of the charter in force it serves")
    overload_note: str | None = Field(None, description=(
        "When your latest check-in says you are overloaded: why you take this on anyway (send \"\" to say "
        "nothing). Without it, an overloaded person is refused with a 409, as the page asks first."))


class AskIn(Schema):
    owner: int = Field(description="The person of the team asked to commit")
    title: str
    standard: str
    due_on: date
    goal: int | None = None
    overload_warned_for: int | None = Field(None, description=(
        "The person's id, once you were told (a 409) that their latest check-in says they are overloaded "
        "and you ask anyway: it is recorded that you asked knowingly."))


def _commitment_form(body, page: selectors.CommitmentsPage, *, asking: bool) -> CommitmentForm:
    data = {"title": body.title, "standard": body.standard, "due_on": body.due_on.isoformat(),
            "goal": "" if body.goal is None else str(body.goal)}
    if asking:
        data["owner"] = str(body.owner)
        return CommitmentForm(data, goals=page.goals, people=page.people)
    return CommitmentForm(data, goals=page.goals)


def _unknown_goal(body, page: selectors.CommitmentsPage) -> list[dict]:
    """A goal the form would quietly treat as none chosen: an API caller is told instead."""
    if body.goal is not None and body.goal not in {goal.pk for goal in page.goals}:
        return [{"where": "goal", "message": "Not a goal of the charter in force."}]
    return []


OVERLOADED = ("Your latest check-in says you are overloaded. Renegotiate one of your open commitments first, or "
              "send this again with `overload_note` saying why you take it on anyway.")


def _overload_note(team_access: TeamAccess, note: str | None) -> str | None:
    """What the page's overload question says for this person: None when they are not overloaded; refused, as the
    page asks first, when they are and have not answered."""
    if not selectors.is_overloaded(team_access.team, team_access.user):
        return None
    if note is None:
        raise ActionRefused(OVERLOADED)
    return note


@router.post(team_path + "/commitments", response={201: CommitmentDetailOut},
             summary="Commit to something yourself (members and facilitators)")
def create_commitment(request: HttpRequest, org: str, team: str, body: CommitmentIn):
    team_access = access.team(request, org, team, Capability.CHECK_IN, area=AREA, write=True)
    page = selectors.commitments_page(team_access.team)
    form = _commitment_form(body, page, asking=False)
    if (errors := _unknown_goal(body, page)) or not form.is_valid():
        return invalid(request, errors or form_errors(form))
    data = form.cleaned_data
    made = services.create_commitment(
        team=team_access.team, owner=request.user, actor=request.user, title=data["title"],
        standard=data["standard"], due_on=data["due_on"], goal=data["goal"],
        overload_note=_overload_note(team_access, body.overload_note))
    return Status(201, _detail(team_access, made.pk))


@router.post(team_path + "/commitments/requests", response={201: CommitmentDetailOut},
             summary="Ask someone of the team to commit (the team's leaders); it is theirs once they accept")
def ask_commitment(request: HttpRequest, org: str, team: str, body: AskIn):
    team_access = access.team(request, org, team, Capability.ANSWER_CHECKINS, area=AREA, write=True)
    page = selectors.commitments_page(team_access.team)
    form = _commitment_form(body, page, asking=True)
    if (errors := _unknown_goal(body, page)) or not form.is_valid():
        return invalid(request, errors or form_errors(form))
    data = form.cleaned_data
    owner = data["owner"]
    overloaded = selectors.asking_an_overloaded_person(team_access.team, owner, request.user)
    if overloaded and body.overload_warned_for != owner.pk:
        raise ActionRefused(f"{owner.name}'s latest check-in says they are overloaded. Ask someone else, or a "
                            f"later date, or send this again with `overload_warned_for: {owner.pk}` to ask anyway.")
    made = services.create_commitment(
        team=team_access.team, owner=owner, actor=request.user, title=data["title"], standard=data["standard"],
        due_on=data["due_on"], goal=data["goal"], asked_while_overloaded=overloaded)
    return Status(201, _detail(team_access, made.pk))


# After "/commitments/requests": a path parameter matches any word, so the fixed path goes first.
@router.get(team_path + "/commitments/{commitment_id}", response=CommitmentDetailOut,
            summary="One commitment with its history of renegotiations, and what the caller may do with it")
def commitment(request: HttpRequest, org: str, team: str, commitment_id: int):
    return _detail(access.team(request, org, team, Capability.READ_TEAM, area=AREA), commitment_id)


class AnswerIn(Schema):
    accept: bool
    overload_note: str | None = Field(None, description="As when committing yourself: asked when you are overloaded")


@router.post(team_path + "/commitments/{commitment_id}/answer", response=CommitmentDetailOut,
             summary="Accept or decline a commitment you were asked for")
def answer_request(request: HttpRequest, org: str, team: str, commitment_id: int, body: AnswerIn):
    team_access = access.team(request, org, team, Capability.CHECK_IN, area=AREA, write=True)
    _exists(team_access, commitment_id)
    note = _overload_note(team_access, body.overload_note) if body.accept else None
    services.answer_request(commitment_id=commitment_id, team=team_access.team, actor=request.user,
                            accept=body.accept, overload_note=note)
    return _detail(team_access, commitment_id)


class DoneIn(Schema):
    version: int = Field(description="The commitment's version you read")


@router.post(team_path + "/commitments/{commitment_id}/done", response=CommitmentDetailOut,
             summary="Say your open commitment's standard of completion is met")
def mark_done(request: HttpRequest, org: str, team: str, commitment_id: int, body: DoneIn):
    team_access = access.team(request, org, team, Capability.CHECK_IN, area=AREA, write=True)
    _exists(team_access, commitment_id)
    services.mark_commitment_done(commitment_id=commitment_id, team=team_access.team, actor=request.user,
                                  expected_version=body.version)
    return _detail(team_access, commitment_id)


class RenegotiationIn(Schema):
    kind: str = Field(description="defer, rescope, hand_over or drop")
    reason: str
    proposed_due_on: date | None = Field(None, description="To defer: the new date you can keep")
    proposed_standard: str = Field("", description="To rescope: the new standard of completion")
    proposed_owner: int | None = Field(None, description="To hand over: who it goes to")


@router.post(team_path + "/commitments/{commitment_id}/renegotiations", response={201: CommitmentDetailOut},
             summary="Ask the team's leaders to defer, rescope, hand over or drop your open commitment")
def renegotiate(request: HttpRequest, org: str, team: str, commitment_id: int, body: RenegotiationIn):
    team_access = access.team(request, org, team, Capability.CHECK_IN, area=AREA, write=True)
    page = selectors.commitment_page(team_access, commitment_id)
    if page is None:
        raise Http404("No such commitment")
    if body.proposed_owner is not None and body.proposed_owner not in {p.pk for p in page.people}:
        return invalid(request, [{"where": "proposed_owner", "message": "Not someone else of the team."}])
    form = RenegotiationForm({
        "kind": body.kind, "reason": body.reason,
        "proposed_due_on": body.proposed_due_on.isoformat() if body.proposed_due_on else "",
        "proposed_standard": body.proposed_standard,
        "proposed_owner": "" if body.proposed_owner is None else str(body.proposed_owner)}, people=page.people)
    if not form.is_valid():
        return invalid(request, form_errors(form))
    data = form.cleaned_data
    services.ask_to_renegotiate(
        commitment_id=commitment_id, team=team_access.team, actor=request.user, kind=data["kind"],
        reason=data["reason"], due_on=data["proposed_due_on"], standard=data["proposed_standard"],
        new_owner=data["proposed_owner"])
    return Status(201, _detail(team_access, commitment_id))


class DecisionIn(Schema):
    accept: bool
    comment: str = ""


@router.post(team_path + "/renegotiations/{renegotiation_id}/decision", response=CommitmentDetailOut,
             summary="Accept or decline a pending renegotiation (the team's leaders); answers with its commitment")
def decide_renegotiation(request: HttpRequest, org: str, team: str, renegotiation_id: int, body: DecisionIn):
    team_access = access.team(request, org, team, Capability.ANSWER_CHECKINS, area=AREA, write=True)
    commitment_id = Renegotiation.objects.filter(pk=renegotiation_id, commitment__team=team_access.team).values_list(
        "commitment_id", flat=True).first()
    if commitment_id is None:
        raise Http404("No such renegotiation")
    form = DecideRenegotiationForm({"comment": body.comment})
    if not form.is_valid():
        return invalid(request, form_errors(form))
    services.decide_renegotiation(renegotiation_id=renegotiation_id, team=team_access.team, actor=request.user,
                                  accept=body.accept, comment=form.cleaned_data["comment"])
    return _detail(team_access, commitment_id)
