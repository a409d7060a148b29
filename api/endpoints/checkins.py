"""Check-ins: a team's week as its page shows it to the caller, one check-in, and the caller's own check-in.

Every rule is asked where the pages ask it: `alignment.permissions` for the capability (the week's summary
`READ_SUMMARY`, a check-in `READ_TEAM`, one's own `CHECK_IN`), `checkins.permissions` for whose check-in a
reader may read, `checkins.selectors` for the pages (with the small-team privacy of their counts). One's own
check-in is written as the web form writes it: the body becomes the form's post, `CheckInForm` validates it and
builds the `CheckInContent`, and `checkins.services.save_draft` / `submit_checkin` save it with the version
(and fingerprint) the caller read, compare-and-set.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import CursorPagination, paginate

from alignment import permissions as team_permissions
from alignment.errors import ConcurrentEditError
from alignment.permissions import Capability, TeamAccess
from alignment.weeks import TeamWeek, current_week, week_starting
from api import access, problems
from api.endpoints.teams import absolute
from checkins import permissions, selectors, services
from checkins.content import saved_carried
from checkins.forms import MAX_BLOCKER_ROWS, RESOLVED, STILL_OPEN, CheckInForm, posted_carried
from checkins.models import Blocker, CheckIn, KeyResultUpdate, refusal_to_edit

router = Router(tags=["Check-ins"])
team_path = "/organisations/{org}/teams/{team}"
AREA = "checkins"
WEEK_HELP = "The week's Monday as YYYY-MM-DD, in the team's calendar, or “current”."


# Shared pieces (the commitments and decisions modules use them too) ---------------------------------------


class PersonRef(Schema):
    id: int
    name: str


class GoalRef(Schema):
    id: int
    objective: str


class Composed:
    """An object and the values its page computed beside it, read by a schema as one object (its resolvers too)."""

    def __init__(self, obj, **values):
        self._obj = obj
        self.__dict__.update(values)

    def __getattr__(self, name: str):
        if name == "_obj":  # not set yet (a copy being made): not the wrapped object's to answer
            raise AttributeError(name)
        return getattr(self._obj, name)


def person(user) -> PersonRef | None:
    return PersonRef(id=user.pk, name=user.name) if user is not None else None


def form_errors(form) -> list[dict]:
    """A Django form's errors as a problem document lists them, each field named as the API body names it."""
    return [{"where": _api_field(name), "message": str(message)}
            for name, messages in form.errors.items() for message in messages]


def _api_field(name: str) -> str:
    parts = name.split("_")
    if name.startswith("blocker_") and len(parts) == 3:
        return f"blockers.{parts[1]}.{'who_could_help' if parts[2] == 'who' else parts[2]}"
    if name.startswith("kr_") and len(parts) == 3:
        return f"key_results.{parts[1]}.{parts[2]}"
    if name.startswith("carried_"):
        return f"carried.{parts[1]}"
    return "body" if name == "__all__" else name


def invalid(request: HttpRequest, errors: list[dict]):
    return problems.problem(request, 422, "Some values are missing or invalid.", kind="invalid", errors=errors)


# The team's week ------------------------------------------------------------------------------------------


class PersonWeekOut(Schema):
    person: PersonRef
    state: str = Field(description="missing, draft or submitted")
    late: bool
    acknowledged: bool


class ShownCountOut(Schema):
    count: int | None = Field(description="None when the team's small-team privacy hides it")
    shown: str = Field(description="The count as the page shows it: a number, or “fewer than N”")


class LoadOut(ShownCountOut):
    load: str
    label: str


class StrainNote(Schema):
    person: PersonRef | None
    note: str


class StrainOut(ShownCountOut):
    non_negotiable: str
    notes: list[StrainNote] = Field(description="Only for readers of the team's check-ins")


class BoundaryQuestion(Schema):
    person: PersonRef
    question: str


class UnclearLine(Schema):
    text: str
    url: str


class OpenBlockerOut(Schema):
    id: int
    what: str
    raised_by: PersonRef
    age_days: int
    who_could_help: PersonRef | None = Field(description="None: the team's leader")
    goal: str | None


class PendingRenegotiationOut(Schema):
    id: int
    kind: str
    reason: str
    commitment: int
    title: str
    owner: PersonRef
    proposed_due_on: date | None
    proposed_standard: str
    proposed_owner: PersonRef | None


