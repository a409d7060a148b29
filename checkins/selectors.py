"""Read-only queries: each page of check-ins is loaded for its reader in a fixed number of queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q

from alignment.models import Membership
from alignment.permissions import Capability, TeamAccess, capabilities_of
from alignment.row_urls import RowUrls
from alignment.weeks import TeamWeek
from charters.models import Charter, Goal, KeyResult, NonNegotiable
from charters.selectors import Reading, WeekReading, active_key_results_at, readings_by_week
from charts import svg as charts
from checkins import permissions
from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply


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
    replies: dict[int, list[Reply]] = field(default_factory=dict)  # by check-in: this week's and last week's

    @property
    def replies_shown(self) -> list[CheckIn]:
        """This week's and last week's check-ins, once submitted: their threads go beside the form."""
        return [c for c in (self.checkin, self.last_week) if c is not None and c.is_submitted]

    @property
    def blocker_rows(self) -> int:
        """Room for every open blocker's row and one blank row more (at least three rows)."""
        return max([3, *(blocker.position + 2 for blocker in self.open_blockers)])


def this_week_page(access: TeamAccess, week: TeamWeek) -> ThisWeekPage:
    """The writer's page in nine queries, whatever the size of the team or the charter.

    Queries: the non-negotiables of the charter in force; its goals; their key results; the
    team's people; this week's and last week's check-ins of the writer, with who acknowledged
    them; their blockers; this week's key-result updates (skipped when there is no check-in
    yet); the writer's open commitments; the replies to them (skipped when neither is submitted).
    """
    team, user = access.team, access.user
    in_force = Charter.objects.filter(team=team).active()  # a subquery of the two below
    non_negotiables = list(NonNegotiable.objects.filter(charter__in=in_force).select_related("charter"))
    goals = list(Goal.objects.filter(charter__in=in_force).select_related("charter").prefetch_related(
        Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "pk"))))
    # The charter in force, known from what it holds (a charter with neither has nothing to check in on).
    charter = next((item.charter for item in [*non_negotiables, *goals]), None)
    key_results = [kr for goal in goals if goal.owner_id == user.pk for kr in goal.key_results.all()]
    people = [m.user for m in Membership.objects.filter(team=team).select_related("user").order_by("user__email")]
    checkins = {c.week: c for c in CheckIn.objects.filter(
        team=team, author=user, week__in=[week.monday, week.previous().monday]).select_related(
        "strained_non_negotiable", "acknowledged_by")}
    for loaded in checkins.values():
        loaded.team, loaded.author = team, user  # asked for its week, due time and author; already loaded
    link_checkins(access, list(checkins.values()))
    checkin, last_week = checkins.get(week.monday), checkins.get(week.previous().monday)
    blockers = list(Blocker.objects.filter(check_in__in=[c.pk for c in checkins.values()]).select_related(
        "who_could_help", "goal", "resolved_by")) if checkins else []
    mine = [b for b in blockers if checkin and b.check_in_id == checkin.pk]
    updates = list(checkin.key_result_updates.all()) if checkin else []
    threads = replies_to([c for c in checkins.values() if c.is_submitted])
    for loaded in checkins.values():
        loaded.thread = threads.get(loaded.pk)
    return ThisWeekPage(
        week=week, checkin=checkin, last_week=last_week, charter=charter, non_negotiables=non_negotiables,
        goals=goals, key_results=key_results, people=people,
        open_blockers=[b for b in mine if b.is_open], resolved_blockers=[b for b in mine if not b.is_open],
        last_week_blockers=[b for b in blockers if last_week and b.check_in_id == last_week.pk],
        key_result_updates=updates,
        commitments=open_commitments_of(team, user),
        replies=threads,
    )


def link_checkins(access: TeamAccess, checkins: list[CheckIn]) -> None:
    """Give each check-in its URLs (`page_url`, `reply_url`, `acknowledge_url`), reversed once for all, and
    what the reader may do with it (`may`, a `CheckInPermissions`)."""
    org, slug = access.team.organisation.slug, access.team.slug
    pages, replies, acknowledgements = (RowUrls(f"checkins:{name}", org, slug)
                                        for name in ("checkin", "reply", "acknowledge"))
    for checkin in checkins:
        checkin.page_url = pages.of(checkin.pk)
        checkin.reply_url, checkin.acknowledge_url = replies.of(checkin.pk), acknowledgements.of(checkin.pk)
        checkin.may = permissions.for_checkin(access, checkin)


