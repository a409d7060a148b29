"""Read-only queries: each page of check-ins is loaded for its reader in a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch

from alignment.models import Membership
from alignment.permissions import Capability, TeamAccess, capabilities_of
from alignment.weeks import TeamWeek
from charters.models import Charter, Goal, KeyResult, NonNegotiable
from checkins.models import Blocker, CheckIn, Commitment, Renegotiation


@dataclass
class ThisWeekPage:
    """What a person sees while writing this week's check-in."""

    week: TeamWeek
    checkin: CheckIn | None
    last_week: CheckIn | None
    charter: Charter | None
    non_negotiables: list[NonNegotiable]
    goals: list[Goal]
    key_results: list[KeyResult]  # of the goals this person owns
    people: list
    open_blockers: list[Blocker]  # this week's, at their form rows
    resolved_blockers: list[Blocker]
    last_week_blockers: list[Blocker]
    key_result_updates: list = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)  # the writer's open ones

    @property
    def blocker_rows(self) -> int:
        """Room for every open blocker's row and one blank row more (at least three rows)."""
        return max([3, *(blocker.position + 2 for blocker in self.open_blockers)])


def this_week_page(access: TeamAccess, week: TeamWeek) -> ThisWeekPage:
    """The writer's page in nine queries, whatever the size of the team or the charter.

    Queries: the active charter; its non-negotiables; its goals; their key results; the
    team's people; this week's and last week's check-ins of the writer; their blockers;
    this week's key-result updates (skipped when there is no check-in yet); the writer's
    open commitments.
    """
    team, user = access.team, access.user
    charter = Charter.objects.active_for(team)
    non_negotiables, goals = [], []
    if charter is not None:
        non_negotiables = list(charter.non_negotiables.all())
        goals = list(charter.goals.select_related(None).prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "pk"))))
    key_results = [kr for goal in goals if goal.owner_id == user.pk for kr in goal.key_results.all()]
    people = [m.user for m in Membership.objects.filter(team=team).select_related("user").order_by("user__email")]
    checkins = {c.week: c for c in CheckIn.objects.filter(
        team=team, author=user, week__in=[week.monday, week.previous().monday]).select_related(
        "strained_non_negotiable")}
    for loaded in checkins.values():
        loaded.team = team  # asked for its week and due time; already loaded
    checkin, last_week = checkins.get(week.monday), checkins.get(week.previous().monday)
    blockers = list(Blocker.objects.filter(check_in__in=[c.pk for c in checkins.values()]).select_related(
        "who_could_help", "goal", "resolved_by")) if checkins else []
    mine = [b for b in blockers if checkin and b.check_in_id == checkin.pk]
    updates = list(checkin.key_result_updates.all()) if checkin else []
    return ThisWeekPage(
        week=week, checkin=checkin, last_week=last_week, charter=charter, non_negotiables=non_negotiables,
        goals=goals, key_results=key_results, people=people,
        open_blockers=[b for b in mine if b.is_open], resolved_blockers=[b for b in mine if not b.is_open],
        last_week_blockers=[b for b in blockers if last_week and b.check_in_id == last_week.pk],
        key_result_updates=updates,
        commitments=open_commitments_of(team, user),
    )


@dataclass(frozen=True)
class PersonWeek:
    """One person who checks in, and where their check-in stands this week."""

    person: object
    checkin: CheckIn | None

    @property
    def is_missing(self) -> bool:
        return self.checkin is None

    @property
    def is_draft(self) -> bool:
        return not self.is_missing and self.checkin.is_draft

    @property
    def is_submitted(self) -> bool:
        return self.checkin is not None and self.checkin.is_submitted

    @property
    def order(self) -> int:
        return 0 if self.is_missing else 1 if self.is_draft else 2


@dataclass(frozen=True)
class OpenBlocker:
    blocker: Blocker
    age_days: int


@dataclass(frozen=True)
class Strain:
    non_negotiable: NonNegotiable
    count: int
    notes: list[tuple[object, str]]


@dataclass
class TeamWeekPage:
    """The leader's view of one week: who checked in, what blocks people, load, and the charter's pulse."""

    week: TeamWeek
    people: list[PersonWeek]
    open_blockers: list[OpenBlocker]
    load: list[tuple[str, int]]
    strains: list[Strain]
    boundary_questions: list[CheckIn]
    pending_renegotiations: list[Renegotiation] = field(default_factory=list)
    requested_commitments: list[Commitment] = field(default_factory=list)

    @property
    def submitted(self) -> list[CheckIn]:
        return [p.checkin for p in self.people if p.is_submitted]

    @property
    def counts(self) -> dict[str, int]:
        return {"missing": sum(p.is_missing for p in self.people), "draft": sum(p.is_draft for p in self.people),
                "submitted": sum(p.is_submitted for p in self.people)}


