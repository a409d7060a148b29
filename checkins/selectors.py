"""Read-only queries: each page of check-ins is loaded for its reader in a fixed number of queries."""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from alignment import fragments
from alignment.models import Membership, User
from alignment.one_query import Read, read_shaped, reading_ahead
from alignment.permissions import Capability, TeamAccess, capabilities_of
from alignment.privacy import ShownCount, shown_count
from alignment.row_urls import RowUrls
from alignment.weeks import TeamWeek
from charters.models import Charter, Goal, KeyResult, KeyResultProgress, NonNegotiable
from charters.selectors import (
    LatestProgress,
    Reading,
    WeekReading,
    active_key_results_at,
    key_results_at_reads,
    readings_by_week,
)
from charts import svg as charts
from checkins import permissions, pulse
from checkins.content import fingerprint, named, vouched
from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply
from checkins.pulse import UnclearWhoDecides


@dataclass
class ThisWeekPage:
    """What a person sees while writing this week's check-in."""

    week: TeamWeek
    checkin: CheckIn | None
    last_week: CheckIn | None
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
    # The writer's blockers still open from earlier weeks' submitted check-ins ("still in your way?"), oldest first.
    carried_blockers: list[Blocker] = field(default_factory=list)

    @property
    def replies_shown(self) -> list[CheckIn]:
        """This week's and last week's check-ins, once submitted: their threads go beside the form."""
        return [c for c in (self.checkin, self.last_week) if c is not None and c.is_submitted]

    @property
    def blocker_rows(self) -> int:
        """Room for every open blocker's row and one blank row more (at least three rows)."""
        return max([3, *(blocker.position + 2 for blocker in self.open_blockers)])

    @property
    def fingerprint(self) -> str:
        """The fingerprint of this week's check-in as saved: its strained non-negotiable, open blockers and the
        writer's key-result values (`content.fingerprint`)."""
        return fingerprint(self._strained_id, ((b.position, b.what, b.who_could_help_id, b.goal_id)
                                               for b in self.open_blockers), self._values)

    def vouched(self, *, team: int, author: int) -> str:
        """The server's word for the ids this week's check-in names as saved (`content.vouched`): read from the
        database, so checked when they were saved."""
        ids = named(self._strained_id, ((b.what, b.who_could_help_id, b.goal_id) for b in self.open_blockers),
                    self._values)
        return vouched(team=team, author=author, week=self.week.monday, ids=ids)

    @property
    def _strained_id(self) -> int | None:
        return self.checkin.strained_non_negotiable_id if self.checkin else None

    @property
    def _values(self) -> list[tuple]:
        """The writer's key-result values as saved, of the key results the form shows."""
        mine = {kr.pk for kr in self.key_results}
        return [(u.key_result_id, u.value, u.confidence) for u in self.key_result_updates if u.key_result_id in mine]


@dataclass(frozen=True)
class CheckInChoices:
    """What the check-in form may choose among, by id alone: enough to read a post, not to draw the form."""

    non_negotiables: list[NonNegotiable]
    goals: list[Goal]
    key_results: list[KeyResult]  # of the goals the writer owns
    people: list


def checkin_choices(team, user) -> CheckInChoices:
    """The ids a check-in post may name, in one query: the non-negotiables and goals of the charter in force,
    the key results of the goals the writer owns there, and the team's people.

    Each comes as an instance holding its id alone (its other fields deferred), for the form to hand on.
    """
    kinds = {"non_negotiable": NonNegotiable, "goal": Goal, "key_result": KeyResult, "person": User}
    found: dict[str, list] = {kind: [] for kind in kinds}
    for pk, kind in read_shaped(_choice_ids, team=team.pk, writer=user.pk):
        found[kind].append(kinds[kind].from_db(DEFAULT_DB_ALIAS, ["id"], [pk]))
    return CheckInChoices(non_negotiables=found["non_negotiable"], goals=found["goal"],
                          key_results=found["key_result"], people=found["person"])


def _choice_ids(team: int, writer: int):
    """query: the ids a check-in post may name, each with its kind"""
    in_force = Charter.objects.filter(team_id=team).active().values("pk")
    parts = [
        NonNegotiable.objects.filter(charter__in=in_force).values_list("pk", Value("non_negotiable")),
        Goal.objects.filter(charter__in=in_force).values_list("pk", Value("goal")),
        KeyResult.objects.filter(goal__charter__in=in_force, goal__owner=writer).values_list("pk", Value("key_result")),
        Membership.objects.filter(team_id=team).values_list("user_id", Value("person")),
    ]
    parts = [part.order_by() for part in parts]  # in no order, and joining nothing to order by
    return parts[0].union(*parts[1:], all=True).order_by()