def replies_to(checkins: list[CheckIn]) -> dict[int, list[Reply]]:
    """The thread under each check-in, oldest first, with who wrote each reply: 1 query, none for no check-ins."""
    if not checkins:
        return {}
    threads: dict[int, list[Reply]] = {checkin.pk: [] for checkin in checkins}
    for reply in Reply.objects.filter(check_in__in=list(threads)).select_related("author"):
        threads[reply.check_in_id].append(reply)
    return threads


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


@dataclass(frozen=True)
class ConfidenceDrop:
    """A key result whose confidence is worse at the end of the week than it was at its start."""

    key_result: KeyResult
    was: Reading
    now: Reading


@dataclass
class TeamWeekPage:
    """One week of a team: who checked in, what blocks people, load, confidence, and the charter's pulse.

    Everyone in the team sees it; the check-ins' own words (and the notes on strain and the
    boundary questions) only those who read the team's check-ins (`may_read_checkins`).
    """

    week: TeamWeek
    may_read_checkins: bool  # the reader sees the check-ins' words, not only the summary
    people: list[PersonWeek]
    open_blockers: list[OpenBlocker]
    load: list[tuple[str, int]]
    strains: list[Strain]
    boundary_questions: list[CheckIn]
    pending_renegotiations: list[Renegotiation] = field(default_factory=list)
    requested_commitments: list[Commitment] = field(default_factory=list)
    confidence_drops: list[ConfidenceDrop] = field(default_factory=list)

    @property
    def submitted(self) -> list[CheckIn]:
        return [p.checkin for p in self.people if p.is_submitted]

    @property
    def counts(self) -> dict[str, int]:
        return {"missing": sum(p.is_missing for p in self.people), "draft": sum(p.is_draft for p in self.people),
                "submitted": sum(p.is_submitted for p in self.people)}


def team_week_page(access: TeamAccess, week: TeamWeek, *, today: date) -> TeamWeekPage:
    """The team's week in seven queries, with 5 people or 500.

    Queries: the team's memberships with their people; the week's check-ins with their
    strained non-negotiables and who acknowledged them; the team's open blockers (from
    submitted check-ins) with who raised them; the team's pending renegotiations with their
    commitments and owners; the commitments still waiting for the person asked, with who that
    is; the charter's key results with their confidence at the week's start and end; the
    replies to the week's check-ins (for the team's leaders only).
    """
    team = access.team
    memberships = Membership.objects.filter(team=team).select_related("user").order_by("user__email")
    checkins = {c.author_id: c for c in CheckIn.objects.filter(team=team, week=week.monday).select_related(
        "strained_non_negotiable", "acknowledged_by")}
    people = sorted((PersonWeek(m.user, checkins.get(m.user_id)) for m in memberships
                     if Capability.CHECK_IN in capabilities_of(m)), key=lambda p: p.order)
    for row in people:
        if row.checkin is not None:
            row.checkin.author, row.checkin.team = row.person, team  # already loaded
    submitted = [p.checkin for p in people if p.is_submitted]
    blockers = Blocker.objects.open().shared().filter(check_in__team=team).select_related(
        "check_in__author", "who_could_help", "goal")
    loads = Counter(c.load for c in submitted if c.load)
    strained = Counter(c.strained_non_negotiable_id for c in submitted if c.strained_non_negotiable_id)
    by_id = {c.strained_non_negotiable_id: c.strained_non_negotiable for c in submitted}
    authors = {p.person.pk: p.person for p in people}
    strains = [Strain(by_id[pk], count, [(authors.get(c.author_id), c.strain_note) for c in submitted
                                         if c.strained_non_negotiable_id == pk and c.strain_note])
               for pk, count in strained.most_common()]
    readers_of_threads = [c for c in submitted if permissions.may_see_replies(access, c)]
    link_checkins(access, submitted)
    histories = RowUrls("checkins:person", team.organisation.slug, team.slug)
    for row in people:
        readable = permissions.may_read_checkins_of(access, row.person.pk)
        row.person.history_url = histories.of(row.person.pk) if readable else ""
    threads = replies_to(readers_of_threads)
    for checkin in submitted:
        checkin.thread = threads.get(checkin.pk)  # None: the reader is outside its thread
    org, slug = team.organisation.slug, team.slug
    resolving = RowUrls("checkins:resolve_blocker", org, slug)
    blockers = list(blockers)
    for blocker in blockers:
        blocker.resolve_url = resolving.of(blocker.pk)
    renegotiations = list(Renegotiation.objects.filter(commitment__team=team, state=Renegotiation.State.PENDING)
                          .select_related("commitment__owner", "proposed_owner"))
    requested = list(Commitment.objects.requested().filter(team=team).select_related("owner"))
    commitment_urls, deciding = RowUrls("checkins:commitment", org, slug), RowUrls("checkins:decide_renegotiation",
                                                                                   org, slug)
    for renegotiation in renegotiations:
        renegotiation.commitment.url = commitment_urls.of(renegotiation.commitment_id)
        renegotiation.decide_url = deciding.of(renegotiation.pk)
    for commitment in requested:
        commitment.url = commitment_urls.of(commitment.pk)
    return TeamWeekPage(
        week=week, may_read_checkins=permissions.may_read_checkins(access), people=people,
        open_blockers=[OpenBlocker(b, b.age_days(today, team.zone)) for b in blockers],
        load=[(label, loads.get(value, 0)) for value, label in CheckIn.Load.choices],
        strains=strains,
        boundary_questions=[c for c in submitted if c.boundary_question],
        pending_renegotiations=renegotiations, requested_commitments=requested,
        confidence_drops=confidence_drops(team, week),
    )


