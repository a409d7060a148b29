"""Read-only queries for charters: a whole charter in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache, partial

from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from alignment import fragments
from alignment.drawn_alike import DrawnAlike, DrawnFields, PartsAlike
from alignment.drawn_once import drawn_once
from alignment.models import Membership
from alignment.one_query import Read, read_first, read_shaped, reading_ahead
from alignment.permissions import Capability, TeamAccess, capabilities_of
from alignment.row_urls import ROW_ID, RowUrls
from alignment.templatetags.fragments import TOKEN_PLACEHOLDER
from alignment.templatetags.people import former_member_mark
from alignment.weeks import TeamWeek
from charters import panels, prose
from charters.completeness import Completeness, check_charter
from charters.content import CharterContent
from charters.forms import (
    AmendmentForm,
    AnswerForm,
    CommentForm,
    ProgressForm,
    ProposeForm,
    QuorumForm,
    ResponseForm,
    last_reading,
    organisation_reading_form_for,
)
from charters.models import (
    Boundary,
    Charter,
    Comment,
    ConsentGap,
    Goal,
    KeyResult,
    KeyResultProgress,
    NonNegotiable,
    OrganisationGoal,
    OrganisationKeyResult,
    Response,
    Section,
)
from charters.organisation_map import ContributorsPage, GoalTree, contributors_page, goal_tree
from charters.permissions import (
    CharterPermissions,
    OrganisationGoalActions,
    OrganisationGoalPermissions,
    StanceVisibility,
    for_charter,
    may_resolve,
    stance_visibility,
)
from charters.prose import attach_prose, cache_key
from charters.tags import refresh_tag_lists, with_tag_list
from charters.versions import SectionDiff, compare, compare_texts, section_texts


def load_content(charter: Charter) -> CharterContent:
    """Non-negotiables, boundaries, goals (with owners and the organisation goals they name) and their key
    results: 4 queries (`load_contents`)."""
    return load_contents([charter])[charter.pk]


def kept_content(charter: Charter, *, people: Iterable = (), found: dict[str, object] | None = None) -> CharterContent:
    """`kept_contents` for one version."""
    return kept_contents([charter], people=people, found=found)[charter.pk]


def kept_contents(charters: list[Charter], *, people: Iterable = (),
                  found: dict[str, object] | None = None) -> dict[int, CharterContent]:
    """`load_contents`, kept per version of each text, by version id.

    A version's items change only with its text: a ratified version never, a working copy with each
    edit, which raises its `revision` (`services._mark_text_changed`). So they are kept under the
    version's prose key (`cache_key`: its identity, and a working copy's revision) by the first
    reading (4 queries, whatever the number of versions). Later readings read only what others may
    rename meanwhile, for every version at once: the goals' owners (1 query; none when each is one of
    `people`, the team's members the caller has loaded anyway, or without owners), the organisation
    goals they contribute to (1; none without such a link) and the names of the boundaries' tags
    (1; none without tags). `found`: what `contents_kept` found, when the caller looked already.
    """
    keys = _content_keys(charters)
    found = contents_kept(charters) if found is None else found
    missing = [charter for charter in charters if keys[charter.pk] not in found]
    contents = load_contents(missing) if missing else {}
    for charter in missing:
        _keep(keys[charter.pk], contents[charter.pk])
    kept = [CharterContent(charter, *found[keys[charter.pk]]) for charter in charters if keys[charter.pk] in found]
    _read_names_again(kept, people)
    contents.update((content.charter.pk, content) for content in kept)
    return contents


def _content_keys(charters: list[Charter]) -> dict[int, str]:
    return {charter.pk: f"charter-content:{cache_key(charter)}" for charter in charters}


def contents_kept(charters: list[Charter], *, also: Iterable[str] = ()) -> dict[str, object]:
    """The versions' items kept (`kept_contents`), by key: none, some or all of them; and of the values kept under
    the keys `also` names (`fragments.kept`), those found, in the same round trip."""
    return fragments.kept_many([*_content_keys(charters).values(), *also])


def content_reads(charters: list[Charter], found: dict[str, object]) -> list[Read]:
    """The reads `load_contents` makes for those of the versions whose items `found` lacks (none when it has
    them all), for a page to send with its others (`reading_ahead`)."""
    keys = _content_keys(charters)
    ids = [charter.pk for charter in charters if keys[charter.pk] not in found]
    return [Read(build, {"charters": ids}) for build in _CONTENT] if ids else []


def _keep(key: str, content: CharterContent) -> None:
    """Keep a version's items without the people and organisation goals they name, which are read afresh."""
    related = {goal.pk: (goal.owner, goal.contributes_to) for goal in content.goals}
    for goal in content.goals:
        Goal.owner.field.delete_cached_value(goal)
        Goal.contributes_to.field.delete_cached_value(goal)
    # Kept a week from now, a ratified version's too (`fragments.keep`); a working copy's edits make them unread sooner.
    fragments.keep(key, (content.non_negotiables, content.boundaries, content.goals))
    for goal in content.goals:
        goal.owner, goal.contributes_to = related[goal.pk]


def _read_names_again(contents: list[CharterContent], people: Iterable) -> None:
    """The goals' owners, the organisation goals they contribute to and the boundaries' tag names of kept
    items, as they are now: 1 query each at most (`kept_contents`)."""
    if not contents:
        return
    goals = [goal for content in contents for goal in content.goals]
    refresh_tag_lists([item for content in contents for item in content.boundaries])  # renamed since, perhaps
    known = {person.pk: person for person in people}
    unknown = {goal.owner_id for goal in goals if goal.owner_id and goal.owner_id not in known}
    if unknown:  # query: the owners who are not among the team's people loaded
        known.update((person.pk, person) for person in read_shaped(_people, ids=sorted(unknown)))
    linked_ids = {goal.contributes_to_id for goal in goals if goal.contributes_to_id}
    linked = {goal.pk: goal for goal in read_shaped(_organisation_goals, ids=sorted(linked_ids))} \
        if linked_ids else {}  # query: the organisation goals
    for goal in goals:
        goal.owner = known.get(goal.owner_id) if goal.owner_id else None  # None when the person was deleted since
        goal.contributes_to = linked.get(goal.contributes_to_id)


def _people(ids: list[int]):
    """The people with these ids (goals' owners): 1 query."""
    return Goal._meta.get_field("owner").related_model.objects.filter(pk__in=ids)


def _organisation_goals(ids: list[int]):
    """The organisation goals with these ids (those team goals contribute to): 1 query."""
    return OrganisationGoal.objects.filter(pk__in=ids)


def load_contents(charters: list[Charter]) -> dict[int, CharterContent]:
    """`load_content` for several versions at once, by version id: still 4 queries."""
    by_charter = {charter.pk: charter for charter in charters}
    ids = list(by_charter)
    goals, non_negotiables, boundaries, key_results = (read_shaped(build, charters=ids) for build in _CONTENT)
    by_goal = {goal.pk: goal for goal in goals}
    for goal in goals:
        goal.key_results_list = []
    for key_result in key_results:  # in their order within each goal
        key_result.goal = goal = by_goal[key_result.goal_id]
        goal.key_results_list.append(key_result)
    return {pk: CharterContent(
        charter=charter,
        non_negotiables=[item for item in non_negotiables if item.charter_id == pk],
        boundaries=[item for item in boundaries if item.charter_id == pk],
        goals=[goal for goal in goals if goal.charter_id == pk],
    ) for pk, charter in by_charter.items()}