def this_week_page(access: TeamAccess, week: TeamWeek) -> ThisWeekPage:
    """The writer's page in eight queries, whatever the size of the team or the charter.

    Queries: the non-negotiables of the charter in force; its goals with their key results; the
    team's people; this week's and last week's check-ins of the writer, with who acknowledged
    them; their blockers and the writer's still open from earlier weeks; this week's key-result
    updates; the writer's open commitments; the replies to their submitted check-ins of both weeks.
    All are sent together.
    """
    team, user = access.team, access.user
    weeks = [week.monday, week.previous().monday]
    # Eight reads of the team and the writer alone, sent together: the page waits for the database once, not eight
    # times. What the form draws of them, no more: the charter's other text stays where it is read. With the
    # writer's check-ins, their blockers and those still open from any earlier week they submitted.
    non_negotiables, people = Read(_non_negotiables, {"team": team.pk}), Read(_people_of, {"team": team.pk})
    checkins = Read(_writer_checkins, {"team": team.pk, "author": user.pk, "weeks": weeks})
    blockers = Read(_writer_blockers, {"team": team.pk, "author": user.pk, "weeks": weeks, "before": week.monday})
    # This week's key-result updates and the replies to both weeks' check-ins, asked by the writer's weeks rather
    # than by the check-ins' ids, so that they go with the rest instead of waiting for the check-ins.
    updates = Read(_writer_updates, {"team": team.pk, "author": user.pk, "week": week.monday})
    replies = Read(_writer_replies, {"team": team.pk, "author": user.pk, "weeks": weeks})
    with reading_ahead([non_negotiables, people, checkins, blockers, updates, replies, _goal_rows_read(team),
                        _open_commitments_read(team, user)]):
        non_negotiables, people, blockers = non_negotiables.rows(), people.rows(), blockers.rows()
        checkins, updates, replies = {c.week: c for c in checkins.rows()}, updates.rows(), replies.rows()
        goals, key_results = _goals_and_key_results(team, owner=user)
        commitments = open_commitments_of(team, user)
    for loaded in checkins.values():
        loaded.team, loaded.author = team, user  # asked for its week, due time and author; already loaded
    link_checkins(access, list(checkins.values()))
    checkin, last_week = checkins.get(week.monday), checkins.get(week.previous().monday)
    mine = [b for b in blockers if checkin and b.check_in_id == checkin.pk]
    by_pk = {c.pk: c for c in checkins.values()}
    carried = [b for b in blockers if b.is_open and (checkin is None or b.check_in_id != checkin.pk)
               and (b.check_in_id not in by_pk or by_pk[b.check_in_id].is_submitted)]
    for update in updates:
        update.check_in = checkin  # already loaded
    threads = _threads([c for c in checkins.values() if c.is_submitted], replies)
    _attach_threads(access, checkins.values(), threads)
    return ThisWeekPage(
        week=week, checkin=checkin, last_week=last_week, non_negotiables=non_negotiables,
        goals=goals, key_results=key_results, people=people,
        open_blockers=[b for b in mine if b.is_open], resolved_blockers=[b for b in mine if not b.is_open],
        last_week_blockers=[b for b in blockers if last_week and b.check_in_id == last_week.pk],
        key_result_updates=updates,
        commitments=commitments,
        replies=threads,
        carried_blockers=sorted(carried, key=lambda b: (b.opened_at, b.pk)),
    )


def _non_negotiables(team: int):
    """The non-negotiables of the team's charter in force, their titles alone: 1 query."""
    return NonNegotiable.objects.filter(charter__in=Charter.objects.filter(team_id=team).active()).only("title")


def _people_of(team: int):
    """The team's people, their names alone, by email: 1 query."""
    return User.objects.filter(memberships__team=team).only("display_name", "email").order_by("email")


def _writer_checkins(team: int, author: int, weeks: list[date]):
    """The author's check-ins of `weeks` in the team, with the strained non-negotiable and who acknowledged
    each: 1 query."""
    return CheckIn.objects.filter(team_id=team, author_id=author, week__in=weeks).select_related(
        "strained_non_negotiable", "acknowledged_by")


def _writer_blockers(team: int, author: int, weeks: list[date], before: date):
    """The blockers of the author's check-ins of `weeks` in the team, and the author's still open from the check-ins
    they submitted there for weeks before `before`: 1 query."""
    earlier = Q(check_in__state=CheckIn.State.SUBMITTED, check_in__week__lt=before, resolved_at__isnull=True)
    return Blocker.objects.filter(Q(check_in__week__in=weeks) | earlier, check_in__team=team, check_in__author=author)


def _writer_updates(team: int, author: int, week: date):
    """The key-result updates of the author's check-in of `week` in the team: 1 query."""
    return KeyResultUpdate.objects.filter(check_in__team=team, check_in__author=author, check_in__week=week)


def _writer_replies(team: int, author: int, weeks: list[date]):
    """The replies to the author's submitted check-ins of `weeks` in the team, oldest first, with who wrote each:
    1 query."""
    return Reply.objects.filter(check_in__team=team, check_in__author=author, check_in__week__in=weeks,
                                check_in__state=CheckIn.State.SUBMITTED).select_related("author")


def _goal_rows_read(team) -> Read:
    return Read(_goal_rows, {"team": team.pk})


def _goals_and_key_results(team, *, owner) -> tuple[list[Goal], list[KeyResult]]:
    """The goals of the team's charter in force (objective and owner), and the key results of those `owner`
    owns (what the form shows of them), in their order: 1 query, each goal joined to its key results
    (`_goal_rows`).

    Each key result comes with where it stands (`kr.latest`, a `LatestProgress`), as the charter page shows
    it (`charters.selectors.attach_latest_progress`): its lineage's latest reading, else the value typed in
    the charter. The reading is read in the same query, one probe of the `is_latest` index per key result.
    """
    goals: dict[int, Goal] = {}
    key_results = []
    for row in _goal_rows_read(team).rows():
        goal = goals.get(row["pk"])
        if goal is None:
            goal = goals[row["pk"]] = Goal(pk=row["pk"], objective=row["objective"], owner_id=row["owner_id"])
        if row["key_results__pk"] is not None and goal.owner_id == owner.pk:
            kr = KeyResult(pk=row["key_results__pk"], goal_id=goal.pk, lineage_id=row["key_results__lineage_id"],
                           metric=row["key_results__metric"], unit=row["key_results__unit"],
                           start_value=row["key_results__start_value"],
                           target_value=row["key_results__target_value"],
                           current_value=row["key_results__current_value"])
            reading = None
            if row["reading_confidence"]:
                reading = KeyResultProgress(lineage_id=kr.lineage_key, value=row["reading_value"],
                                            confidence=row["reading_confidence"],
                                            recorded_at=row["reading_recorded_at"], is_latest=True)
            value = reading.value if reading else kr.current_value
            kr.latest = LatestProgress(value=value, percent=kr.progress_percent_at(value), progress=reading)
            key_results.append(kr)
    return list(goals.values()), key_results