def confidence_drops(team, week: TeamWeek) -> list[ConfidenceDrop]:
    """Key results of the charter in force whose confidence fell during the week (since the week before): 1 query."""
    drops = []
    for kr in active_key_results_at(team, {"start": week.starts_at, "end": week.ends_at}):
        was, now = kr.readings["start"], kr.readings["end"]
        if was is not None and now is not None and now.confidence_rank > was.confidence_rank:
            drops.append(ConfidenceDrop(kr, was, now))
    return drops


def is_overloaded(team, person) -> bool:
    """Whether the person's latest submitted check-in in this team says they are overloaded (one query)."""
    load = CheckIn.objects.filter(team=team, author=person, state=CheckIn.State.SUBMITTED).order_by(
        "-week").values_list("load", flat=True).first()
    return load == CheckIn.Load.OVERLOADED


def open_commitments_of(team, person) -> list[Commitment]:
    """A person's open commitments in the team, soonest due first (one query)."""
    commitments = list(Commitment.objects.open().filter(team=team, owner=person))
    link_commitments(team, commitments)
    return commitments


def link_commitments(team, commitments: list[Commitment]) -> None:
    """Give each commitment its page's URL (`url`), the pattern reversed once for all of them."""
    pages = RowUrls("checkins:commitment", team.organisation.slug, team.slug)
    for commitment in commitments:
        commitment.team = team  # already loaded
        commitment.url = pages.of(commitment.pk)


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
    link_commitments(team, commitments)
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
    may: permissions.CommitmentPermissions  # what the reader may do with it

    @property
    def pending(self) -> Renegotiation | None:
        return next((r for r in self.history if r.is_pending), None)


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
    deciding = RowUrls("checkins:decide_renegotiation", team.organisation.slug, team.slug)
    for renegotiation in history:
        renegotiation.decide_url = deciding.of(renegotiation.pk)
    people = [m.user for m in Membership.objects.filter(team=team).exclude(user=commitment.owner_id).select_related(
        "user").order_by("user__email")]
    pending = any(renegotiation.is_pending for renegotiation in history)
    return CommitmentPage(commitment=commitment, history=history, people=people,
                          may=permissions.for_commitment(access, commitment, pending_renegotiation=pending))


# History and trends: a window of weeks at a time, so a page costs the same after 4 weeks or 100.

WINDOW_WEEKS = 12


@dataclass(frozen=True)
class Window:
    """The weeks a history page shows, oldest first, and the windows before and after it."""

    weeks: list[TeamWeek]
    current: TeamWeek

    @property
    def first(self) -> TeamWeek:
        return self.weeks[0]

    @property
    def last(self) -> TeamWeek:
        return self.weeks[-1]

    @property
    def earlier(self) -> TeamWeek:
        """The last week of the window before this one."""
        return self.first.previous()

    @property
    def later(self) -> TeamWeek | None:
        """The last week of the window after this one; None when this one reaches the current week."""
        if self.last.monday >= self.current.monday:
            return None
        ahead = self.last
        for _ in range(WINDOW_WEEKS):
            ahead = ahead.next()
        return ahead if ahead.monday < self.current.monday else self.current