class RequestedCommitmentOut(Schema):
    id: int
    title: str
    asked_of: PersonRef
    due_on: date


class ConfidenceDropOut(Schema):
    key_result: int
    metric: str
    was: str
    now: str
    value: Decimal | None


class WeekCounts(Schema):
    submitted: int
    draft: int
    missing: int


class TeamWeekOut(Schema):
    week: date
    label: str
    due_at: datetime
    reads_checkins: bool = Field(description="Whether the caller reads the check-ins' words, not only the summary")
    counts: WeekCounts
    people: list[PersonWeekOut]
    load: list[LoadOut]
    strains: list[StrainOut]
    boundary_question_count: int
    boundary_questions: list[BoundaryQuestion] = Field(description="Only for readers of the team's check-ins")
    unclear_elsewhere: list[UnclearLine]
    open_blockers: list[OpenBlockerOut]
    pending_renegotiations: list[PendingRenegotiationOut]
    requested_commitments: list[RequestedCommitmentOut]
    confidence_drops: list[ConfidenceDropOut]
    checkins: str = Field(description="The week's check-ins the caller may read")
    url: str


def week_named(team, value: str) -> TeamWeek:
    """The team's week a path names: its Monday, or "current"."""
    if value == "current":
        return current_week(team)
    try:
        return week_starting(team, date.fromisoformat(value))
    except ValueError:
        raise HttpError(422, "A week is named by its Monday, as YYYY-MM-DD, or “current”.") from None


def _week_url(team, week: TeamWeek) -> str:
    return absolute(reverse("checkins:week", args=[team.organisation.slug, team.slug])
                    + f"?week={week.monday.isoformat()}")


def _shown(count) -> dict:
    return {"count": count.number, "shown": str(count)}


def _team_week_out(team_access: TeamAccess, week: TeamWeek) -> TeamWeekOut:
    team = team_access.team
    page = selectors.team_week_page(team_access, week, today=selectors.team_today(team), with_pulse=True)
    reads = page.may_read_checkins
    loads = [LoadOut(load=value, label=str(label), **_shown(count))
             for (value, _), (label, count) in zip(CheckIn.Load.choices, page.load, strict=True)]
    return TeamWeekOut(
        week=week.monday, label=week.label, due_at=week.due_at(team.checkin_weekday, team.checkin_time),
        reads_checkins=reads, counts=WeekCounts(**page.counts),
        people=[PersonWeekOut(person=person(row.person),
                              state="missing" if row.is_missing else "draft" if row.is_draft else "submitted",
                              late=row.is_submitted and row.checkin.is_late,
                              acknowledged=row.is_submitted and row.checkin.is_acknowledged)
                for row in page.people],
        load=loads,
        strains=[StrainOut(non_negotiable=strain.non_negotiable.title, **_shown(strain.count),
                           notes=[StrainNote(person=person(who), note=note) for who, note in strain.notes]
                           if reads else []) for strain in page.strains],
        boundary_question_count=len(page.boundary_questions),
        boundary_questions=[BoundaryQuestion(person=person(c.author), question=c.boundary_question)
                            for c in page.boundary_questions] if reads else [],
        unclear_elsewhere=[UnclearLine(text=line.text, url=absolute(line.url) if line.url.startswith("/")
                                       else line.url) for line in page.unclear_elsewhere],
        open_blockers=[OpenBlockerOut(id=item.blocker.pk, what=item.blocker.what,
                                      raised_by=person(item.blocker.check_in.author), age_days=item.age_days,
                                      who_could_help=person(item.blocker.who_could_help),
                                      goal=item.blocker.goal.objective if item.blocker.goal else None)
                       for item in page.open_blockers],
        pending_renegotiations=[PendingRenegotiationOut(
            id=r.pk, kind=r.kind, reason=r.reason, commitment=r.commitment_id, title=r.commitment.title,
            owner=person(r.commitment.owner), proposed_due_on=r.proposed_due_on, proposed_standard=r.proposed_standard,
            proposed_owner=person(r.proposed_owner)) for r in page.pending_renegotiations],
        requested_commitments=[RequestedCommitmentOut(id=c.pk, title=c.title, asked_of=person(c.owner), due_on=c.due_on)
                               for c in page.requested_commitments],
        confidence_drops=[ConfidenceDropOut(key_result=drop.key_result.pk, metric=drop.key_result.metric,
                                            was=drop.was.confidence, now=drop.now.confidence, value=drop.now.value)
                          for drop in page.confidence_drops],
        checkins=absolute(reverse("api:v1:week_checkins", kwargs={
            "org": team.organisation.slug, "team": team.slug, "week": week.monday.isoformat()})),
        url=_week_url(team, week),
    )