def _goals(charters: list[int]):
    """The versions' goals with their owners and the organisation goals they name: 1 query."""
    return Goal.objects.filter(charter__in=charters).select_related("owner", "contributes_to")


def _key_results(charters: list[int]):
    """The versions' key results, in their order within each goal: 1 query, a read of its own (not prefetched after
    the goals) so that a page sends it with the others, its SQL compiled once."""
    return KeyResult.objects.filter(goal__charter__in=charters).order_by("position", "pk")


def _non_negotiables(charters: list[int]):
    """The versions' non-negotiables: 1 query."""
    return NonNegotiable.objects.filter(charter__in=charters)


def _boundaries(charters: list[int]):
    """The versions' boundaries with their tags' names (`with_tag_list`): 1 query."""
    return with_tag_list(Boundary.objects.filter(charter__in=charters))


# What `load_contents` reads: goals, non-negotiables, boundaries, and the goals' key results (`key_results_list`).
_CONTENT = (_goals, _non_negotiables, _boundaries, _key_results)


def comparison(old: Charter, new: Charter) -> list[SectionDiff]:
    """Two versions section by section: 4 queries, none when these texts were compared before."""
    key = f"charter-compare:{cache_key(old)}:{cache_key(new)}"

    def made() -> list[SectionDiff]:
        contents = load_contents([old, new])
        return compare(contents[old.pk], contents[new.pk])

    return fragments.kept(key, made)


# Key-result progress ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LatestProgress:
    """Where a key result stands: its lineage's latest progress, else the value written in the charter."""

    value: Decimal | None
    percent: int | None  # of the way from this version's start to its target
    progress: KeyResultProgress | None  # the reading it comes from: confidence, note, when and by whom

    @property
    def confidence(self) -> KeyResultProgress.Confidence | None:
        return KeyResultProgress.Confidence(self.progress.confidence) if self.progress else None


def latest_progress(lineage_ids: Iterable[int], before: datetime | None = None) -> dict[int, KeyResultProgress]:
    """The newest progress of each lineage (`KeyResult.lineage_key`), with who recorded it: 1 query.

    One index lookup per lineage, however long its history: the newest row's id is read
    per key result in a subquery, then those rows are fetched. `before` asks where each
    stood at that moment (what was recorded strictly earlier).
    """
    ids = set(lineage_ids)
    if not ids:
        return {}
    rows = read_shaped(_latest_progress, lineages=sorted(ids), before=before)
    return {row.lineage_id: row for row in rows}


def _latest_progress(lineages: list[int], before: datetime | None):
    """The newest progress of each lineage (recorded before `before`, unless None), with who recorded it: 1 query."""
    newest_ids = KeyResult.objects.filter(pk__in=lineages).values(latest=_newest_reading("pk", before))
    return KeyResultProgress.objects.filter(pk__in=newest_ids).select_related("recorded_by")


def _latest_progress_of(charter: int):
    """The newest progress of each key result of the version `charter` (by lineage), with who recorded it: 1 query
    that needs no key result loaded first, so that a page sends it with its others (`reading_ahead`)."""
    newest_ids = (KeyResult.objects.filter(goal__charter_id=charter).values(lineage_key=Coalesce("lineage_id", "pk"))
                  .values(latest=_newest_reading("lineage_key")))
    return KeyResultProgress.objects.filter(pk__in=newest_ids).select_related("recorded_by")


def _newest_reading(lineage: str, before: datetime | None = None) -> Subquery:
    """The id of the newest reading of the outer row's lineage (its column `lineage`), recorded before `before`."""
    newest = KeyResultProgress.objects.filter(lineage_id=OuterRef(lineage))
    if before is not None:
        newest = newest.filter(recorded_at__lt=before)
    return Subquery(newest.order_by("-recorded_at", "-pk").values("pk")[:1])


def attach_latest_progress(key_results: list[KeyResult], *, of_charter: int | None = None) -> None:
    """Set `kr.latest` (a `LatestProgress`) on each key result: 1 query, none without key results. `of_charter`:
    the key results are the version's with that id, whose readings are read by it (`_latest_progress_of`: 1 query
    either way, which the charter page sends ahead with its other reads)."""
    if of_charter is None:
        newest = latest_progress(kr.lineage_key for kr in key_results)
    else:
        newest = {row.lineage_id: row for row in read_shaped(_latest_progress_of, charter=of_charter)}
    for kr in key_results:
        progress = newest.get(kr.lineage_key)
        value = progress.value if progress else kr.current_value
        kr.latest = LatestProgress(value=value, percent=kr.progress_percent_at(value), progress=progress)


def progress_history(lineage_ids: Iterable[int], since: datetime | None = None,
                     until: datetime | None = None) -> dict[int, list[KeyResultProgress]]:
    """Each lineage's progress, oldest first (value and confidence over time), with who recorded it: 1 query.

    Keyed by lineage (`KeyResult.lineage_key`), every lineage asked for present, if only
    with an empty list. `since` keeps what was recorded at or after that moment, `until`
    what was recorded before that one.
    """
    history: dict[int, list[KeyResultProgress]] = {lineage_id: [] for lineage_id in lineage_ids}
    if not history:
        return history
    for row in read_shaped(_progress_history, lineages=sorted(history), since=since, until=until):
        history[row.lineage_id].append(row)
    return history


def _progress_history(lineages: list[int], since: datetime | None, until: datetime | None):
    """query: the lineages' progress recorded from `since` to before `until` (either None: unbounded), oldest first
    within each lineage, with who recorded it"""
    rows = KeyResultProgress.objects.filter(lineage_id__in=lineages).select_related("recorded_by")
    if since is not None:
        rows = rows.filter(recorded_at__gte=since)
    if until is not None:
        rows = rows.filter(recorded_at__lt=until)
    return rows.order_by("lineage_id", "recorded_at", "pk")


@dataclass(frozen=True)
class Reading:
    """Where a key result stood at one moment: its newest progress recorded before it."""

    value: Decimal
    confidence: str

    @property
    def confidence_rank(self) -> int:
        """0 on track, 1 at risk, 2 off track: a larger rank is a fall."""
        return CONFIDENCE_ORDER.index(self.confidence)

    def get_confidence_display(self) -> str:
        return KeyResultProgress.Confidence(self.confidence).label


CONFIDENCE_ORDER = [choice.value for choice in KeyResultProgress.Confidence]


def key_results_at_reads(team, moments: dict[str, datetime]) -> list[Read]:
    """What `active_key_results_at` reads, for a page that reads it ahead with its other queries."""
    return [Read(_key_results_at, {"team": team.pk, "moments": list(moments.values())}, {"names": tuple(moments)})]


def active_key_results_at(team, moments: dict[str, datetime]) -> list[KeyResult]:
    """The key results of the team's charter in force, with their goal and where each stood at each moment: 1 query.

    For each name in `moments`, `kr.readings[name]` is a `Reading` (the newest progress of its
    lineage recorded before that moment) or None. One index lookup per key result and moment,
    however long the history.
    """
    key_results = key_results_at_reads(team, moments)[0].rows()
    for kr in key_results:
        kr.readings = {}
        for name in moments:
            value, confidence = getattr(kr, f"reading_{name}_value"), getattr(kr, f"reading_{name}_confidence")
            kr.readings[name] = Reading(value, confidence) if confidence else None
    return key_results