def _goal_rows(team: int):
    """The goals of the team's charter in force, each joined to its key results, with the latest reading of each
    key result's lineage: 1 query."""
    # One row at most (a lineage has one latest reading, a constraint): nothing to order.
    latest = KeyResultProgress.objects.filter(
        lineage_id=Coalesce(OuterRef("key_results__lineage_id"), OuterRef("key_results__pk")),
        is_latest=True).order_by()
    return Goal.objects.filter(charter__in=Charter.objects.filter(team_id=team).active()).order_by(
        "position", "pk", "key_results__position", "key_results__pk").values(
        "pk", "objective", "owner_id", "key_results__pk", "key_results__lineage_id", "key_results__metric",
        "key_results__unit", "key_results__start_value", "key_results__target_value",
        "key_results__current_value", reading_value=Subquery(latest.values("value")[:1]),
        reading_confidence=Subquery(latest.values("confidence")[:1]),
        reading_recorded_at=Subquery(latest.values("recorded_at")[:1]))


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
    return _threads(checkins, read_shaped(_replies, checkins=[checkin.pk for checkin in checkins]))


def _threads(checkins: list[CheckIn], replies: list[Reply]) -> dict[int, list[Reply]]:
    """The thread under each of `checkins`, from `replies` in their order: those to other check-ins are left out."""
    threads: dict[int, list[Reply]] = {checkin.pk: [] for checkin in checkins}
    for reply in replies:
        if reply.check_in_id in threads:
            threads[reply.check_in_id].append(reply)
    return threads


def _attach_threads(access: TeamAccess, checkins: Iterable[CheckIn], threads: dict[int, list[Reply]]) -> None:
    """Give each check-in its `thread` (None: the reader is outside it) and, with one, the version it is kept under."""
    for checkin in checkins:
        checkin.thread = threads.get(checkin.pk)
        if checkin.thread is not None:
            checkin.thread_version = thread_version(access, checkin, checkin.thread)


def thread_version(access: TeamAccess, checkin: CheckIn, replies: list[Reply]) -> tuple:
    """What a check-in's thread draws (checkins/thread.html#thread), for keeping it: the same for every reader who
    may see it and may do the same with it (acknowledge, reply), on the same page. Its replies with whether each
    author has left the team, the acknowledgement, the check-in's author and URLs; its form's tokens are each
    reading's own."""
    acknowledged_by = checkin.acknowledged_by.name if checkin.acknowledged_by_id else None
    return (checkin.pk, checkin.author.name, checkin.is_acknowledged, acknowledged_by, checkin.acknowledged_at,
            checkin.may.acknowledge, checkin.may.reply, checkin.acknowledge_url, checkin.reply_url,
            tuple((reply.pk, reply.author.name, access.is_former_member(reply.author), reply.created_at, reply.body)
                  for reply in replies))


def _replies(checkins: list[int]):
    """The replies to `checkins`, oldest first, with who wrote each: 1 query."""
    return Reply.objects.filter(check_in__in=checkins).select_related("author")


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
    count: ShownCount  # how many flagged it, or "fewer than N" (`alignment.privacy`)
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
    load: list[tuple[str, ShownCount]]  # each load's count as it may be shown (`alignment.privacy`)
    strains: list[Strain]
    boundary_questions: list[CheckIn]
    pending_renegotiations: list[Renegotiation] = field(default_factory=list)
    requested_commitments: list[Commitment] = field(default_factory=list)
    confidence_drops: list[ConfidenceDrop] = field(default_factory=list)
    # Other apps' lines for "where it was unclear who decides" (`checkins.pulse`), e.g. requests from other teams:
    # read with the rest of the page when it asked for them (`pulse_read`), else loaded when shown (the digest built
    # from this page does not show them).
    pulse_reader: TeamAccess | None = None
    pulse_read: list[UnclearWhoDecides] | None = None

    @cached_property
    def unclear_elsewhere(self) -> list[UnclearWhoDecides]:
        if self.pulse_read is not None:
            return self.pulse_read
        return pulse.unclear_elsewhere(self.pulse_reader, self.week) if self.pulse_reader else []

    @property
    def submitted(self) -> list[CheckIn]:
        return [p.checkin for p in self.people if p.is_submitted]

    def shared_ahead(self, here: str, reply_form) -> list[tuple[str, list]]:
        """The check-ins' kept words and threads this page (at `here`, with `reply_form`) draws in a loop, looked for
        together (`{% shared %}`'s `shared_ahead`; a thread's version as checkins/thread.html gives it)."""
        if not self.may_read_checkins:
            return []
        return [*(("checkin-body", [checkin.body_version]) for checkin in self.submitted),
                *(("checkin-thread", [checkin.thread_version, here, reply_form.drawn_alike])
                  for checkin in self.submitted if checkin.thread is not None)]

    @property
    def counts(self) -> dict[str, int]:
        return {"missing": sum(p.is_missing for p in self.people), "draft": sum(p.is_draft for p in self.people),
                "submitted": sum(p.is_submitted for p in self.people)}

    @property
    def load_in_words(self) -> str:
        """Each load's count as it may be shown (`alignment.privacy`): "About right: 4. Light and overloaded:
        fewer than 3 each." """
        shown = [f"{str(label).capitalize()}: {count}" for label, count in self.load if not count.is_hidden]
        hidden = [str(label) for label, count in self.load if count.is_hidden]
        minimum = self.load[0][1].minimum
        if not shown:
            return (f"Each load was given by fewer than {minimum} people, so no count is shown: in a small team "
                    "it would name people.")
        if hidden:
            listed = hidden[0] if len(hidden) == 1 else ", ".join(hidden[:-1]) + " and " + hidden[-1]
            shown.append(f"{listed.capitalize()}: fewer than {minimum}{' each' if len(hidden) > 1 else ''}")
        return ". ".join(shown) + "."