@router.get(team_path + "/checkins/weeks/{week}", response=TeamWeekOut,
            summary="A team's week: who checked in, open blockers, load and the charter's pulse",
            description=("As the team's week page shows it to the caller: everyone in the team and the "
                         "organisation's admins read the summary, with every count of load and strain below the "
                         "team's privacy minimum shown as “fewer than N”; the notes and questions in people's "
                         "words only for readers of the team's check-ins. `week`: " + WEEK_HELP))
def team_week(request: HttpRequest, org: str, team: str, week: str):
    team_access = access.team(request, org, team, Capability.READ_SUMMARY, area=AREA)
    return _team_week_out(team_access, week_named(team_access.team, week))


# One check-in ---------------------------------------------------------------------------------------------


class BlockerOut(Schema):
    id: int
    position: int
    what: str
    who_could_help: PersonRef | None = Field(description="None: the team's leader")
    goal: GoalRef | None
    opened_at: datetime
    resolved_at: datetime | None
    resolved_by: PersonRef | None
    resolution: str

    @staticmethod
    def resolve_who_could_help(blocker) -> PersonRef | None:
        return person(blocker.who_could_help)

    @staticmethod
    def resolve_goal(blocker) -> GoalRef | None:
        return GoalRef(id=blocker.goal.pk, objective=blocker.goal.objective) if blocker.goal else None

    @staticmethod
    def resolve_resolved_by(blocker) -> PersonRef | None:
        return person(blocker.resolved_by)


class KeyResultUpdateOut(Schema):
    key_result: int
    metric: str
    unit: str
    value: Decimal | None
    confidence: str

    @staticmethod
    def resolve_metric(update) -> str:
        return update.key_result.metric

    @staticmethod
    def resolve_unit(update) -> str:
        return update.key_result.unit

    @staticmethod
    def resolve_key_result(update) -> int:
        return update.key_result_id


class NonNegotiableRef(Schema):
    id: int
    title: str


class CheckInOut(Schema):
    id: int
    week: date
    author: PersonRef
    state: str
    submitted_at: datetime | None
    late: bool
    progress: str
    highlights: str
    load: str
    strained_non_negotiable: NonNegotiableRef | None
    strain_note: str
    boundary_question: str
    acknowledged_at: datetime | None
    acknowledged_by: PersonRef | None
    blockers: list[BlockerOut]
    key_results: list[KeyResultUpdateOut]
    url: str

    @staticmethod
    def resolve_author(checkin) -> PersonRef:
        return person(checkin.author)

    @staticmethod
    def resolve_late(checkin) -> bool:
        return checkin.is_late

    @staticmethod
    def resolve_strained_non_negotiable(checkin) -> NonNegotiableRef | None:
        strained = checkin.strained_non_negotiable
        return NonNegotiableRef(id=strained.pk, title=strained.title) if strained else None

    @staticmethod
    def resolve_acknowledged_by(checkin) -> PersonRef | None:
        return person(checkin.acknowledged_by)

    # Prefetched for a list; a check-in's page loads its own (`page_blockers`, `page_updates`).
    @staticmethod
    def resolve_blockers(checkin) -> list:
        loaded = getattr(checkin, "page_blockers", None)
        return checkin.blockers.all() if loaded is None else loaded

    @staticmethod
    def resolve_key_results(checkin) -> list:
        loaded = getattr(checkin, "page_updates", None)
        return checkin.key_result_updates.all() if loaded is None else loaded

    @staticmethod
    def resolve_url(checkin) -> str:
        return absolute(checkin.get_absolute_url())


class ReplyOut(Schema):
    author: PersonRef
    body: str
    created_at: datetime


class CheckInDetailOut(CheckInOut):
    replies: list[ReplyOut] | None = Field(description="The thread between its author and the team's leaders; "
                                                       "None for anyone outside it")

    @staticmethod
    def resolve_replies(checkin) -> list[ReplyOut] | None:
        if checkin.page_replies is None:
            return None
        return [ReplyOut(author=person(r.author), body=r.body, created_at=r.created_at) for r in checkin.page_replies]