def _key_results_at(team: int, names: tuple[str, ...], moments: list[datetime]):
    """query: the key results of the team's charter in force with their goals, and where each stood at each
    moment, named by `names` in order (`reading_<name>_value`, `reading_<name>_confidence`)"""
    lineage = Coalesce(OuterRef("lineage_id"), OuterRef("pk"))
    rows = KeyResult.objects.filter(goal__charter__in=Charter.objects.filter(team_id=team).active()).select_related(
        "goal").order_by("goal__position", "goal_id", "position", "pk")
    for name, moment in zip(names, moments, strict=True):
        newest = KeyResultProgress.objects.filter(lineage_id=lineage, recorded_at__lt=moment).order_by(
            "-recorded_at", "-pk")
        rows = rows.annotate(**{f"reading_{name}_value": Subquery(newest.values("value")[:1]),
                                f"reading_{name}_confidence": Subquery(newest.values("confidence")[:1])})
    return rows


@dataclass(frozen=True)
class WeekReading:
    """Where a key result stood at the end of one week; `updated` when progress was recorded that week."""

    week: TeamWeek
    reading: Reading | None
    updated: bool


def readings_by_week(key_results: list[KeyResult], weeks: list[TeamWeek]) -> dict[int, list[WeekReading]]:
    """Each key result's reading at the end of each week (carried forward), keyed by its id: 2 queries.

    Queries: where each lineage stood when the first week began; what was recorded in the weeks.
    None without key results or weeks.
    """
    if not key_results or not weeks:
        return {kr.pk: [] for kr in key_results}
    start, end = weeks[0].starts_at, weeks[-1].ends_at
    lineages = sorted({kr.lineage_key for kr in key_results})
    # Values, not readings: a chart draws a value and a confidence a week, never who recorded them.
    opening = {lineage: Reading(value, confidence)
               for lineage, value, confidence in read_shaped(_readings_before, lineages=lineages, before=start)}
    history: dict[int, list[tuple[Decimal, str, datetime]]] = {lineage: [] for lineage in lineages}
    for lineage, value, confidence, recorded_at in read_shaped(_readings_during, lineages=lineages, since=start,
                                                               until=end):
        history[lineage].append((value, confidence, recorded_at))
    # The weeks follow one another, and each lineage's rows come in the order recorded, all inside the
    # weeks: one pass over both, with each week's end computed once (in UTC, so comparing is exact).
    ends = [week.ends_at.astimezone(UTC) for week in weeks]
    found = {}
    for kr in key_results:
        rows, reading = history[kr.lineage_key], opening.get(kr.lineage_key)
        readings, next_row = [], 0
        for week, end in zip(weeks, ends, strict=True):
            last = None
            while next_row < len(rows) and rows[next_row][2] < end:
                last, next_row = rows[next_row], next_row + 1
            if last is not None:
                reading = Reading(last[0], last[1])
            readings.append(WeekReading(week, reading, last is not None))
        found[kr.pk] = readings
    return found


def _readings_before(lineages: list[int], before: datetime):
    """query: where each lineage stood at `before` (`_latest_progress`): lineage, value, confidence"""
    return _latest_progress(lineages, before).values_list("lineage_id", "value", "confidence")


def _readings_during(lineages: list[int], since: datetime, until: datetime):
    """query: the lineages' readings from `since` to before `until`, oldest first within each lineage
    (`_progress_history`): lineage, value, confidence, when"""
    return _progress_history(lineages, since, until).values_list("lineage_id", "value", "confidence", "recorded_at")


def versions_in_force(team) -> tuple[Charter | None, Charter | None]:
    """The active (ratified) version and the working copy (draft or proposed), either may be None: 1 query."""
    charters = _versions_in_force_read(team).rows()
    active = next((c for c in charters if c.is_active), None)
    working = next((c for c in charters if c.is_editable), None)
    return active, working


def _versions_in_force_read(team) -> Read:
    return Read(_versions_in_force, {"team": team.pk})


def _versions_in_force(team: int):
    """The team's versions in force or at work, with the version each amends and who ratified it: 1 query."""
    return Charter.objects.filter(team_id=team).in_force_or_working().select_related("based_on", "ratified_by")


def charter_for_reader(access: TeamAccess) -> Charter | None:
    """What the charter tab shows: the team sees its working copy first, the organisation the active version."""
    active, working = versions_in_force(access.team)
    charter = (working or active) if access.in_team else active
    if charter is not None:
        charter.team = access.team
        charter.working_copy = working  # the page offers to open it rather than start an amendment
    return charter


def _comments(charter: int):
    """The version's comments with their authors and who resolved them: 1 query."""
    return Comment.objects.filter(charter_id=charter).select_related("author", "resolved_by")


def comment_threads(charter: Charter) -> dict[str, list[Comment]]:
    """Top-level comments per section, each with `.replies_list`: 1 query."""
    comments = read_shaped(_comments, charter=charter.pk)
    for comment in comments:
        comment.charter = charter
    threads: dict[str, list[Comment]] = {}
    by_id = {c.pk: c for c in comments}
    for comment in comments:
        comment.replies_list = []
    for comment in comments:
        if comment.parent_id and comment.parent_id in by_id:
            by_id[comment.parent_id].replies_list.append(comment)
        else:
            threads.setdefault(comment.section, []).append(comment)
    return threads


@dataclass(frozen=True)
class Gap:
    """A member whose word on the final text is missing."""

    member: object  # the user
    kind: ConsentGap.Kind


@dataclass
class ConsentPicture:
    """Who consented, who objected, and whose word on the final text is missing.

    For a ratified version, `gaps` is the record kept at ratification, not today's team.
    """

    responses: list[Response]
    gaps: list[Gap]
    quorum: Quorum | None = None  # while the round runs, when the version has one
    # What the reader sees by name (`permissions.stance_visibility`); None: everything.
    visibility: StanceVisibility | None = None

    @property
    def hidden(self) -> bool:
        """Some stances are hidden from this reader until the round ends."""
        return self.visibility is not None and not self.visibility.everything

    @property
    def shown_responses(self) -> list[Response]:
        """The responses the reader sees by name: all of them, or while hidden only the objections for leaders."""
        seen = self.visibility
        if seen is None or seen.everything:
            return self.responses
        return [r for r in self.responses
                if (seen.objections if r.is_objection else seen.consents)]

    @property
    def shown_gaps(self) -> list[Gap]:
        """Whose word is missing, by name, if the reader may see it."""
        return self.gaps if self.visibility is None or self.visibility.missing else []

    @property
    def asked_count(self) -> int:
        """How many people were asked for their word: those who responded and those who have not yet."""
        return len(self.responses) + len(self.not_responded)

    @property
    def shown_not_responded(self) -> list[Gap]:
        return [gap for gap in self.shown_gaps if gap.kind == ConsentGap.Kind.NO_RESPONSE]

    @property
    def consents(self) -> list[Response]:
        return [r for r in self.responses if not r.is_objection]

    @property
    def objections(self) -> list[Response]:
        return [r for r in self.responses if r.is_objection]

    @property
    def open_objections(self) -> list[Response]:
        return [r for r in self.responses if r.is_open_objection]

    def gaps_of(self, kind: ConsentGap.Kind) -> list[Gap]:
        return [gap for gap in self.gaps if gap.kind == kind]

    @property
    def not_responded(self) -> list[Gap]:
        return self.gaps_of(ConsentGap.Kind.NO_RESPONSE)

    @property
    def earlier_text(self) -> list[Gap]:
        return self.gaps_of(ConsentGap.Kind.EARLIER_TEXT)

    @property
    def amended_objections(self) -> list[Gap]:
        return self.gaps_of(ConsentGap.Kind.AMENDED_OBJECTION)