def team_week_page(access: TeamAccess, week: TeamWeek, *, today: date, with_pulse: bool = False) -> TeamWeekPage:
    """The team's week in seven queries, with 5 people or 500.

    Queries: the team's memberships with their people; the week's check-ins with their
    strained non-negotiables and who acknowledged them; the team's open blockers (from
    submitted check-ins) with who raised them; the team's pending renegotiations with their
    commitments and owners; the commitments still waiting for the person asked, with who that
    is; the charter's key results with their confidence at the week's start and end; the
    replies to the week's submitted check-ins the reader may see the threads of (all of them for those
    who answer check-ins, else the reader's own); and each `checkins.pulse` source's (the requests from other
    teams unclear who decides, when `asks` is installed). All are sent together; the pulse's only `with_pulse`
    (the page shows it; the digest built from this page does not), else when it is first shown.
    """
    team = access.team
    # Reads of the team alone, sent together: the page waits for the database once, not once a read.
    reads = [Read(_week_checkins, {"team": team.pk, "week": week.monday}), Read(_memberships_by_email, {"team": team.pk}),
             Read(_open_blockers, {"team": team.pk}), Read(_pending_renegotiations, {"team": team.pk}),
             Read(_requested_commitments, {"team": team.pk}), _week_replies_read(access, week)]
    with reading_ahead([*reads, *key_results_at_reads(team, _drop_moments(week)),
                        *(pulse.unclear_reads(access, week) if with_pulse else ())]):
        week_checkins, memberships, blockers, renegotiations, requested, replies = (read.rows() for read in reads)
        drops = confidence_drops(team, week)
        pulse_read = pulse.unclear_elsewhere(access, week) if with_pulse else None
    checkins = {c.author_id: c for c in week_checkins}
    people = sorted((PersonWeek(m.user, checkins.get(m.user_id)) for m in memberships
                     if Capability.CHECK_IN in capabilities_of(m)), key=lambda p: p.order)
    for row in people:
        if row.checkin is not None:
            row.checkin.author, row.checkin.team = row.person, team  # already loaded
    submitted = [p.checkin for p in people if p.is_submitted]
    for checkin in submitted:
        checkin.body_version = body_version(checkin)
    loads = Counter(c.load for c in submitted if c.load)
    strained = Counter(c.strained_non_negotiable_id for c in submitted if c.strained_non_negotiable_id)
    by_id = {c.strained_non_negotiable_id: c.strained_non_negotiable for c in submitted}
    authors = {p.person.pk: p.person for p in people}
    strains = [Strain(by_id[pk], shown_count(team, count),
                      [(authors.get(c.author_id), c.strain_note) for c in submitted
                       if c.strained_non_negotiable_id == pk and c.strain_note])
               for pk, count in strained.most_common()]
    readers_of_threads = [c for c in submitted if permissions.may_see_replies(access, c)]
    link_checkins(access, submitted)
    histories = RowUrls("checkins:person", team.organisation.slug, team.slug)
    for row in people:
        readable = permissions.may_read_checkins_of(access, row.person.pk)
        row.person.history_url = histories.of(row.person.pk) if readable else ""
    _attach_threads(access, submitted, _threads(readers_of_threads, replies))
    org, slug = team.organisation.slug, team.slug
    resolving = RowUrls("checkins:resolve_blocker", org, slug)
    for blocker in blockers:
        blocker.resolve_url = resolving.of(blocker.pk)
        blocker.may_resolve = permissions.may_resolve_blocker(access, blocker)
    commitment_urls, deciding = RowUrls("checkins:commitment", org, slug), RowUrls("checkins:decide_renegotiation",
                                                                                   org, slug)
    for renegotiation in renegotiations:
        renegotiation.commitment.url = commitment_urls.of(renegotiation.commitment_id)
        renegotiation.decide_url = deciding.of(renegotiation.pk)
    link_commitments(team, requested, today=today)
    return TeamWeekPage(
        week=week, may_read_checkins=permissions.may_read_checkins(access), people=people,
        open_blockers=[OpenBlocker(b, b.age_days(today, team.zone)) for b in blockers],
        load=[(label, shown_count(team, loads.get(value, 0))) for value, label in CheckIn.Load.choices],
        strains=strains,
        boundary_questions=[c for c in submitted if c.boundary_question],
        pending_renegotiations=renegotiations, requested_commitments=requested,
        confidence_drops=drops, pulse_reader=access, pulse_read=pulse_read,
    )


def _week_replies_read(access: TeamAccess, week: TeamWeek) -> Read:
    """The replies to the week's submitted check-ins the reader may see the threads of, as far as a query can tell
    (`may_see_replies` then decides, check-in by check-in): every thread for those who answer check-ins, else the
    reader's own."""
    if Capability.ANSWER_CHECKINS in capabilities_of(access.membership):
        return Read(_week_replies, {"team": access.team.pk, "week": week.monday})
    return Read(_own_week_replies, {"team": access.team.pk, "week": week.monday, "author": access.user.pk})