@router.get(team_path + "/checkins/weeks/{week}/checkins", response=list[CheckInOut],
            summary="The week's check-ins the caller may read",
            description=("Submitted check-ins for the team's leaders and facilitators (or everyone in the team "
                         "when its setting opens check-ins to the team), and the caller's own, draft or not. "
                         "`week`: " + WEEK_HELP))
@paginate(CursorPagination, ordering=("pk",))
def week_checkins(request: HttpRequest, org: str, team: str, week: str):
    team_access = access.team(request, org, team, Capability.READ_TEAM, area=AREA)
    return permissions.readable_checkins(team_access, CheckIn.objects.filter(
        team=team_access.team, week=week_named(team_access.team, week).monday)).select_related(
        "team__organisation", "author", "strained_non_negotiable", "acknowledged_by").prefetch_related(
        Prefetch("blockers", queryset=Blocker.objects.select_related("who_could_help", "goal", "resolved_by")),
        Prefetch("key_result_updates", queryset=KeyResultUpdate.objects.select_related("key_result")))


@router.get(team_path + "/checkins/{checkin_id}", response=CheckInDetailOut,
            summary="One check-in, with its blockers, key-result updates and (for its two sides) its thread",
            description="Read as its page is: a draft by its writer alone, a submitted one by its writer and the "
                        "readers of the team's check-ins; 403 for anyone else in the team.")
def checkin(request: HttpRequest, org: str, team: str, checkin_id: int):
    team_access = access.team(request, org, team, Capability.READ_TEAM, area=AREA)
    page = selectors.checkin_page(team_access, checkin_id)
    if page is None:
        raise Http404("No such check-in")
    if not permissions.may_read_checkin(team_access, page.checkin):
        raise PermissionDenied(team_permissions.REFUSALS[Capability.READ_CHECKINS])
    found = page.checkin
    found.page_blockers, found.page_updates, found.page_replies = page.blockers, page.updates, page.replies
    return found


# The caller's own check-in ----------------------------------------------------------------------------------


class BlockerRowOut(Schema):
    position: int
    what: str
    who_could_help: int | None
    goal: int | None


class MyKeyResult(Schema):
    id: int
    metric: str
    unit: str
    target_value: Decimal | None
    value: Decimal | None
    confidence: str


class CarriedOut(Schema):
    blocker: int
    what: str
    opened_at: datetime
    resolved: bool = Field(description="What this check-in says of it so far; acted on when it is submitted")
    resolution: str


class Choice(Schema):
    id: int
    label: str


class MyChoices(Schema):
    non_negotiables: list[Choice]
    goals: list[Choice]
    people: list[Choice]


class MyCheckInOut(Schema):
    week: date
    label: str
    due_at: datetime
    editable: bool
    refusal: str | None = Field(description="Why it can no longer change, in words; None while its week runs")
    version: int = Field(description="Send it back with the next save: a save from a stale version is a 409")
    fingerprint: str = Field(description="Send it back with a draft: what was saved beyond the words and load")
    state: str = Field(description="new (nothing saved yet), draft or submitted")
    submitted_at: datetime | None
    late: bool
    progress: str
    highlights: str
    load: str
    strained_non_negotiable: int | None
    strain_note: str
    boundary_question: str
    blockers: list[BlockerRowOut]
    key_results: list[MyKeyResult]
    carried: list[CarriedOut] = Field(description="Your blockers still open from earlier weeks: still in your way?")
    choices: MyChoices
    url: str