def team_week_page(team, week: TeamWeek, *, today: date) -> TeamWeekPage:
    """The leader's week in five queries, with 5 people or 500.

    Queries: the team's memberships with their people; the week's check-ins with their
    strained non-negotiables; the team's open blockers (from submitted check-ins) with who raised them;
    the team's pending renegotiations with their commitments and owners; the commitments still
    waiting for the person asked, with who that is.
    """
    memberships = Membership.objects.filter(team=team).select_related("user").order_by("user__email")
    checkins = {c.author_id: c for c in CheckIn.objects.filter(team=team, week=week.monday).select_related(
        "strained_non_negotiable")}
    people = sorted((PersonWeek(m.user, checkins.get(m.user_id)) for m in memberships
                     if Capability.CHECK_IN in capabilities_of(m)), key=lambda p: p.order)
    for row in people:
        if row.checkin is not None:
            row.checkin.author = row.person  # already loaded with the memberships
    submitted = [p.checkin for p in people if p.is_submitted]
    blockers = Blocker.objects.open().shared().filter(check_in__team=team).select_related(
        "check_in__author", "who_could_help", "goal")
    loads = Counter(c.load for c in submitted if c.load)
    strained = Counter(c.strained_non_negotiable_id for c in submitted if c.strained_non_negotiable_id)
    by_id = {c.strained_non_negotiable_id: c.strained_non_negotiable for c in submitted}
    strains = [Strain(by_id[pk], count, [(c.author_id, c.strain_note) for c in submitted
                                         if c.strained_non_negotiable_id == pk and c.strain_note])
               for pk, count in strained.most_common()]
    authors = {p.person.pk: p.person for p in people}
    strains = [Strain(s.non_negotiable, s.count, [(authors.get(a), note) for a, note in s.notes]) for s in strains]
    return TeamWeekPage(
        week=week, people=people,
        open_blockers=[OpenBlocker(b, b.age_days(today, team.zone)) for b in blockers],
        load=[(label, loads.get(value, 0)) for value, label in CheckIn.Load.choices],
        strains=strains,
        boundary_questions=[c for c in submitted if c.boundary_question],
        pending_renegotiations=list(Renegotiation.objects.filter(
            commitment__team=team, state=Renegotiation.State.PENDING).select_related(
            "commitment__owner", "proposed_owner")),
        requested_commitments=list(Commitment.objects.requested().filter(team=team).select_related("owner")),
    )


def is_overloaded(team, person) -> bool:
    """Whether the person's latest submitted check-in in this team says they are overloaded (one query)."""
    load = CheckIn.objects.filter(team=team, author=person, state=CheckIn.State.SUBMITTED).order_by(
        "-week").values_list("load", flat=True).first()
    return load == CheckIn.Load.OVERLOADED


def open_commitments_of(team, person) -> list[Commitment]:
    """A person's open commitments in the team, soonest due first (one query)."""
    commitments = list(Commitment.objects.open().filter(team=team, owner=person))
    for commitment in commitments:
        commitment.team = team  # linked to by its page; already loaded
    return commitments


@dataclass
class CommitmentsPage:
    """The team's commitments: what each person agreed to, and what is asked of whom."""

    commitments: list[Commitment]
    goals: list[Goal]
    people: list

    @property
    def open(self) -> list[Commitment]:
        return [c for c in self.commitments if c.is_open]

    @property
    def requested(self) -> list[Commitment]:
        return [c for c in self.commitments if c.is_requested]

    @property
    def closed(self) -> list[Commitment]:
        return [c for c in self.commitments if c.is_closed]


def commitments_page(team) -> CommitmentsPage:
    """The commitments page in four queries, with 5 commitments or 500.

    Queries: the team's commitments with owners and goals; the active charter; its goals;
    the team's people (whom a leader may ask).
    """
    commitments = list(Commitment.objects.filter(team=team).select_related("owner", "goal"))
    for commitment in commitments:
        commitment.team = team
    charter = Charter.objects.active_for(team)
    goals = list(charter.goals.select_related(None)) if charter is not None else []
    people = [m.user for m in Membership.objects.filter(team=team).select_related("user").order_by("user__email")]
    return CommitmentsPage(commitments=commitments, goals=goals, people=people)


@dataclass
class CommitmentPage:
    """One commitment, its history of renegotiations, and what the reader may do with it now."""

    commitment: Commitment
    history: list[Renegotiation]
    people: list  # to hand over to: everyone else in the team
    is_owner: bool
    may_decide: bool

    @property
    def pending(self) -> Renegotiation | None:
        return next((r for r in self.history if r.is_pending), None)

    @property
    def may_renegotiate(self) -> bool:
        return self.is_owner and self.commitment.is_open and self.pending is None

    @property
    def may_mark_done(self) -> bool:
        return self.is_owner and self.commitment.is_open

    @property
    def may_answer_request(self) -> bool:
        return self.is_owner and self.commitment.is_requested


def commitment_page(access: TeamAccess, commitment_id: int) -> CommitmentPage | None:
    """One commitment for its reader in three queries: it, its renegotiations with who asked and decided, the people."""
    team = access.team
    commitment = Commitment.objects.filter(team=team, pk=commitment_id).select_related(
        "owner", "goal", "created_by").first()
    if commitment is None:
        return None
    commitment.team = team
    history = list(commitment.renegotiations.select_related("asked_by", "decided_by", "was_owner",
                                                             "proposed_owner"))
    people = [m.user for m in Membership.objects.filter(team=team).exclude(user=commitment.owner_id).select_related(
        "user").order_by("user__email")]
    return CommitmentPage(commitment=commitment, history=history, people=people,
                          is_owner=commitment.owner_id == access.user.pk,
                          may_decide=access.can(Capability.ANSWER_CHECKINS))