def window_ending(last: TeamWeek, current: TeamWeek) -> Window:
    """`WINDOW_WEEKS` weeks ending with `last` (never after the current week)."""
    if last.monday > current.monday:
        last = current
    weeks = [last]
    while len(weeks) < WINDOW_WEEKS:
        weeks.insert(0, weeks[0].previous())
    return Window(weeks=weeks, current=current)


@dataclass(frozen=True)
class KeyResultTrend:
    key_result: KeyResult
    weeks: list[WeekReading]
    names: dict[date, WeekNames]  # each week's names, written once for the page's every key result

    @property
    def has_readings(self) -> bool:
        return any(w.reading is not None for w in self.weeks)

    @property
    def chart(self) -> charts.LineChart:
        """The value at each week's end, a marker coloured by confidence; start and target as guides."""
        kr = self.key_result
        points = [charts.Point(
            label=self.names[w.week.monday].short, value=w.reading.value if w.reading else None,
            status=w.reading.confidence if w.reading else "",
            title=(f"{self.names[w.week.monday].label}: {charts.format_number(w.reading.value, kr.unit)}, "
                   f"{w.reading.get_confidence_display()}" if w.reading else ""),
        ) for w in self.weeks]
        return charts.line_chart(points, target=kr.target_value, start=kr.start_value, unit=kr.unit)

    @property
    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table under the chart, already written: week, value, confidence, updated that week."""
        unit = self.key_result.unit
        return [(self.names[w.week.monday].day, charts.format_number(w.reading.value, unit) if w.reading else "—",
                 w.reading.get_confidence_display() if w.reading else "—", "yes" if w.updated else "no")
                for w in self.weeks]

    @property
    def chart_id(self) -> str:
        return f"kr-{self.key_result.pk}"


@dataclass(frozen=True)
class WeekNames:
    short: str  # "23 Nov", under the chart
    day: str  # "23 Nov 2026", in the table
    label: str  # "Week of 23 Nov 2026"

    @classmethod
    def of(cls, week: TeamWeek) -> WeekNames:
        return cls(short=f"{week.monday:%-d %b}", day=f"{week.monday:%-d %b %Y}", label=week.label)


@dataclass(frozen=True)
class WeekParticipation:
    week: TeamWeek
    submitted: int
    late: int
    drafts: int
    loads: list[tuple[str, int]]


@dataclass(frozen=True)
class StrainTrend:
    non_negotiable_title: str
    counts: list[int]  # one per week of the window

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass
class TrendsPage:
    """The team over a window of weeks: key results, participation and the charter's pulse."""

    window: Window
    goals: list[tuple[Goal, list[KeyResultTrend]]]
    participation: list[WeekParticipation]
    people_count: int  # who checks in today
    strains: list[StrainTrend]

    @property
    def participation_chart(self) -> charts.BarChart:
        return charts.bar_chart([charts.Bar(
            label=f"{week.week.monday:%-d %b}", value=week.submitted,
            title=f"{week.week.label}: {week.submitted} of {self.people_count} checked in")
            for week in self.participation], maximum=self.people_count)


def trends_page(team, window: Window) -> TrendsPage:
    """The trends page in five queries, whatever the number of weeks behind the window.

    Queries: the team's memberships (who checks in); the charter's key results with their goals;
    where each stood when the window opened; their progress recorded inside the window; the
    window's check-ins counted by week, state, lateness, load and strained non-negotiable.
    """
    people_count = sum(Capability.CHECK_IN in capabilities_of(m) for m in Membership.objects.filter(team=team))
    key_results = active_key_results_at(team, {})
    readings = readings_by_week(key_results, window.weeks)
    goals: dict[int, tuple[Goal, list[KeyResultTrend]]] = {}
    names = {week.monday: WeekNames.of(week) for week in window.weeks}
    for kr in key_results:
        goals.setdefault(kr.goal_id, (kr.goal, []))[1].append(KeyResultTrend(kr, readings[kr.pk], names))
    participation, strains, _ = participation_and_strain(team, window.weeks)
    return TrendsPage(window=window, goals=list(goals.values()), people_count=people_count,
                      participation=participation, strains=strains)