def _mine_out(team_access: TeamAccess, week: TeamWeek) -> MyCheckInOut:
    team, page = team_access.team, selectors.this_week_page(team_access, week)
    checkin = page.checkin
    refusal = refusal_to_edit(week, timezone.now())
    updates = {update.key_result_id: update for update in page.key_result_updates}
    answers = saved_carried(checkin.carried_answers or {}) if checkin is not None else {}
    return MyCheckInOut(
        week=week.monday, label=week.label, due_at=week.due_at(team.checkin_weekday, team.checkin_time),
        editable=refusal is None, refusal=refusal,
        version=checkin.version if checkin else 0, fingerprint=page.fingerprint,
        state=checkin.state if checkin else "new", submitted_at=checkin.submitted_at if checkin else None,
        late=bool(checkin and checkin.is_late), progress=checkin.progress if checkin else "",
        highlights=checkin.highlights if checkin else "", load=checkin.load if checkin else "",
        strained_non_negotiable=checkin.strained_non_negotiable_id if checkin else None,
        strain_note=checkin.strain_note if checkin else "",
        boundary_question=checkin.boundary_question if checkin else "",
        blockers=[BlockerRowOut(position=b.position, what=b.what, who_could_help=b.who_could_help_id, goal=b.goal_id)
                  for b in page.open_blockers],
        key_results=[MyKeyResult(id=kr.pk, metric=kr.metric, unit=kr.unit, target_value=kr.target_value,
                                 value=updates[kr.pk].value if kr.pk in updates else None,
                                 confidence=updates[kr.pk].confidence if kr.pk in updates else "")
                     for kr in page.key_results],
        carried=[CarriedOut(blocker=b.pk, what=b.what, opened_at=b.opened_at,
                            resolved=answers[b.pk].resolved if b.pk in answers else False,
                            resolution=answers[b.pk].resolution if b.pk in answers else "")
                 for b in page.carried_blockers],
        choices=MyChoices(non_negotiables=[Choice(id=n.pk, label=n.title) for n in page.non_negotiables],
                          goals=[Choice(id=g.pk, label=g.objective) for g in page.goals],
                          people=[Choice(id=p.pk, label=p.name) for p in page.people]),
        url=absolute(reverse("checkins:this_week", args=[team.organisation.slug, team.slug])),
    )


@router.get(team_path + "/checkins/weeks/{week}/mine", response=MyCheckInOut,
            summary="Your own check-in for a week, as the check-in form shows it (members and facilitators)",
            description=("What you saved, with the version and fingerprint to send back with your next save, the "
                         "key results you own, your blockers still open from earlier weeks, and the choices the form "
                         "offers. `week`: " + WEEK_HELP))
def my_checkin(request: HttpRequest, org: str, team: str, week: str):
    team_access = access.team(request, org, team, Capability.CHECK_IN, area=AREA)
    return _mine_out(team_access, week_named(team_access.team, week))


class BlockerIn(Schema):
    what: str = ""
    who_could_help: int | None = Field(None, description="A person of the team; None for the team's leader")
    goal: int | None = None


class KeyResultIn(Schema):
    key_result: int
    value: Decimal | None = None
    confidence: str = ""


class CarriedIn(Schema):
    blocker: int
    resolved: bool = False
    resolution: str = ""


class CheckInIn(Schema):
    """The whole check-in, as the form sends it: whatever is left out is saved blank."""

    version: int = Field(description="The version you read (0 before the first save)")
    fingerprint: str = Field("", description="The fingerprint you read with that version")
    progress: str = ""
    highlights: str = ""
    load: str = Field("", description="light, about_right or overloaded")
    strained_non_negotiable: int | None = None
    strain_note: str = ""
    boundary_question: str = ""
    blockers: list[BlockerIn] = Field(default_factory=list, description="Each row of the form, in order; "
                                                                        "a row left out or cleared is removed")
    key_results: list[KeyResultIn] = Field(default_factory=list)
    carried: list[CarriedIn] = Field(default_factory=list)


class SavedOut(Schema):
    version: int
    fingerprint: str
    state: str
    saved_at: datetime
    submitted_at: datetime | None
    late: bool


def _form_data(body: CheckInIn, week: TeamWeek) -> dict:
    """The body as the check-in form posts it: every blocker row (up to the form's most), key result and answer."""
    def text(value) -> str:
        return "" if value is None else str(value)

    data = {"version": text(body.version), "week": week.monday.isoformat(), "blocker_rows": str(MAX_BLOCKER_ROWS),
            "fingerprint": body.fingerprint, "progress": body.progress, "highlights": body.highlights,
            "load": body.load, "strained_non_negotiable": text(body.strained_non_negotiable),
            "strain_note": body.strain_note, "boundary_question": body.boundary_question}
    for n, row in enumerate(body.blockers):
        data.update({f"blocker_{n}_what": row.what, f"blocker_{n}_who": text(row.who_could_help),
                     f"blocker_{n}_goal": text(row.goal)})
    for entry in body.key_results:
        data.update({f"kr_{entry.key_result}_value": text(entry.value),
                     f"kr_{entry.key_result}_confidence": entry.confidence})
    for item in body.carried:
        data.update({f"carried_{item.blocker}": RESOLVED if item.resolved else STILL_OPEN,
                     f"carried_{item.blocker}_resolution": item.resolution})
    return data