def _week_replies(team: int, week: date):
    """query: the replies to the team's submitted check-ins of the week, oldest first, with who wrote each"""
    return Reply.objects.filter(check_in__team=team, check_in__week=week, check_in__state=CheckIn.State.SUBMITTED) \
        .select_related("author")


def _own_week_replies(team: int, week: date, author: int):
    """query: the replies to the author's submitted check-in of the week in the team, oldest first, with who wrote
    each"""
    return _week_replies(team, week).filter(check_in__author=author)


def body_version(checkin: CheckIn) -> tuple:
    """What a submitted check-in's words (`checkins/checkin_body.html#words`, drawn alike for the team's week and the
    person's check-ins) are drawn from, for the key they are kept under: its words, its load, and the non-negotiable it strained as it is named
    now. Nothing of who reads it."""
    strained = checkin.strained_non_negotiable
    return (checkin.pk, fragments.digest((checkin.progress, checkin.highlights, checkin.load, checkin.strain_note,
                                          checkin.boundary_question, strained.pk if strained else None,
                                          strained.title if strained else None)))


def _week_checkins(team: int, week: date):
    """The team's check-ins of the week starting `week`, with their strained non-negotiables and who acknowledged
    them, in no order: 1 query."""
    return CheckIn.objects.filter(team_id=team, week=week).select_related(
        "strained_non_negotiable", "acknowledged_by").order_by()


def _memberships_by_email(team: int):
    """The team's memberships with their people, by email: 1 query."""
    return Membership.objects.filter(team_id=team).select_related("user").order_by("user__email")


def _open_blockers(team: int):
    """The team's open blockers from submitted check-ins, with who raised them, who could help and the goal held
    up, what the list shows of them (no check-in's words): 1 query."""
    return Blocker.objects.open().shared().filter(team_id=team).select_related(
        "check_in__author", "who_could_help", "goal").only(
        "what", "opened_at", "check_in__state", "check_in__author__display_name", "check_in__author__email",
        "who_could_help__display_name", "who_could_help__email", "goal__objective")


def _pending_renegotiations(team: int):
    """The pending renegotiations of the team's commitments, with the commitment, its owner and who is proposed:
    1 query."""
    return Renegotiation.objects.filter(commitment__team=team, state=Renegotiation.State.PENDING).select_related(
        "commitment__owner", "proposed_owner")


def _requested_commitments(team: int):
    """The team's commitments still waiting for the person asked, with who that is: 1 query."""
    return Commitment.objects.requested().filter(team_id=team).select_related("owner")


def _drop_moments(week: TeamWeek) -> dict[str, datetime]:
    return {"start": week.starts_at, "end": week.ends_at}


def confidence_drops(team, week: TeamWeek) -> list[ConfidenceDrop]:
    """Key results of the charter in force whose confidence fell during the week (since the week before): 1 query."""
    drops = []
    for kr in active_key_results_at(team, _drop_moments(week)):
        was, now = kr.readings["start"], kr.readings["end"]
        if was is not None and now is not None and now.confidence_rank > was.confidence_rank:
            drops.append(ConfidenceDrop(kr, was, now))
    return drops


def is_overloaded(team, person) -> bool:
    """Whether the person's latest submitted check-in in this team says they are overloaded (one query)."""
    load = CheckIn.objects.filter(team=team, author=person, state=CheckIn.State.SUBMITTED).order_by(
        "-week").values_list("load", flat=True).first()
    return load == CheckIn.Load.OVERLOADED


def asking_an_overloaded_person(team, owner, asker) -> bool:
    """Whether asking `owner` to commit means first warning `asker` that they are overloaded: someone else's
    latest check-in says so (one query; none when people ask themselves)."""
    return owner.pk != asker.pk and is_overloaded(team, owner)


def open_commitments_of(team, person) -> list[Commitment]:
    """A person's open commitments in the team, soonest due first (one query)."""
    commitments = _open_commitments_read(team, person).rows()
    link_commitments(team, commitments)
    return commitments


def _open_commitments_read(team, person) -> Read:
    return Read(_open_commitments, {"team": team.pk, "owner": person.pk})


def _open_commitments(team: int, owner: int):
    """The owner's open commitments in the team, soonest due first: 1 query."""
    return Commitment.objects.open().filter(team_id=team, owner_id=owner)


def link_commitments(team, commitments: list[Commitment], *, today: date | None = None) -> None:
    """Give each commitment its page's URL (`url`), the pattern reversed once for all of them, and when it is
    due in words (`due`, "3 weeks overdue (due Wed 11 Nov)") and how overdue it is (`overdue`, "3 weeks
    overdue", empty when it is not), on the team's calendar `today`."""
    today = today or team_today(team)
    pages = RowUrls("checkins:commitment", team.organisation.slug, team.slug)
    for commitment in commitments:
        commitment.team = team  # already loaded
        commitment.url = pages.of(commitment.pk)
        commitment.due, commitment.overdue = commitment.due_phrase(today), commitment.overdue_phrase(today)


def team_today(team, now: datetime | None = None) -> date:
    """The date on the team's calendar (its time zone) at `now`."""
    return timezone.localtime(now or timezone.now(), team.zone).date()


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

    @property
    def hand_over(self) -> Renegotiation | None:
        """The accepted hand-over that made its owner the owner; None when they hold it otherwise (they took it on
        or were asked for it first, or a hand-over they declined gave it back to them)."""
        handed = [r for r in self.history if r.is_accepted and r.is_hand_over]
        if handed and handed[-1].proposed_owner_id == self.commitment.owner_id:
            return handed[-1]
        return None

    @property
    def first_owner(self) -> User:
        """Who first took it on, or was first asked for it: whom the first hand-over took it from, else its owner."""
        first = next((r for r in self.history if r.is_accepted and r.is_hand_over), None)
        return first.was_owner if first is not None else self.commitment.owner

    @property
    def was_asked(self) -> bool:
        """Someone asked its first owner for it (a leader's request); one's own commitment handed over was not."""
        creator = self.commitment.created_by_id
        return creator is not None and creator != self.first_owner.pk