def consent_gaps(responses: list[Response], members: list) -> list[Gap]:
    """Whose word on the final text is missing: no response, a response to an earlier text, or an
    objection the leader says was amended away without the objector agreeing. Pure: no queries."""
    by_member = {r.member_id: r for r in responses}
    gaps = []
    for membership in members:
        if Capability.RESPOND_TO_CHARTER not in capabilities_of(membership):
            continue
        response = by_member.get(membership.user_id)
        if response is None:
            gaps.append(Gap(membership.user, ConsentGap.Kind.NO_RESPONSE))
        elif response.awaits_objectors_word:
            gaps.append(Gap(membership.user, ConsentGap.Kind.AMENDED_OBJECTION))
        elif response.predates_latest_text:
            gaps.append(Gap(membership.user, ConsentGap.Kind.EARLIER_TEXT))
    return gaps


@dataclass(frozen=True)
class Quorum:
    """How many of the people who can respond must give their word (consent or objection alike), and how
    many have: `Charter.quorum_percent` of them, rounded up."""

    percent: int
    eligible: int  # the team's people who can respond (`Capability.RESPOND_TO_CHARTER`)
    responded: int  # of them, those who responded (to any text of this version)

    @property
    def needed(self) -> int:
        return -(-self.percent * self.eligible // 100)  # ceiling, in whole people

    @property
    def missing(self) -> int:
        return max(0, self.needed - self.responded)

    @property
    def is_met(self) -> bool:
        return self.missing == 0

    def refusal(self) -> str:
        """Why ratifying must wait, in the leader's words."""
        more = self.missing
        return (f"The quorum is not met: {self.percent}% of the team, {self.needed} of {self.eligible} people, "
                f"must respond before the charter can be ratified, and {self.responded} "
                f"{'has' if self.responded == 1 else 'have'}. {more} more response{'' if more == 1 else 's'} "
                f"{'is' if more == 1 else 'are'} needed, consent or objection alike.")


def quorum_of(charter: Charter, responses: list[Response], members: list) -> Quorum | None:
    """The charter's quorum against the team's members already loaded (pure: no queries); None without one."""
    if not charter.quorum_percent:
        return None
    eligible = {m.user_id for m in members if Capability.RESPOND_TO_CHARTER in capabilities_of(m)}
    responded = sum(1 for r in responses if r.member_id in eligible)
    return Quorum(percent=charter.quorum_percent, eligible=len(eligible), responded=responded)


def since_response(response: Response) -> list[SectionDiff] | None:
    """The text the member responded to (kept with the response) against the version's text now (4 queries);
    None when their response predates keeping it."""
    if not response.text_seen:
        return None
    return compare_texts(response.text_seen, section_texts(load_content(response.charter)))


def consent_picture(charter: Charter, members: list) -> ConsentPicture:
    """Responses (1 query) matched against the team's members already loaded by the caller;
    for a ratified version, against the record kept at ratification (1 more query)."""
    responses = read_shaped(_responses, charter=charter.pk)
    for response in responses:
        response.charter = charter  # `predates_latest_text` compares with it, without a query
    if charter.was_ratified:
        recorded = [Gap(g.member, ConsentGap.Kind(g.kind)) for g in read_shaped(_recorded_gaps, charter=charter.pk)]
        return ConsentPicture(responses=responses, gaps=recorded)
    return ConsentPicture(responses=responses, gaps=consent_gaps(responses, members))


def _responses(charter: int):
    """The version's responses with their members and who answered them: 1 query."""
    return Response.objects.filter(charter_id=charter).select_related("member", "answered_by")


def _recorded_gaps(charter: int):
    """Whose word was missing when the version was ratified, as recorded then, with the people: 1 query."""
    return ConsentGap.objects.filter(charter_id=charter).select_related("member")


def _team_people(team: int):
    """The team's memberships with their people: 1 query."""
    return Membership.objects.filter(team_id=team).select_related("user")


def _working_copy(team: int):
    """The team's working copy (draft or proposed), if any: 1 query."""
    return Charter.objects.filter(team_id=team).working()[:1]


@dataclass
class CharterPage:
    """Everything the charter page shows one reader; views render it whole or one named partial of it."""

    access: TeamAccess
    charter: Charter | None
    perms: CharterPermissions | None = None
    content: CharterContent | None = None
    completeness: Completeness | None = None
    threads: dict[str, list[Comment]] = field(default_factory=dict)
    comment_forms: dict[str, CommentForm] = field(default_factory=dict)
    consent: ConsentPicture | None = None
    show_consent: bool = False
    my_response: Response | None = None
    response_form: ResponseForm | None = None
    amend_form: AmendmentForm | DrawnFields | None = None  # for stewards of the active version
    amendment_in_progress: Charter | None = None  # offered instead of "Start an amendment"
    propose_form: ProposeForm | None = None
    quorum_form: QuorumForm | None = None  # a leader changes the quorum while the round runs
    ratify_gaps: list[Gap] | None = None  # the leader asked to ratify: confirm despite these
    changes: dict[str, SectionDiff] = field(default_factory=dict)  # an amendment against the version it amends
    consent_error: str | None = None
    viewing_version: bool = False
    comment_url: str = ""  # where every comment form of the page posts
    shared_versions: dict = field(default_factory=dict)  # each part's `{% shared %}` version (or what makes it)
    extra_panels: list = field(default_factory=list)  # what other apps show beside it (`charters.panels`)

    def context(self) -> dict:
        return {**vars(self), "page": self, "team": self.access.team, "sections": Section,
                "shared_ahead": self.shared_ahead}

    @property
    def shared_ahead(self) -> list[tuple[str, list]]:
        """Each section's comment threads, drawn by a partial the page's first kept part cannot see: looked for
        with the others (`{% shared %}`'s `shared_ahead`), not one cache round trip each."""
        versions = self.shared_versions.get("comments") or {}
        return [("charter-comments", [section, version]) for section, version in versions.items()
                if version is not None]


def charter_page(*, access: TeamAccess, charter: Charter | None, **forms) -> CharterPage:
    """The charter page for this reader, with any form that failed shown as it was typed (`_charter_page`).

    Queries: for the team, while consent is open, its members (1); the content, with the version an
    amendment amends (4 the first time a text is read; then kept, `kept_contents`: its goals' owners
    who are not members, 1, none when they all are), each key result's latest progress (1); for the
    team also responses (1) and comments (1), and for a ratified version whose word was missing (1); and what
    the panels other apps add read (`charters.panels`: an amendment's review prompts, 1). However many items,
    threads, responses and readings there are. The reads of the team and the version alone (its people,
    responses, comments, recorded gaps, its key results' latest progress, the panels', and its items when they
    are not kept) are sent together (`reading_ahead`): one wait, not ten.
    """
    reads, kept = [], None
    if charter is not None:
        # The version's items (and an amendment's, the version it amends), when not kept: read with the rest. Its
        # prose and an amendment's changes are looked for with them: the page asks the cache once for all three.
        amends = _amended(charter)
        versions = [charter, *filter(None, [amends])]
        kept = contents_kept(versions, also=[cache_key(charter), *([_changes_key(amends, charter)] if amends else [])])
        reads += [*content_reads(versions, kept), Read(_latest_progress_of, {"charter": charter.pk}),
                  *panels.charter_panel_reads(access, charter)]
    if charter is not None and access.in_team:
        reads.append(Read(_recorded_gaps, {"charter": charter.pk}) if charter.was_ratified
                     else Read(_team_people, {"team": access.team.pk}))
        reads += [Read(_responses, {"charter": charter.pk}), Read(_comments, {"charter": charter.pk})]
    with reading_ahead(reads):
        page = _charter_page(access=access, charter=charter, kept=kept, **forms)
        page.extra_panels = panels.charter_panels(page)
    return page


def _changes_key(amends: Charter, charter: Charter) -> str:
    """Where an amendment's changes against the version it amends are kept, with its goals' owners (not where
    `comparison` keeps two versions compared, which names no owner): each edit of it makes a new key."""
    return f"charter-changes:{cache_key(amends)}:{cache_key(charter)}"


def _changes(amends: Charter, charter: Charter, contents: dict[int, CharterContent],
             kept: dict[str, object] | None) -> list[SectionDiff]:
    """An amendment's changes, section by section, against the version it amends: kept per edit of its text, and
    with the goals' owners they name (whose names change without the text): kept with what the owners were
    called, and compared again when a name has changed since. `kept`: what the page found in the cache."""
    owners = fragments.digest(goal.owner.name if goal.owner else "" for c in contents.values() for goal in c.goals)
    key = _changes_key(amends, charter)
    found = (fragments.kept_many([key]) if kept is None else kept).get(key)
    if found is not None and found[0] == owners:
        return found[1]
    diffs = compare(contents[amends.pk], contents[charter.pk])
    fragments.keep(key, (owners, diffs))
    return diffs


def _amended(charter: Charter) -> Charter | None:
    """The version an amendment amends, whose text the page marks its changes against (None for any other)."""
    return charter.based_on if charter.is_editable and charter.based_on_id else None


def _charter_page(*, access: TeamAccess, charter: Charter | None, viewing_version: bool = False,
                  response_form: ResponseForm | None = None, comment_form: CommentForm | None = None,
                  answer_form: tuple[int, AnswerForm] | None = None, amend_form: AmendmentForm | None = None,
                  propose_form: ProposeForm | None = None, quorum_form: QuorumForm | None = None,
                  ratify_gaps: list[Gap] | None = None,
                  consent_error: str | None = None,
                  progress_form: tuple[int, ProgressForm] | None = None,
                  kept: dict[str, object] | None = None) -> CharterPage:
    page = CharterPage(access=access, charter=charter, viewing_version=viewing_version, amend_form=amend_form,
                       consent_error=consent_error)
    if charter is None:
        return page
    page.perms = for_charter(access, charter)
    if page.perms.amend and amend_form is None:  # blank, it shows nothing of the page: drawn once (`DrawnAlike`)
        page.amend_form = DrawnAlike(AmendmentForm)()
    # Whose word is missing is worked out from today's team while consent is open (a ratified version reads
    # the record kept when it was ratified instead); the goals' owners are found among them too.
    members = read_shaped(_team_people, team=access.team.pk) \
        if access.in_team and not charter.was_ratified else []  # query: the team's people
    for membership in members:
        membership.team = access.team
    people = [membership.user for membership in members]
    amends = _amended(charter)
    if amends is not None:  # an amendment, and the version it amends to mark what changed: both kept
        amends.team = access.team
        contents = kept_contents([charter, amends], people=people, found=kept)
        page.content = contents[charter.pk]
        page.changes = {diff.section.value: diff for diff in _changes(amends, charter, contents, kept)}
    else:
        page.content = kept_content(charter, people=people, found=kept)
    attach_prose(page.content, found=kept)
    attach_latest_progress(page.content.key_results, of_charter=charter.pk)
    failed_pk, failed_progress = progress_form or (None, None)
    # Blank, each key result's form is written into one drawing per shape (`DrawnAlike`): its id, value and unit
    # written in, its confidence checked as drawn.
    progress_forms = DrawnAlike(ProgressForm.for_values, pk=PROGRESS_STAND_IN, value=VALUE_STAND_IN,
                                unit=UNIT_STAND_IN)
    for kr in page.content.key_results:
        if kr.pk == failed_pk:  # kept as typed, even if it was refused because the version moved on
            kr.progress_form = failed_progress
        else:
            # Made when drawn: kept goals (`{% shared %}`) need none.
            kr.progress_form = _lazy(_progress_form, progress_forms, kr) if page.perms.record_progress else None
    page.shared_versions = shared_versions(page, typed_progress=failed_pk is not None)
    if not access.in_team:
        return page
    if page.perms.amend:  # for stewards on the active version only: known from `charter_for_reader`, else 1 query
        page.amendment_in_progress = getattr(charter, "working_copy", None) if hasattr(charter, "working_copy") \
            else next(iter(read_shaped(_working_copy, team=access.team.pk)), None)
    if page.perms.propose:
        page.propose_form = propose_form or ProposeForm(instance=charter)
    if page.perms.change_quorum:  # made when drawn: a kept consent panel needs none
        page.quorum_form = quorum_form or _lazy(_quorum_form, charter)
    page.ratify_gaps = ratify_gaps
    page.completeness = check_charter(page.content)
    page.consent = consent_picture(charter, members)
    page.consent.visibility = stance_visibility(access, charter)
    if not charter.was_ratified:
        page.consent.quorum = quorum_of(charter, page.consent.responses, members)
    page.my_response = next((r for r in page.consent.responses if r.member_id == access.user.pk), None)
    if page.perms.consent:
        page.response_form = response_form or _response_form(charter, page.my_response)
    elif response_form is not None:  # refused after it was typed (e.g. ratified meanwhile): keep the text
        page.response_form = response_form
    page.show_consent = bool(charter.is_proposed or page.consent.responses or page.consent.gaps or page.response_form)
    if page.perms.answer_objections:
        failed_pk, failed_form = answer_form or (None, None)
        # Blank, each objection's answer is written into one drawing (`DrawnAlike`); one refused is drawn as typed.
        answers = DrawnAlike(AnswerForm.answering, pk=OBJECTION_STAND_IN, objector=OBJECTOR_STAND_IN,
                             reason=REASON_STAND_IN)
        for response in page.consent.open_objections:
            response.answer_form = failed_form if response.pk == failed_pk else _lazy(
                answers, pk=response.pk, objector=response.member.name, reason=response.reason)
    # What someone typed into the quorum or an answer and was refused is theirs alone: not kept. Worked out
    # only if the panel is drawn (the template calls it), not for a section swapped alone; once, for both its parts.
    page.shared_versions["consent"] = None if quorum_form is not None or answer_form is not None \
        else cache(partial(consent_version, page))
    _attach_threads(page, comment_form)
    _link_rows(page)
    return page


def _response_form(charter: Charter, mine: Response | None) -> DrawnFields:
    """The reader's consent form, blank or with their response so far, written into one drawing per shape
    (`DrawnAlike`): which kind is checked, and whether there is a reason to write; their reason and the revision of
    the text they read are written in."""
    kind, reason = (mine.kind, mine.reason) if mine is not None else (None, "")
    responses = DrawnAlike(ResponseForm.for_values, reason=REASON_STAND_IN, revision=REVISION_STAND_IN)
    return responses(shape=(("kind", kind or None), *((("reason", ""),) if not reason else ())),
                     reason=reason, revision=charter.revision)


def _quorum_form(charter: Charter) -> DrawnFields:
    """The leader's blank form to change the quorum, written into one drawing per shape (`DrawnAlike`): the quorum
    written in, or none to write."""
    quorums = DrawnAlike(QuorumForm.for_values, quorum_percent=QUORUM_STAND_IN)
    quorum = charter.quorum_percent
    return quorums(shape=(("quorum_percent", None),) if quorum is None else (),
                   quorum_percent="" if quorum is None else quorum)


def comments_page(*, access: TeamAccess, charter: Charter, comment_form: CommentForm | None = None) -> CharterPage:
    """Just what a section's comment threads show (the `comments` partial an htmx comment swaps):
    the threads (1 query), without the rest of the charter page."""
    page = CharterPage(access=access, charter=charter, perms=for_charter(access, charter))
    _attach_threads(page, comment_form)
    version = (access.team.organisation.slug, access.team.slug, charter.number)
    page.comment_url = reverse("charters:comment_create", args=version)
    _link_threads(page, version)
    return page


# What a blank comment or reply form is drawn with, for its section, thread and author to be written in.
SECTION_STAND_IN, PARENT_STAND_IN, AUTHOR_STAND_IN = "_stand-in-section_", "_stand-in-parent_", "_stand-in-author_"
# What a blank answer to an objection is drawn with, for the objection's id, its member's name and its reason.
OBJECTION_STAND_IN, OBJECTOR_STAND_IN, REASON_STAND_IN = "_stand-in-objection_", "_stand-in-objector_", \
    "_stand-in-reason_"
# What a member's blank consent form is drawn with, for their reason and the text's revision (and REASON_STAND_IN).
REVISION_STAND_IN = "_stand-in-revision_"
# What the leader's blank form to change a proposal's quorum is drawn with, for the quorum.
QUORUM_STAND_IN = "_stand-in-quorum_"


def _attach_threads(page: CharterPage, comment_form: CommentForm | None) -> None:
    access, charter = page.access, page.charter
    page.threads = comment_threads(charter)  # read only once ratified: the discussion stays on record
    # Forms are made when drawn: a kept section's threads (`{% shared %}`) need none. Blank, each kind is drawn
    # once for the page and each form written in with its section, thread and author (`DrawnAlike`).
    replies = DrawnAlike(CommentForm.for_reply_to, section=SECTION_STAND_IN, parent=PARENT_STAND_IN,
                         author=AUTHOR_STAND_IN)
    comments = DrawnAlike(CommentForm.for_section, section=SECTION_STAND_IN)
    # Each thread and reply is drawn when its section's kept part is (`{% shared %}`), written into one drawing of
    # its shape (`_drawn_thread`).
    said = PartsAlike(lambda shape, **stand_ins: _drawn_comment(shape, tuple(stand_ins.items())), **COMMENT_STAND_INS)
    for section_threads in page.threads.values():
        for thread in section_threads:
            thread.may_resolve = may_resolve(access, thread)
            thread.reply_form = _lazy(replies, section=thread.section, parent=thread.pk,
                                      author=CommentForm.replied_to(thread)) if page.perms.comment else None
            thread.drawn = partial(_drawn_thread, said, page, thread)
    page.comment_forms = {section.value: _lazy(comments, section=section.value) for section in Section} \
        if page.perms.comment else {}
    typed_in = None
    if comment_form is not None:
        typed_in = comment_form.data.get("section", "")
        page.comment_forms[typed_in] = comment_form
    # Each section's threads are kept per version (not per revision of its text: an edit leaves every thread as it
    # was) and per what they show, their words included (an admin may change them without a service): a comment
    # draws its own section's threads again, not all six. The section a refused comment was typed in holds what its
    # person typed: not kept.
    identity = (charter.pk, charter.team_id, charter.number, charter.created_at.timestamp(), page.perms.comment)
    page.shared_versions["comments"] = {
        section.value: None if section.value == typed_in else (*identity, fragments.digest(
            (thread.pk, thread.body, thread.resolved_at, thread.may_resolve, _name(thread.author),
             access.is_former_member(thread.author),
             [(reply.pk, reply.body, _name(reply.author), access.is_former_member(reply.author))
              for reply in thread.replies_list])
            for thread in page.threads.get(section.value, ())))
        for section in Section}


# What a comment thread and a reply are drawn with (`comment-thread`, `comment-reply`), for each one's values.
COMMENT_STAND_INS = {name: f"_stand-in-comment-{name.replace('_', '-')}_" for name in (
    "pk", "section", "author", "former", "when", "body", "replies", "reply_form", "comment_url", "resolve_url")}


def _drawn_thread(said: PartsAlike, page: CharterPage, thread: Comment) -> SafeString:
    """A comment thread with its replies, as `comment-thread` and `comment-reply` draw them: each one's values
    written into one drawing of its shape (`PartsAlike`), kept in the process as of the code alone
    (`_drawn_comment`). The shape is whether the thread is resolved, whether the reader may reply and whether they
    may resolve it."""
    replies = mark_safe("".join(said(("reply",), **_said(page.access, reply))  # noqa: S308 — escaped pieces
                                for reply in thread.replies_list))
    reply_form = thread.reply_form.fields_html if thread.reply_form else ""
    resolvable = thread.may_resolve and page.perms.comment
    return said(("thread", thread.resolved_at is not None, bool(reply_form), resolvable),
                **_said(page.access, thread), section=thread.section, replies=replies, reply_form=reply_form,
                comment_url=page.comment_url, resolve_url=thread.resolve_url if resolvable else "")


def _said(access: TeamAccess, comment: Comment) -> dict:
    """What a thread or a reply shows of who wrote it (their name, marked if they left), when, and its words with
    their line breaks: as a template would write `author.name|default:"Someone"`, `{% former_member author %}`,
    `created_at|date:"j M H:i"` and `body|linebreaksbr`."""
    return {"pk": comment.pk, "author": _name(comment.author) or "Someone",
            "former": former_member_mark(comment.author, access),
            "when": date_filter(template_localtime(comment.created_at), "j M H:i"), "body": linebreaksbr(comment.body)}


@drawn_once(maxsize=16, of_code_alone=True)
def _drawn_comment(shape: tuple, stand_ins: tuple[tuple[str, str], ...]) -> str:
    """A reply (`("reply",)`) or a thread (`("thread", resolved, may reply, may resolve)`) drawn with stand-ins for
    all its values: it shows nothing of any page, so it is drawn once a process."""
    values = dict(stand_ins)
    if shape[0] == "reply":
        return render_to_string(f"{DETAIL}#comment-reply", {"reply": values})
    _, resolved, replying, resolvable = shape
    return render_to_string(f"{DETAIL}#comment-thread", {"csrf_token": TOKEN_PLACEHOLDER, "thread": {
        **values, "resolved": resolved, "reply_form": values["reply_form"] if replying else "",
        "resolvable": resolvable}})


def shared_versions(page: CharterPage, *, typed_progress: bool) -> dict[str, tuple | None]:
    """Each section's version as every reader with the same controls sees it (`{% shared %}`).

    The controls are the reader's role, not the reader. The version is the charter's identity (its id, team,
    number and where its URLs lead), its state and the version it amends (whose text is fixed, so a section's
    changes against it follow from the section's own text), and what the section draws: the purpose's four
    texts, the people's or the process's, each non-negotiable's or boundary's every field (and a boundary's tag
    names, which the organisation's list renames without the text). So an edit of one section draws that one
    again, not all six. The goals are kept per every field of each goal and key result, with each key result's
    latest reading (its value, confidence, note and when and by whom it was recorded), each owner's name and the
    organisation goal each contributes to, which change without the text: an edit of another section leaves them
    kept.
    A progress form that failed holds what its person typed, so the goals are then not kept.
    """
    charter, perms, content = page.charter, page.perms, page.content
    team = page.access.team
    roles = (charter.state, charter.based_on_id or 0, perms.edit, perms.record_progress)
    # When it was started too: a discarded draft's id may come back on SQLite (as in `charters.prose.cache_key`).
    identity = (charter.pk, charter.team_id, charter.created_at.timestamp(), team.organisation.slug, team.slug,
                charter.number, prose.RENDERING)

    def drawing(*values) -> tuple:
        return (*identity, *roles, fragments.digest(values))

    def fields(items: list) -> list[tuple]:
        return [tuple(getattr(item, column.attname) for column in item._meta.concrete_fields) for item in items]

    goals = None if typed_progress else drawing(
        fields(content.goals),
        [(goal.owner.name if goal.owner else "",
          goal.contributes_to.objective if goal.contributes_to_id and goal.contributes_to else "", fields(
              goal.key_results_list), [
            # The reading itself as well as its id: staff may correct one in the admin.
            (kr.latest.value, *((kr.latest.progress.pk, kr.latest.progress.confidence, kr.latest.progress.note,
                                 kr.latest.progress.recorded_at) if kr.latest.progress else ()),
             kr.latest.progress.recorded_by.name if kr.latest.progress and kr.latest.progress.recorded_by else "")
            for kr in goal.key_results_list])
         for goal in content.goals])
    return {
        **{str(section): drawing(*(getattr(charter, name) for name in names))
           for section, names in Charter.TEXT_SECTIONS.items()},
        "non_negotiables": drawing(fields(content.non_negotiables)),
        "boundaries": drawing(fields(content.boundaries), [item.tag_names for item in content.boundaries]),
        "goals": goals,
    }


def consent_version(page: CharterPage) -> tuple:
    """The consent panel's version as every reader with the same controls sees it (`{% shared %}`), but for
    the reader's own parts drawn between its two kept parts: their objection's answer and their response.

    The version's round (its state, dates, quorum, last reminder and the record of its ratification), what
    the reader's role may see and do, every response as it stands with its member's and answerer's names,
    and whose word is missing.
    """
    charter, consent, perms = page.charter, page.consent, page.perms
    return (cache_key(charter), charter.state, charter.round_closed_at, charter.responses_close_on,
            charter.quorum_percent, charter.reminded_at, charter.ratified_at, _name(charter.ratified_by),
            charter.ratified_despite_gaps, perms.ratify, perms.remind, perms.change_quorum, perms.answer_objections,
            consent.visibility, consent.quorum,
            fragments.digest((r.pk, r.member_id, _name(r.member), page.access.is_former_member(r.member), r.kind,
                              r.reason, r.created_at, r.updated_at, r.answer, r.answer_text, _name(r.answered_by),
                              r.answered_at, r.revision, r.resolved_by_amendment) for r in consent.responses),
            fragments.digest((_name(gap.member), gap.member.pk, gap.kind) for gap in consent.gaps))


# What a blank progress form is drawn with, for its key result's id, value and unit to be written in.
PROGRESS_STAND_IN, VALUE_STAND_IN, UNIT_STAND_IN = "_stand-in-key-result_", "_stand-in-value_", "_stand-in-unit_"


def _progress_form(progress_forms: DrawnAlike, kr: KeyResult) -> DrawnFields:
    """`ProgressForm.for_key_result(kr)`, written into the drawing of its shape (`_reading_shaped`)."""
    confidence = kr.latest.confidence
    return _reading_shaped(progress_forms, pk=kr.pk, unit=kr.unit, value=kr.latest.value,
                           confidence=confidence and confidence.value)


def _reading_shaped(readings: DrawnAlike, *, pk: int, unit: str, value, confidence: str | None) -> DrawnFields:
    """A blank reading form (a value, a confidence, a note) written into the drawing of its shape: which confidence is
    checked, and whether there is a value and a unit to write (none leaves the value empty and the label without a
    unit)."""
    shape = (("confidence", confidence or None),
             *((("value", None),) if value is None else ()), *((("unit", ""),) if not unit else ()))
    return readings(shape=shape, pk=pk, value=value, unit=unit)


def _lazy(make, *args, **kwargs) -> SimpleLazyObject:
    return SimpleLazyObject(lambda: make(*args, **kwargs))


def _name(person) -> str:
    return person.name if person else ""


DETAIL = "charters/charter_detail.html"  # the charter page, whose partials draw every part of it
# Each kind of item: the section its controls act on, and the field that names it.
ITEM_KINDS = {"non_negotiable": ("non_negotiables", "title"), "boundary": ("boundaries", "area"),
              "goal": ("goals", "objective"), "key_result": ("goals", "metric")}
# What an item's controls are drawn with, for each item's kind, section, id and name to be written in.
KIND_STAND_IN, ITEM_STAND_IN, LABEL_STAND_IN = "_stand-in-kind_", "_stand-in-item_", "_stand-in-label_"


def _item_url(version: tuple, kind: str, action: str) -> RowUrls:
    """Where an item of `kind` is edited (`edit`), or moved `up` or `down` or removed (`delete`)."""
    return RowUrls("charters:item_edit", *version, kind) if action == "edit" else \
        RowUrls("charters:item_action", *version, kind, ROW_ID, action)


def _draw_item_control(page: CharterPage, version: tuple, action: str, *, kind: str, section: str, pk: str,
                       label: str) -> str:
    """One of an editor's controls beside an item (`item-edit`, `item-up`, `item-down`, `item-delete`), with
    stand-ins for the item's kind, section, id and name. Drawn for the page's kept parts, with their stand-in for the
    reader's CSRF token."""
    return render_to_string(f"{DETAIL}#item-{action}", {
        "charter": page.charter, "kind": kind, "section_id": section, "label": label, "csrf_token": TOKEN_PLACEHOLDER,
        "item": {"pk": pk, f"{action}_url": _item_url(version, kind, action).of(pk)}})


def _item_controls(controls: PartsAlike, *, first: bool, last: bool, **values) -> SafeString:
    """An editor's controls beside an item at this place in its list: edit, move up (but the first), move down (but
    the last) and remove, each drawn once a page and written in with the item's values (`PartsAlike`)."""
    actions = ["edit", *(() if first else ("up",)), *(() if last else ("down",)), "delete"]
    return mark_safe("".join(controls(action, **values) for action in actions))  # noqa: S308 — escaped pieces


def _link_rows(page: CharterPage) -> None:
    """Give each row of the page its URLs, each pattern reversed once (`RowUrls`), not once per row.

    Items get their `controls` (for editors: edit, move and remove, with their URLs), goals their
    `key_result_add_url`, key results their `progress_url`, objections their `answer_url`,
    the reader's own response its `resolution_url`, comment threads their `resolve_url`.
    """
    team, charter, content = page.access.team, page.charter, page.content
    version = (team.organisation.slug, team.slug, charter.number)
    page.comment_url = reverse("charters:comment_create", args=version)
    if page.perms.edit:
        # Each item's controls are alike but for its kind, id and name and where it stands in its list: each control
        # is drawn once, each item's values written in (`PartsAlike`, `_item_controls`).
        controls = PartsAlike(partial(_draw_item_control, page, version), kind=KIND_STAND_IN,
                              section=SECTION_STAND_IN, pk=ITEM_STAND_IN, label=LABEL_STAND_IN)
        for kind, items in (("non_negotiable", content.non_negotiables), ("boundary", content.boundaries),
                            ("goal", content.goals), *(("key_result", goal.key_results_list) for goal in content.goals)):
            section, named_by = ITEM_KINDS[kind]
            for index, item in enumerate(items):
                # Drawn when the template asks (it calls it), in a kept part that is not found only.
                item.controls = partial(_item_controls, controls, first=index == 0, last=index == len(items) - 1,
                                        kind=kind, section=section, pk=item.pk, label=getattr(item, named_by))
        adding = RowUrls("charters:key_result_add", *version)
        for goal in content.goals:
            goal.key_result_add_url = adding.of(goal.pk)
    progress = RowUrls("charters:progress", *version)
    for kr in content.key_results:
        kr.progress_url = progress.of(kr.pk)
    if page.consent is not None:
        answering, resolving = RowUrls("charters:answer", *version), RowUrls("charters:resolution", *version)
        for response in page.consent.responses:
            response.answer_url, response.resolution_url = answering.of(response.pk), resolving.of(response.pk)
    _link_threads(page, version)


def _link_threads(page: CharterPage, version: tuple) -> None:
    resolving = RowUrls("charters:comment_resolve", *version)
    for section_threads in page.threads.values():
        for thread in section_threads:
            thread.resolve_url = resolving.of(thread.pk)


# What charters shows on the core's pages (registered in `charters/apps.py`) ---------------------

def team_panel_reads(access: TeamAccess) -> list[Read]:
    """What `team_panel` reads, to be read ahead with the team page's other panels."""
    return [_versions_in_force_read(access.team)]


def team_panel(request, access: TeamAccess) -> dict:
    """The team page's charter card: the active version and any working copy (1 query)."""
    active, working = versions_in_force(access.team)
    return {"active": active, "working": working, "may_start": access.may_steward_charter and not (active or working)}


# The organisation's goals ---------------------------------------------------------------------

@dataclass
class OrganisationGoalsPage:
    """The organisation goals' page for one reader: a page of its goals as a tree, with what they may do."""

    perms: OrganisationGoalPermissions
    tree: GoalTree
    closed: bool  # listing the closed goals instead of the open ones

    def context(self) -> dict:
        return {"organisation": self.perms.organisation, "perms": self.perms, "tree": self.tree,
                "closed": self.closed}


def organisation_goals_page(perms: OrganisationGoalPermissions, *, page: str | None,
                            closed: bool = False) -> OrganisationGoalsPage:
    """A page of the organisation's goals, each with its contributing team goals (`organisation_map.goal_tree`)."""
    tree = goal_tree(perms.organisation, page=page, closed=closed)
    for branch in tree.branches:
        branch.actions = perms.for_goal(branch.goal)
    return OrganisationGoalsPage(perms=perms, tree=tree, closed=closed)


@dataclass
class OrganisationGoalPage:
    """One organisation goal: its key results (with a reading form each for its admins) and its contributors."""

    perms: OrganisationGoalPermissions
    goal: OrganisationGoal
    actions: OrganisationGoalActions
    key_results: list[OrganisationKeyResult]
    contributors: ContributorsPage

    def context(self) -> dict:
        return {"organisation": self.perms.organisation, "perms": self.perms, "goal": self.goal,
                "actions": self.actions, "key_results": self.key_results, "contributors": self.contributors}


def organisation_goal_page(perms: OrganisationGoalPermissions, goal: OrganisationGoal, *, page: str | None = None,
                           reading_forms: dict | None = None) -> OrganisationGoalPage:
    """The goal's key results and a page of its contributing team goals: 3 queries (2 with no contributor).

    `reading_forms` are forms that failed, by key result id: they are shown with what was typed.
    """
    actions = perms.for_goal(goal)
    key_results = list(goal.key_results.all())  # query: the goal's key results
    # Blank, each key result's reading form is written into one drawing per shape (`DrawnAlike`), as a charter's are.
    readings = DrawnAlike(organisation_reading_form_for, pk=PROGRESS_STAND_IN, value=VALUE_STAND_IN, unit=UNIT_STAND_IN)
    for key_result in key_results:
        key_result.goal = goal
        key_result.reading_form = ((reading_forms or {}).get(key_result.pk) or _reading_shaped(
            readings, pk=key_result.pk, unit=key_result.unit, **last_reading(key_result)) if actions.edit else None)
    return OrganisationGoalPage(perms=perms, goal=goal, actions=actions, key_results=key_results,
                                contributors=contributors_page(goal, page=page))


# A version by its number, and the versions a reader may see (the version, history and compare pages) ---------

def numbered_version(team, number: int) -> Charter | None:
    """The team's version with this number, whoever may read it (none when discarded): 1 query."""
    return read_first(_numbered, team=team.pk, number=number)


def _numbered(team: int, number: int):
    return Charter.objects.filter(team_id=team, number=number)[:1]


def readable_version(team, number: int, *, in_team: bool) -> Charter | None:
    """The team's version with this number if the reader may see it (`Charter.objects.readable`), with the version
    it amends and who ratified it: 1 query."""
    return read_first(_readable_numbered, team=team.pk, number=number, in_team=in_team)


def _readable_numbered(team: int, number: int, in_team: bool):
    # A team has one version of each number: nothing to order.
    return (Charter.objects.readable(in_team=in_team).select_related("based_on", "ratified_by")
            .filter(team_id=team, number=number).order_by()[:1])


def readable_versions(team, *, in_team: bool, numbers: list[int] | None = None) -> list[Charter]:
    """The team's versions the reader may see, newest first, with who started and who ratified each; only those
    with `numbers` when given (compared side by side): 1 query."""
    if numbers is None:
        return read_shaped(_readable_versions, team=team.pk, in_team=in_team)
    return read_shaped(_readable_pair, team=team.pk, numbers=numbers, in_team=in_team)


def _readable_versions(team: int, in_team: bool):
    return Charter.objects.readable(in_team=in_team).filter(team_id=team).select_related("ratified_by", "created_by")


def _readable_pair(team: int, numbers: list[int], in_team: bool):
    return Charter.objects.readable(in_team=in_team).filter(team_id=team, number__in=numbers)