def participation_and_strain(team, weeks: list[TeamWeek]) -> tuple[list[WeekParticipation], list[StrainTrend], int]:
    """Per week: check-ins submitted, late, drafted and the load they reported; per non-negotiable, how
    many flagged it as strained each week; and how many boundary questions were asked. 1 query."""
    counted = list(CheckIn.objects.filter(team=team, week__gte=weeks[0].monday, week__lte=weeks[-1].monday)
                   .values("week", "state", "is_late", "load", "strained_non_negotiable__title")
                   .annotate(n=Count("pk"), questions=Count("pk", filter=~Q(boundary_question=""))).order_by())
    index = {week.monday: i for i, week in enumerate(weeks)}
    submitted = [row for row in counted if row["state"] == CheckIn.State.SUBMITTED]

    def total(week: TeamWeek, rows, **match) -> int:
        return sum(r["n"] for r in rows if r["week"] == week.monday and all(r[k] == v for k, v in match.items()))

    participation = [
        WeekParticipation(week=week, submitted=total(week, submitted), late=total(week, submitted, is_late=True),
                          drafts=total(week, counted, state=CheckIn.State.DRAFT),
                          loads=[(label, total(week, submitted, load=value)) for value, label in CheckIn.Load.choices])
        for week in weeks
    ]
    strains: dict[str, list[int]] = {}
    for row in submitted:
        title = row["strained_non_negotiable__title"]
        if title:
            strains.setdefault(title, [0] * len(weeks))[index[row["week"]]] += row["n"]
    ranked = sorted((StrainTrend(title, counts) for title, counts in strains.items()), key=lambda s: -s.total)
    return participation, ranked, sum(row["questions"] for row in submitted)


@dataclass
class PersonHistoryPage:
    """One person's check-ins in a team, newest week first, with what came of them."""

    person: object
    window: Window
    rows: list[tuple[TeamWeek, CheckIn | None]]

    @property
    def checkins(self) -> list[CheckIn]:
        return [checkin for _, checkin in self.rows if checkin is not None]


def person_history_page(access: TeamAccess, person_id: int, window: Window) -> PersonHistoryPage | None:
    """A person's check-ins over a window of weeks in four queries; None when they are not in the team.

    Queries: their membership with them; their check-ins of the window with the strained
    non-negotiable, who acknowledged it and the number of replies; the blockers raised in
    them; their key-result updates with the key results. Another reader sees submitted ones only.
    """
    team = access.team
    membership = Membership.objects.filter(team=team, user_id=person_id).select_related("user").first()
    if membership is None:
        return None
    person = membership.user
    checkins = CheckIn.objects.filter(team=team, author=person, week__gte=window.first.monday,
                                      week__lte=window.last.monday).select_related(
        "strained_non_negotiable", "acknowledged_by").annotate(reply_count=Count("replies")).prefetch_related(
        Prefetch("blockers", queryset=Blocker.objects.select_related("who_could_help", "resolved_by")),
        Prefetch("key_result_updates", queryset=KeyResultUpdate.objects.select_related("key_result")))
    by_week = {}
    for checkin in checkins:
        checkin.author, checkin.team = person, team
        if permissions.may_read_checkin(access, checkin):
            by_week[checkin.week] = checkin
    link_checkins(access, list(by_week.values()))
    rows = [(week, by_week.get(week.monday)) for week in reversed(window.weeks)]
    return PersonHistoryPage(person=person, window=window, rows=rows)


@dataclass
class CheckInPage:
    """One check-in as its reader may see it: its words, blockers, key-result updates, and the thread."""

    checkin: CheckIn
    blockers: list[Blocker]
    updates: list[KeyResultUpdate]
    replies: list[Reply] | None  # None for readers outside the thread


def checkin_page(access: TeamAccess, checkin_id: int) -> CheckInPage | None:
    """One check-in in four queries (three for a reader outside its thread); None if it is not the team's.

    Queries: the check-in with its author, strained non-negotiable and who acknowledged it; its
    blockers; its key-result updates with their key results; its replies with who wrote them.
    Whether the reader may see it at all is the view's question (`permissions.may_read_checkin`).
    """
    team = access.team
    checkin = CheckIn.objects.filter(team=team, pk=checkin_id).select_related(
        "author", "strained_non_negotiable", "acknowledged_by").first()
    if checkin is None:
        return None
    checkin.team = team
    link_checkins(access, [checkin])
    blockers = list(checkin.blockers.select_related("who_could_help", "goal", "resolved_by"))
    updates = list(checkin.key_result_updates.select_related("key_result"))
    replies = replies_to([checkin])[checkin.pk] if checkin.may.see_replies else None
    return CheckInPage(checkin=checkin, blockers=blockers, updates=updates, replies=replies)