def commitment_page(access: TeamAccess, commitment_id: int) -> CommitmentPage | None:
    """One commitment for its reader in three queries: it, its renegotiations with who asked and decided, the people."""
    team = access.team
    commitment = Commitment.objects.filter(team=team, pk=commitment_id).select_related(
        "owner", "goal", "created_by").first()
    if commitment is None:
        return None
    link_commitments(team, [commitment])
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
    confidence: dict[str, str]  # each confidence's words, translated once for the page

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
                   f"{self.confidence[w.reading.confidence]}" if w.reading else ""),
        ) for w in self.weeks]
        return charts.line_chart(points, target=kr.target_value, start=kr.start_value, unit=kr.unit,
                                 series="value at the week's end", status_labels=self.confidence,
                                 gap_label="no reading yet")

    @property
    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table under the chart, already written: week, value, confidence, updated that week."""
        unit = self.key_result.unit
        return [(self.names[w.week.monday].day, charts.format_number(w.reading.value, unit) if w.reading else "—",
                 self.confidence[w.reading.confidence] if w.reading else "—", "yes" if w.updated else "no")
                for w in self.weeks]

    @property
    def table_rows(self) -> SafeString:
        """`rows` as the table's rows: seventy-odd rows a page, cheaper written here than by a template loop, and
        their plain texts escaped by `html.escape` (as the charts are), not each row through `format_html`."""
        escape = html.escape
        return mark_safe("".join(  # noqa: S308 — every text escaped
            f'<tr><th scope="row">{escape(day)}</th><td>{escape(value)}</td><td>{escape(confidence)}</td>'
            f"<td>{escape(updated)}</td></tr>" for day, value, confidence, updated in self.rows))

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
    loads: list[tuple[str, ShownCount]]  # as they may be shown (`alignment.privacy`)
    # Who was there to check in: today's people who had joined by the week's end; None before the team existed.
    expected: int | None = None

    @property
    def before_the_team(self) -> bool:
        return self.expected is None

    @property
    def day(self) -> str:
        """"23 Nov 2026": the week's Monday, as the tables name it."""
        return f"{self.week.monday:%-d %b %Y}"


@dataclass(frozen=True)
class StrainTrend:
    non_negotiable_title: str
    counts: list[ShownCount]  # one per week of the window, as they may be shown (`alignment.privacy`)
    total: ShownCount


@dataclass
class TrendsPage:
    """The team over a window of weeks: key results, participation and the charter's pulse."""

    window: Window
    key_results: list[KeyResult]  # of the charter in force, with their goals
    # Their lineages' readings before the window ends: the newest one's id, how many, and when one was last saved.
    readings: tuple[int | None, int, datetime | None]
    participation: list[WeekParticipation]
    people_count: int  # who checks in today
    strains: list[StrainTrend]

    @property
    def key_results_version(self) -> tuple:
        """What the key results' part of the page is drawn from, as its version (`{% shared %}`): the key results
        of a ratified version (which never changes), the window, and their readings (each a row of its own: a new
        one, or one removed, changes the newest id or the count; one corrected in the admin, when one was last
        saved)."""
        return (tuple(kr.pk for kr in self.key_results), self.window.first.monday, self.window.last.monday,
                *self.readings)

    @cached_property
    def goals(self) -> list[tuple[Goal, list[KeyResultTrend]]]:
        """Each goal with its key results' trends, week by week: 2 queries, made only when the part is drawn."""
        readings = readings_by_week(self.key_results, self.window.weeks)
        names = {week.monday: WeekNames.of(week) for week in self.window.weeks}
        confidence = {value: str(label) for value, label in KeyResultProgress.Confidence.choices}
        goals: dict[int, tuple[Goal, list[KeyResultTrend]]] = {}
        for kr in self.key_results:
            goals.setdefault(kr.goal_id, (kr.goal, []))[1].append(KeyResultTrend(kr, readings[kr.pk], names,
                                                                                  confidence))
        return list(goals.values())

    @property
    def week_names(self) -> list[WeekNames]:
        return [WeekNames.of(week) for week in self.window.weeks]

    @property
    def participation_chart(self) -> charts.BarChart:
        """A bar per week; a week before the team existed is a gap, not a week nobody checked in."""
        return charts.bar_chart([charts.Bar(
            label=f"{week.week.monday:%-d %b}", value=None if week.before_the_team else week.submitted,
            title=(f"{week.week.label}: before the team existed" if week.before_the_team else
                   f"{week.week.label}: {week.submitted} of {week.expected} checked in"))
            for week in self.participation], maximum=self.people_count, series="check-ins submitted",
            gap_label="before the team existed")