def _unknown_ids(body: CheckInIn, choices: selectors.CheckInChoices) -> list[dict]:
    """Ids the form would quietly treat as none chosen (it offers only these): an API caller is told instead."""
    offered = {kind: {obj.pk for obj in getattr(choices, kind)}
               for kind in ("non_negotiables", "goals", "key_results", "people")}
    errors = []
    if body.strained_non_negotiable is not None and body.strained_non_negotiable not in offered["non_negotiables"]:
        errors.append({"where": "strained_non_negotiable",
                       "message": "Not a non-negotiable of the charter in force."})
    for n, row in enumerate(body.blockers):
        if row.who_could_help is not None and row.who_could_help not in offered["people"]:
            errors.append({"where": f"blockers.{n}.who_could_help", "message": "Not a person of the team."})
        if row.goal is not None and row.goal not in offered["goals"]:
            errors.append({"where": f"blockers.{n}.goal", "message": "Not a goal of the charter in force."})
    for entry in body.key_results:
        if entry.key_result not in offered["key_results"]:
            errors.append({"where": f"key_results.{entry.key_result}",
                           "message": "Not a key result of a goal you own in the charter in force."})
    if len(body.blockers) > MAX_BLOCKER_ROWS:
        errors.append({"where": "blockers", "message": f"At most {MAX_BLOCKER_ROWS} blockers."})
    return errors


def _save(request: HttpRequest, org: str, team: str, week: str, body: CheckInIn, *, submitting: bool):
    team_access = access.team(request, org, team, Capability.CHECK_IN, area=AREA, write=True)
    the_week = week_named(team_access.team, week)
    # The ids the form may name, as the web form reads a post it must look up (one query).
    choices = selectors.checkin_choices(team_access.team, request.user)
    if errors := _unknown_ids(body, choices):
        return invalid(request, errors)
    data = _form_data(body, the_week)
    form = CheckInForm(data, non_negotiables=choices.non_negotiables, key_results=choices.key_results,
                       people=choices.people, goals=choices.goals, submitting=submitting, carried=posted_carried(data))
    if not form.is_valid():
        return invalid(request, form_errors(form))
    saving = {"team": team_access.team, "author": request.user, "week": the_week,
              "expected_version": form.cleaned_data["version"], "content": form.content(), "now": timezone.now()}
    try:
        if submitting:
            saved = services.submit_checkin(**saving)
            return SavedOut(version=saved.version, fingerprint=saving["content"].fingerprint(), state=saved.state,
                            saved_at=saved.updated_at, submitted_at=saved.submitted_at, late=saved.is_late)
        draft = services.save_draft(**saving, fingerprint=form.cleaned_data["fingerprint"] or None)
    except ConcurrentEditError as exc:
        return problems.problem(
            request, 409, "This check-in was changed elsewhere since you read it (version "
                          f"{exc.current.version}). Read it again, then save what you mean to keep.",
            kind="conflict", version=exc.current.version)
    return SavedOut(version=draft.version, fingerprint=draft.fingerprint, state=CheckIn.State.DRAFT,
                    saved_at=draft.updated_at, submitted_at=None, late=False)


SAVE_HELP = ("The body is the whole check-in, as the web form sends it: what you leave out is saved blank. "
             "`version` (and for a draft `fingerprint`) are those you read: a save from an older version is a 409 "
             "problem with the current `version`. A week that has ended (or not begun) refuses with a 409. "
             "`week`: " + WEEK_HELP)


@router.post(team_path + "/checkins/weeks/{week}/mine/draft", response=SavedOut,
             summary="Save your check-in as a draft (as the form saves while you type)",
             description="Nobody else reads a draft. A submitted check-in is changed by submitting again. " + SAVE_HELP)
def save_draft(request: HttpRequest, org: str, team: str, week: str, body: CheckInIn):
    return _save(request, org, team, week, body, submitting=False)


@router.post(team_path + "/checkins/weeks/{week}/mine/submit", response=SavedOut,
             summary="Submit your check-in, or update it until its week ends",
             description=("Needs what moved and your load. Submitting after the team's check-in time marks it late; "
                          "key-result values are recorded as progress, each change once. " + SAVE_HELP))
def submit(request: HttpRequest, org: str, team: str, week: str, body: CheckInIn):
    return _save(request, org, team, week, body, submitting=True)