def trends_page(team, window: Window) -> TrendsPage:
    """The trends page in five queries, whatever the number of weeks behind the window; two more to draw
    the key results' part when it is not kept for their readings (`TrendsPage.goals`).

    Queries: the team's memberships (who checks in, since when); the charter's key results with their
    goals; the newest of their readings before the window ends, and how many; the window's check-ins
    counted by week, state, lateness, load and strained non-negotiable.

    A week is counted against the people who were there: today's people who had joined by its end
    (`WeekParticipation.expected`); a week that ended before the team was created expects nobody.
    """
    joined = [m.joined_at for m in read_shaped(_team_memberships, team=team.pk)
              if Capability.CHECK_IN in capabilities_of(m)]
    people_count = len(joined)
    key_results = active_key_results_at(team, {})
    readings = (None, 0, None)
    if key_results:
        found = read_shaped(_readings_counted, lineages=sorted({kr.lineage_key for kr in key_results}),
                            before=window.last.ends_at)
        readings = (found[0]["newest"], found[0]["count"], found[0]["saved"]) if found else (None, 0, None)
    participation, strains, _ = participation_and_strain(team, window.weeks)
    participation = [replace(week, expected=expected_in(week.week, team=team, joined=joined))
                     for week in participation]
    return TrendsPage(window=window, key_results=key_results, readings=readings, people_count=people_count,
                      participation=participation, strains=strains)


def _team_memberships(team: int):
    """The team's memberships (who checks in, since when): 1 query."""
    return Membership.objects.filter(team_id=team)


def _readings_counted(lineages: list[int], before: datetime):
    """The newest reading of `lineages` recorded before `before` (its id, `newest`), how many there are (`count`)
    and when one was last saved (`saved`): 1 query, one row (an aggregate over them all, grouped by nothing)."""
    return (KeyResultProgress.objects.filter(lineage_id__in=lineages, recorded_at__lt=before).order_by()
            .values(every=Value(1)).annotate(newest=Max("pk"), count=Count("pk"), saved=Max("updated_at"))
            .values("newest", "count", "saved"))


def expected_in(week: TeamWeek, *, team, joined: Iterable[datetime]) -> int | None:
    """Who was there to check in during `week`: of the people who joined the team at the moments `joined`, those
    who had by its end; None when it ended before the team was created. A pure function.

    A week before someone joined, or before the team existed, is not a check-in they missed: trends count each
    week against it, and a person's history says so of the weeks before they were there.
    """
    if week.ends_at <= team.created_at:
        return None
    return sum(1 for moment in joined if moment < week.ends_at)


def participation_reads(team, weeks: list[TeamWeek]) -> list[Read]:
    """What `participation_and_strain` reads, for a page that reads it ahead with its other queries."""
    return [Read(_counted_checkins, {"team": team.pk, "first": weeks[0].monday, "last": weeks[-1].monday})]


def participation_and_strain(team, weeks: list[TeamWeek]) -> tuple[list[WeekParticipation], list[StrainTrend], int]:
    """Per week: check-ins submitted, late, drafted and the load they reported; per non-negotiable, how
    many flagged it as strained each week; and how many boundary questions were asked. 1 query.

    The strained non-negotiable's title is looked up per counted check-in (by its id), not joined: a join
    read every non-negotiable of the organisation to find the few strained ones.
    """
    counted = participation_reads(team, weeks)[0].rows()
    index = {week.monday: i for i, week in enumerate(weeks)}
    loads = [(value, str(label)) for value, label in CheckIn.Load.choices]
    submitted, late, drafts = [0] * len(weeks), [0] * len(weeks), [0] * len(weeks)
    loaded = {value: [0] * len(weeks) for value, _ in loads}
    strains: dict[str, list[int]] = {}
    questions = 0
    for row in counted:
        i, n = index[row["week"]], row["n"]
        if row["state"] != CheckIn.State.SUBMITTED:
            drafts[i] += n
            continue
        submitted[i] += n
        late[i] += n if row["is_late"] else 0
        if row["load"] in loaded:
            loaded[row["load"]][i] += n
        if row["strained"]:
            strains.setdefault(row["strained"], [0] * len(weeks))[i] += n
        questions += row["questions"]
    participation = [
        WeekParticipation(week=week, submitted=submitted[i], late=late[i], drafts=drafts[i],
                          loads=[(label, shown_count(team, loaded[value][i])) for value, label in loads])
        for i, week in enumerate(weeks)
    ]
    ranked = [StrainTrend(title, [shown_count(team, n) for n in counts], shown_count(team, sum(counts)))
              for title, counts in sorted(strains.items(), key=lambda item: -sum(item[1]))]
    return participation, ranked, questions


def _counted_checkins(team: int, first: date, last: date):
    """The team's check-ins of the weeks from `first` to `last`, counted by week, state, lateness, load and the
    non-negotiable strained (and how many asked a boundary question)."""
    title = NonNegotiable.objects.filter(pk=OuterRef("strained_non_negotiable_id")).order_by().values("title")[:1]
    return (CheckIn.objects.filter(team_id=team, week__gte=first, week__lte=last)
            .annotate(strained=Subquery(title)).values("week", "state", "is_late", "load", "strained")
            .annotate(n=Count("pk"), questions=Count("pk", filter=~Q(boundary_question=""))).order_by())


@dataclass(frozen=True)
class PersonWeekRow:
    """One week of a person's history: its names, their check-in, and whether they were there to write one."""

    week: WeekNames
    checkin: CheckIn | None
    expected: int | None  # `expected_in` of the person alone: 1 once they had joined, 0 before, None before the team

    @property
    def is_missed(self) -> bool:
        return self.checkin is None and bool(self.expected)

    @property
    def before_the_team(self) -> bool:
        return self.expected is None


@dataclass
class PersonHistoryPage:
    """One person's check-ins in a team, newest week first, with what came of them."""

    person: object
    window: Window
    rows: list[PersonWeekRow]  # each week's names (written once), its check-in, whether they were there

    @property
    def checkins(self) -> list[CheckIn]:
        return [row.checkin for row in self.rows if row.checkin is not None]

    @property
    def shared_ahead(self) -> list[tuple[str, list]]:
        """The submitted check-ins' kept words this page draws in a loop, looked for together (`{% shared %}`)."""
        return [("checkin-body", [checkin.body_version]) for checkin in self.checkins if checkin.body_version]


def person_history_page(access: TeamAccess, person_id: int, window: Window) -> PersonHistoryPage | None:
    """A person's check-ins over a window of weeks in four queries; None when they are not in the team.

    Queries: their membership (since when they are in the team) with them; their check-ins of the window with
    the strained non-negotiable, who acknowledged it and the number of replies; the blockers raised in them
    with who resolved them; their key-result updates with the key results' names. Another reader
    sees submitted ones only. Each check-in gets its `shown_blockers` and `shown_updates`, and a submitted one the
    version its words are kept under (`body_version`). A week before
    they joined, or before the team existed, is not a missed one (`expected_in`, as trends count it).
    """
    team = access.team
    found = read_shaped(_member, team=team.pk, person=person_id)
    if not found:
        return None
    membership = found[0]
    person = membership.user
    by_week = {}
    for checkin in read_shaped(_person_checkins, team=team.pk, author=person.pk, first=window.first.monday,
                               last=window.last.monday):
        checkin.author, checkin.team = person, team
        if permissions.may_read_checkin(access, checkin):
            by_week[checkin.week] = checkin
            checkin.shown_blockers, checkin.shown_updates = [], []
            # A submitted check-in's words are kept as the team's week keeps them; a draft's are drawn each time.
            checkin.body_version = body_version(checkin) if checkin.is_submitted else None
    shown = {checkin.pk: checkin for checkin in by_week.values()}
    if shown:
        for blocker in read_shaped(_blockers_resolved_by, checkins=list(shown)):
            shown[blocker.check_in_id].shown_blockers.append(blocker)
        for update in read_shaped(_updates_with_key_results, checkins=list(shown)):
            shown[update.check_in_id].shown_updates.append(update)
    link_checkins(access, list(by_week.values()))
    rows = [PersonWeekRow(WeekNames.of(week), by_week.get(week.monday),
                          expected_in(week, team=team, joined=[membership.joined_at])) for week in reversed(window.weeks)]
    return PersonHistoryPage(person=person, window=window, rows=rows)


def _member(team: int, person: int):
    """The person's membership of the team (since when they are in it) with their name: 1 query, one row at most."""
    # A person is in a team once (a constraint): nothing to order.
    return Membership.objects.filter(team_id=team, user_id=person).select_related("user").only(
        "joined_at", "user__display_name", "user__email").order_by()[:1]


def _person_checkins(team: int, author: int, first: date, last: date):
    """The author's check-ins in the team of the weeks from `first` to `last`, with the strained non-negotiable,
    who acknowledged each and its number of replies (`reply_count`): 1 query."""
    # Counted per check-in (a subquery), not grouped over a join: planning that took longer than running it.
    replies = Reply.objects.filter(check_in=OuterRef("pk")).order_by().values("check_in").annotate(
        n=Count("pk")).values("n")
    return CheckIn.objects.filter(team_id=team, author_id=author, week__gte=first, week__lte=last).select_related(
        "strained_non_negotiable", "acknowledged_by").annotate(reply_count=Coalesce(Subquery(replies), 0))


def _blockers_resolved_by(checkins: list[int]):
    """The blockers raised in `checkins`, with who resolved them: 1 query."""
    return Blocker.objects.filter(check_in__in=checkins).select_related("resolved_by")


def _updates_with_key_results(checkins: list[int]):
    """The key-result updates of `checkins`, with their key results' names: 1 query."""
    return KeyResultUpdate.objects.filter(check_in__in=checkins).select_related("key_result").only(
        "check_in_id", "value", "confidence", "key_result__metric", "key_result__unit")


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
    found = read_shaped(_checkin, team=team.pk, checkin=checkin_id)
    if not found:
        return None
    checkin = found[0]
    checkin.team = team
    link_checkins(access, [checkin])
    blockers = read_shaped(_blockers_of, checkin=checkin.pk)
    resolving = RowUrls("checkins:resolve_blocker", team.organisation.slug, team.slug)
    for blocker in blockers:
        blocker.check_in = checkin  # already loaded
        blocker.resolve_url = resolving.of(blocker.pk)
        blocker.may_resolve = blocker.is_open and permissions.may_resolve_blocker(access, blocker)
    updates = read_shaped(_updates_with_key_results, checkins=[checkin.pk])
    for update in updates:
        update.check_in = checkin  # already loaded
    replies = replies_to([checkin])[checkin.pk] if checkin.may.see_replies else None
    _attach_threads(access, [checkin], {} if replies is None else {checkin.pk: replies})
    return CheckInPage(checkin=checkin, blockers=blockers, updates=updates, replies=replies)


def _checkin(team: int, checkin: int):
    """query: the check-in with its author, strained non-negotiable and who acknowledged it"""
    return CheckIn.objects.filter(team_id=team, pk=checkin).select_related(
        "author", "strained_non_negotiable", "acknowledged_by").order_by("pk")[:1]


def _blockers_of(checkin: int):
    """query: the check-in's blockers with who could help, their goals and who resolved each"""
    return Blocker.objects.filter(check_in_id=checkin).select_related("who_could_help", "goal", "resolved_by")


def blocker_of(team, blocker_id: int) -> Blocker | None:
    """One of the team's blockers with its check-in (whose it is, whether submitted), for resolving it: 1 query."""
    found = read_shaped(_blocker, team=team.pk, blocker=blocker_id)
    if not found:
        return None
    found[0].check_in.team = team  # already loaded
    return found[0]


def _blocker(team: int, blocker: int):
    return Blocker.objects.select_related("check_in").filter(pk=blocker, team_id=team).order_by("pk")[:1]
