"""What charters adds to the organisation's alignment map (registered in `charters/apps.py`).

- each team's card: the ratified purpose line, its goals and the parts of the purpose
  they advance, the confidence of its key results, and the charter's age;
- the filters "no ratified charter yet", "confidence falling" and "charter older than
  N cycles", each part of the map's one query, each reading the teams it lists off an index
  rather than every team of the organisation;
- the admins' summary: how many teams have no ratified charter yet;
- above the teams, for everyone who reads the map, the organisation goals' tree: each open
  organisation goal → the team goals contributing to it (from each team's charter in force)
  → their confidence, and the goals no team contributes to (`goal_tree`, registered as an
  organisation section).

**Confidence falling.** A team's confidence is falling when its charter in force has a key
result whose lineage's latest reading (newest `recorded_at`, then id: the reading the
charter page shows) is less confident than the reading just before it in the same lineage,
on the scale on track > at risk > off track. The reading before may have been recorded on
an earlier version of the charter (the history follows the lineage). A key result with one
reading or none is not falling, nor is one dropped from the charter in force. Each reading
carries `is_latest` and `previous_confidence`, kept by `services.record_progress`, so a card's
test is one probe per key result into the `kr_progress_one_latest_per_lineage` index; the
filter reads the team's own row (`Team.confidence_falling`), which the database keeps with the
same test (charters' migration 0017).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.template.defaultfilters import pluralize
from django.utils import timezone

from alignment import fragments, task_queue
from alignment.models import Organisation, Team
from alignment.one_query import AmongIds, Read, read_shaped, read_together
from alignment.pages import Paged, page_number
from alignment.row_urls import RowUrls
from charters.models import (
    Charter,
    Goal,
    KeyResult,
    KeyResultProgress,
    MapSignalsChange,
    OrganisationGoal,
    PurposePart,
    confidence_fell,
)

Confidence = KeyResultProgress.Confidence
PURPOSE_LINE_LENGTH = 140


# Confidence falling ------------------------------------------------------------------------------

def latest_reading() -> QuerySet:
    """The latest reading of the key result in the enclosing query (by its lineage). Unordered: a lineage has one
    latest reading at most (`kr_progress_one_latest_per_lineage`), and sorting that one row by the model's order
    was a third of the map's key results' query."""
    return KeyResultProgress.objects.filter(lineage_id=Coalesce(OuterRef("lineage_id"), OuterRef("pk")),
                                            is_latest=True).order_by()


# Filters of the organisation's teams ------------------------------------------------------------

# Each is part of the map's kept query (`alignment.panels.TeamFilter`): `organisation` is its id, and `now`
# is compared as it is, never worked out into another moment here. Each reads the team's own row
# (`Team.charter_in_force`, `charter_ratified_at`, `confidence_falling`, which the database keeps from the charters
# and readings), off an index of its own, so that it reads the teams it lists and not every team.

def without_ratified_charter(teams: QuerySet, organisation, now: datetime, value: str | None) -> QuerySet:
    """Teams with no charter in force: off `team_map_no_charter` (PostgreSQL), in the map's order."""
    return teams.filter(charter_in_force=False)


def confidence_falling(teams: QuerySet, organisation, now: datetime, value: str | None) -> QuerySet:
    """Teams whose confidence is falling: off `team_map_falling` (PostgreSQL), in the map's order. The database
    works the column out whenever a reading, key result or charter changes it (charters' migration 0017), so the
    page reads the teams it lists however many teams' confidence fell."""
    return teams.filter(confidence_falling=True)


# The filters' keys, as `charters/apps.py` registers them.
NO_CHARTER, FALLING, OLDER_THAN = "no-charter", "falling", "older"
OLDER_THAN_CHOICES = [(str(n), f"Charter older than {n} cycle{pluralize(n)}") for n in (1, 2, 3)]


def _cycle_lengths() -> range:
    """Every review cycle length a team may have, in weeks (the `team_review_cadence_in_range` rule)."""
    validators = Team._meta.get_field("review_cadence_weeks").validators
    low = next(v.limit_value for v in validators if isinstance(v, MinValueValidator))
    high = next(v.limit_value for v in validators if isinstance(v, MaxValueValidator))
    return range(low, high + 1)


def charter_older_than(teams: QuerySet, organisation, now: datetime, value: str | None) -> QuerySet:
    """Teams whose charter in force was ratified more than `value` of the team's review cycles ago.

    For each cycle length a team may have, those of that length whose charter was ratified before the moment that
    many cycles back: a range of `team_charter_age` each, which PostgreSQL reads when few teams are that old (when
    most are, it reads the organisation's rows once; no team's charters are asked either way). The moments are
    worked out in SQL from `now` as it is, so that the page's query is kept (`alignment.panels.TeamFilter`)."""
    cycles = int(value)
    old = Q()
    for weeks in _cycle_lengths():
        old |= Q(review_cadence_weeks=weeks,
                 charter_ratified_at__lt=Value(now) - Value(timedelta(weeks=weeks * cycles)))
    return teams.filter(old)


# The admins' summary -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CharterSummary:
    teams: int
    without_charter: int
    filter_option: str = NO_CHARTER  # the filter that lists them


def organisation_summary(organisation, now: datetime) -> CharterSummary:
    """How many of the organisation's teams have no ratified charter yet: 1 aggregate query over all of them,
    kept under the organisation's signals generation, which a team created, archived or restored and a
    ratification replace (`forget_signals`): the same for every admin, and read again only after such a change."""
    key = f"map-summary:{organisation.pk}:{_generation(organisation.pk)}"

    def counted() -> CharterSummary:
        return CharterSummary(**next(iter(read_shaped(_charter_counts, org=organisation.pk)),
                                     {"teams": 0, "without_charter": 0}))

    return fragments.kept(key, counted, SIGNALS_KEPT_FOR)


def _charter_counts(org: int):
    """query: how many teams the organisation has, and how many of them have no ratified charter yet (one row;
    none for an organisation without teams), off the teams' own rows (`Team.charter_in_force`)"""
    return (Team.objects.filter(organisation_id=org).order_by().values("organisation_id")
            .annotate(teams=Count("pk"), without_charter=Count("pk", filter=Q(charter_in_force=False)))
            .values("teams", "without_charter"))


# Each team's card -------------------------------------------------------------------------------

# Each confidence's counter on a summary, by its text: no enum looked up for each of the page's key results.
_COUNTERS = {level.value: level.name.lower() for level in Confidence}


@dataclass
class ConfidenceSummary:
    """How the key results of a charter in force stand, by their latest reading."""

    on_track: int = 0
    at_risk: int = 0
    off_track: int = 0
    no_reading: int = 0
    falling: int = 0

    def add(self, confidence: str | None, fell: bool) -> None:
        if not confidence:
            name = "no_reading"
        elif (name := _COUNTERS.get(confidence)) is None:
            raise ValueError(f"{confidence!r} is not a confidence")
        setattr(self, name, getattr(self, name) + 1)
        self.falling += fell

    @property
    def total(self) -> int:
        return self.on_track + self.at_risk + self.off_track + self.no_reading

    @property
    def counts(self) -> list[tuple[str, int, str]]:
        """(CSS class, count, words) for each level that has key results, most confident first."""
        levels = [(c.value, getattr(self, c.name.lower()), str(c.label)) for c in Confidence]
        levels.append(("no_reading", self.no_reading, "no reading yet"))
        return [level for level in levels if level[1]]


@dataclass
class CharterCard:
    """What a team's card on the organisation page shows of its charter in force."""

    url: str
    number: int
    purpose_line: str
    ratified_at: datetime
    cycle_weeks: int
    now: datetime
    goal_count: int = 0
    advances: list[str] = field(default_factory=list)  # the parts of the purpose its goals advance
    confidence: ConfidenceSummary = field(default_factory=ConfidenceSummary)

    @property
    def age(self) -> timedelta:
        return self.now - self.ratified_at

    @property
    def cycles(self) -> int:
        """Whole review cycles since ratification ("older than N cycles" picks those with N or more)."""
        return int(self.age / timedelta(weeks=self.cycle_weeks))

    @property
    def age_label(self) -> str:
        """E.g. "ratified 5 weeks ago"."""
        days = self.age.days
        if days < 1:
            return "ratified today"
        if days < 7:
            return f"ratified {days} day{pluralize(days)} ago"
        weeks = days // 7
        return f"ratified {weeks} week{pluralize(weeks)} ago"

    @property
    def cycles_label(self) -> str:
        """E.g. "2 full cycles of 6 weeks", or "within its first cycle of 6 weeks"."""
        length = f"of {self.cycle_weeks} week{pluralize(self.cycle_weeks)}"
        if not self.cycles:
            return f"within its first cycle {length}"
        return f"{self.cycles} full cycle{pluralize(self.cycles)} {length}"


def purpose_line(statement: str, length: int = PURPOSE_LINE_LENGTH) -> str:
    """The first line, then the first sentence, of a purpose statement; cut at a word if still long."""
    lines = statement.strip().splitlines()
    line = lines[0].strip() if lines else ""
    line = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9“\"])", line, maxsplit=1)[0]
    if len(line) <= length:
        return line
    cut = line[: length - 1].rsplit(" ", 1)[0] or line[: length - 1]
    return cut.rstrip(" ,;:—–-") + "…"


_PART_LABELS = {part.value: str(part.label).lower() for part in PurposePart}


def load_cards(teams: list) -> dict[int, CharterCard | None]:
    """Every team's card data, None for a team with no ratified charter: 2 queries for any number of teams.

    1. the charters in force, with their goals counted by the part of the purpose they advance;
    2. their key results with the confidence of the latest reading and whether it fell (sent with the first:
       one wait for both).
    Only the charter in force is read: nothing of a draft or proposal reaches the map.
    """
    if not teams:
        return {}
    now = timezone.now()
    by_pk = {team.pk: team for team in teams}
    urls = RowUrls("charters:detail", teams[0].organisation.slug)
    cards: dict[int, CharterCard | None] = dict.fromkeys(by_pk)
    by_charter: dict[int, CharterCard] = {}
    # The charters and their key results' readings, sent together: one wait for both (none when the page read
    # them ahead with its own: `card_reads`).
    in_force, readings = read_together(card_reads(list(by_pk)))
    for charter in in_force:
        team = by_pk[charter.team_id]
        card = CharterCard(
            url=urls.of(team.slug), number=charter.number, purpose_line=purpose_line(charter.purpose_statement),
            ratified_at=charter.ratified_at or now, cycle_weeks=team.review_cadence_weeks, now=now,
            goal_count=charter.goal_count,
            advances=[_PART_LABELS[part] for part in PurposePart.values if getattr(charter, f"goals_{part}")],
        )
        cards[team.pk] = by_charter[charter.pk] = card
    for charter_id, confidence, fell in readings:
        by_charter[charter_id].confidence.add(confidence, bool(fell))
    return cards


def card_reads(teams: list[int]) -> list[Read]:
    """The two reads `load_cards` makes for these teams (their ids), for the page to read ahead."""
    return [Read(_charters_in_force, {"teams": teams}), Read(_charter_readings, {"teams": teams})]


def _charters_in_force(teams: list[int]):
    """query: the teams' charters in force, with their goals counted by the part of the purpose they advance"""
    per_part = {f"goals_{part}": Count("goals", filter=Q(goals__purpose_part=part)) for part in PurposePart.values}
    return (Charter.objects.filter(AmongIds("team_id", teams)).active()
            .only("pk", "team_id", "number", "purpose_statement", "ratified_at")
            .annotate(goal_count=Count("goals"), **per_part)
            .order_by())


def _with_latest_confidence(key_results: QuerySet) -> QuerySet:
    """The key results with the confidence of their latest reading (`confidence_now`) and whether it fell (`fell`).

    Two LIMIT 1 subqueries, so that each is one probe of the latest reading's index per key result
    (an EXISTS here may be planned as a hash of every falling reading in the database).
    """
    latest = latest_reading().annotate(fell=ExpressionWrapper(confidence_fell(), output_field=BooleanField()))
    return key_results.annotate(confidence_now=Subquery(latest.values("confidence")[:1]),
                                fell=Subquery(latest.values("fell")[:1]))


class _AmongRows(Expression):
    """`column IN (rows)`, written on PostgreSQL as `column = ANY(ARRAY(rows))`.

    The same rows either way; PostgreSQL plans the second as a probe of `column`'s index per row, where it
    plans a join for the first. The charters' key results joined to their goals were a hash join over every
    key result of the organisation (10,000 at 1,000 teams): 2.5 ms, against 0.2 ms by the goals' index.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: F, rows: QuerySet):
        super().__init__()
        self.column, self.rows = column, Subquery(rows)

    def get_source_expressions(self):
        return [self.column, self.rows]

    def set_source_expressions(self, expressions):
        self.column, self.rows = expressions

    def _parts(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        rows, rows_params = compiler.compile(self.rows)
        return column, rows, (*column_params, *rows_params)

    def as_sql(self, compiler, connection):
        column, rows, params = self._parts(compiler, connection)
        return f"{column} IN {rows}", params

    def as_postgresql(self, compiler, connection):
        column, rows, params = self._parts(compiler, connection)
        return f"{column} = ANY(ARRAY{rows})", params


def _charter_readings(teams: list[int]):
    """query: the key results of the teams' charters in force, with the confidence of their latest reading and
    whether it fell"""
    in_force = Charter.objects.filter(AmongIds("team_id", teams)).active().values("pk")
    goals = Goal.objects.filter(charter__in=in_force).order_by().values("pk")
    return (_with_latest_confidence(KeyResult.objects.filter(_AmongRows(F("goal_id"), goals)))
            .values_list("goal__charter_id", "confidence_now", "fell").order_by())


# The organisation goals' tree ---------------------------------------------------------------------

GOALS_PER_PAGE = 10
TEAMS_PER_GOAL = 5  # team goals shown under each organisation goal; the rest are behind "and N more"
CONTRIBUTIONS_PER_PAGE = 50  # on an organisation goal's own page
UNLINKED_SHOWN = 20  # goals no team contributes to, listed at most


@dataclass
class Contribution:
    """A team goal in a charter in force that contributes to an organisation goal, and how its key results stand."""

    pk: int
    team_name: str
    objective: str
    url: str  # the goal on its team's charter
    confidence: ConfidenceSummary = field(default_factory=ConfidenceSummary)


@dataclass
class GoalBranch:
    """An organisation goal with the first of the team goals contributing to it, and how many there are."""

    goal: OrganisationGoal
    contributions: list[Contribution] = field(default_factory=list)
    contributing: int = 0
    actions: Any = None  # what the reader may do with the goal (`permissions.OrganisationGoalActions`), on its page

    @property
    def more(self) -> int:
        """Contributing team goals not shown under it: the goal's own page lists them."""
        return self.contributing - len(self.contributions)


@dataclass
class GoalTree:
    """A page of organisation goals as a tree, and the open goals no team contributes to."""

    branches: list[GoalBranch]
    paged: Paged
    unlinked: list[OrganisationGoal] = field(default_factory=list)
    more_unlinked: bool = False  # more than UNLINKED_SHOWN: the goals page lists them all


def contributing_goals(**to) -> QuerySet:
    """Team goals contributing to organisation goals (`contributes_to=...`, `contributes_to__in=...`): from
    charters in force of teams at work.

    A draft or proposal is not in force, a superseded version no longer is, and an archived team
    no longer works towards anything, so none of them counts.
    """
    return Goal.objects.filter(**to, charter__in=Charter.objects.active(), charter__team__archived_at__isnull=True)


_ROW = ("pk", "objective", "contributes_to_id", "charter__team__name", "charter__team__slug")


def _contribution_rows(goals: QuerySet) -> QuerySet:
    return goals.values(*_ROW)


def _contributions(rows, organisation_slug: str) -> list[Contribution]:
    """Contributions from their rows, with each goal's confidence: 1 query for their key results' latest readings."""
    urls = RowUrls("charters:detail", organisation_slug)
    found = {row["pk"]: Contribution(pk=row["pk"], team_name=row["charter__team__name"], objective=row["objective"],
                                     url=urls.of(row["charter__team__slug"]) + f"#goal-{row['pk']}")
             for row in rows}
    if found:
        for goal_id, confidence, fell in read_shaped(_goal_readings, goals=list(found)):
            found[goal_id].confidence.add(confidence, bool(fell))
    return list(found.values())


def _goal_readings(goals: list[int]):
    """query: the team goals' key results, with the confidence of their latest reading and whether it fell"""
    return (_with_latest_confidence(KeyResult.objects.filter(goal__in=goals))
            .values_list("goal_id", "confidence_now", "fell").order_by())


def goal_tree(organisation, *, page: str | int | None = None, closed: bool = False, per_page: int = GOALS_PER_PAGE,
              per_goal: int = TEAMS_PER_GOAL) -> GoalTree:
    """A page of the organisation's goals (open ones, or `closed` ones) as a tree: 4 queries for any size.

    1. the page of goals (a page plus one, so a next page is known without counting), with owners;
    2. at most `per_goal` contributing team goals of each, with how many contribute in all (window
       functions: a goal with 300 contributing teams costs no more than one with 3);
    3. those team goals' key results with their latest reading (their confidence);
    4. the open goals no team contributes to (at most UNLINKED_SHOWN, plus one to know of more).
    With no goal on the page, 1 query and nothing more.
    """
    number = page_number(page)
    rows = _goals_page_read(organisation, closed=closed, start=(number - 1) * per_page, per_page=per_page).rows()
    branches = [GoalBranch(goal) for goal in rows[:per_page]]
    tree = GoalTree(branches=branches, paged=Paged(number=number, has_next=len(rows) > per_page))
    if not branches:
        return tree
    by_goal = {branch.goal.pk: branch for branch in branches}
    for branch in branches:
        branch.goal.organisation = organisation
    rows = sorted(read_shaped(_first_contributions, goals=list(by_goal), per_goal=per_goal),
                  key=lambda row: (row["contributes_to_id"], row["rank"]))
    # query: their key results' latest readings (none without contributions)
    for contribution, row in zip(_contributions(rows, organisation.slug), rows, strict=True):
        branch = by_goal[row["contributes_to_id"]]
        branch.contributions.append(contribution)
        branch.contributing = row["contributing"]
    if not closed:
        unlinked = read_shaped(_unlinked_goals, org=organisation.pk)
        for goal in unlinked:
            goal.organisation = organisation
        tree.unlinked, tree.more_unlinked = unlinked[:UNLINKED_SHOWN], len(unlinked) > UNLINKED_SHOWN
    return tree


def _goals_page_read(organisation, *, closed: bool, start: int, per_page: int) -> Read:
    return Read(_goals_page, {"org": organisation.pk}, shape={"closed": closed, "start": start, "per_page": per_page})


def map_goal_tree_reads(organisation) -> list[Read]:
    """The read `map_goal_tree` makes first (the page of open goals), for the page to read ahead."""
    return [_goals_page_read(organisation, closed=False, start=0, per_page=GOALS_PER_PAGE)]


def _goals_page(org: int, closed: bool, start: int, per_page: int):
    """query: a page of the organisation's goals (open ones, or closed ones), plus one, with their owners"""
    goals = OrganisationGoal.objects.filter(organisation_id=org)
    goals = goals.closed() if closed else goals.open()
    return goals.select_related("owner").order_by("position", "pk")[start:start + per_page + 1]


def _first_contributions(goals: list[int], per_goal: int):
    """query: the first team goals contributing to each of the organisation goals, with how many contribute in all"""
    return contributing_goals(contributes_to__in=goals).annotate(
        rank=Window(RowNumber(), partition_by=F("contributes_to"),
                    order_by=[F("charter__team__name").asc(), F("pk").asc()]),
        contributing=Window(Count("*"), partition_by=F("contributes_to")),
    ).filter(rank__lte=per_goal).values(*_ROW, "contributing", "rank").order_by()


def _unlinked_goals(org: int):
    """query: the organisation's open goals no team contributes to, plus one"""
    return (OrganisationGoal.objects.filter(organisation_id=org).open()
            .exclude(Exists(contributing_goals(contributes_to=OuterRef("pk"))))
            .order_by("position", "pk")[:UNLINKED_SHOWN + 1])


def map_goal_tree(organisation, user) -> GoalTree:
    """The alignment map's section: the first page of the organisation's open goals as a tree, the same for every
    reader in the organisation (the page checked they are in it)."""
    return goal_tree(organisation)


@dataclass
class ContributorsPage:
    """A page of the team goals contributing to one organisation goal."""

    contributions: list[Contribution]
    paged: Paged


def contributors_page(goal: OrganisationGoal, *, page: str | int | None = None,
                      per_page: int = CONTRIBUTIONS_PER_PAGE) -> ContributorsPage:
    """The team goals contributing to `goal`, a page at a time by team name: 2 queries (1 with none)."""
    number = page_number(page)
    rows = read_shaped(_contributors, shape={"start": (number - 1) * per_page, "per_page": per_page}, goal=goal.pk)
    # query: their key results' latest readings
    contributions = _contributions(rows[:per_page], goal.organisation.slug)
    return ContributorsPage(contributions=contributions, paged=Paged(number=number, has_next=len(rows) > per_page))


def _contributors(goal: int, start: int, per_page: int):
    """query: a page of the team goals contributing to the organisation goal, by team name, plus one"""
    return (_contribution_rows(contributing_goals(contributes_to=goal).order_by("charter__team__name", "pk"))
            [start:start + per_page + 1])


# Cross-team signals ------------------------------------------------------------------------------
# Where teams' charters meet: two teams claiming the same tagged area, a tradeoff naming another team's
# area, and (from apps to the right of charters, through `register_signal_source`) anything else two
# teams should talk about. Shown to everyone who reads the map, above its teams (`map_signals`).

SIGNALS_SHOWN = 10  # of each kind on the map; the rest are counted ("and N more")
TEAMS_SHOWN = 5  # teams named in one signal; the rest are counted


@dataclass(frozen=True)
class CharterLink:
    """A team named in a signal, linking to its charter in force (at the part the signal is about)."""

    team_name: str
    url: str


@dataclass(frozen=True)
class Signal:
    """One place where two or more teams' charters meet, in words, with a link to each team's charter."""

    summary: str  # e.g. "Platform and Growth both say they decide: Booking flow"
    teams: tuple[CharterLink, ...]
    detail: str = ""  # one more sentence, e.g. which goal and which words


@dataclass(frozen=True)
class SignalGroup:
    """The first signals of one kind, and how many there are in all."""

    kind: str  # a CSS-safe key, e.g. "overlap"
    heading: str
    signals: tuple[Signal, ...]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.signals)


# A source: `source(organisation, *, now, shown)` returns a SignalGroup (or None when it has nothing to say)
# in a fixed number of queries however many teams the organisation has, from ratified charters and what every
# reader of the map may read: never a check-in's words, nor the text of something only two teams may read.
SignalSource = Callable[..., SignalGroup | None]
_signal_sources: list[SignalSource] = []


def register_signal_source(source: SignalSource) -> None:
    """Offer a kind of cross-team signal to the map (charters registers its own; `asks/apps.py` its one)."""
    if source not in _signal_sources:
        _signal_sources.append(source)


@dataclass(frozen=True)
class SignalsSection:
    groups: tuple[SignalGroup, ...]


# An organisation's signals are worked out once and shared by every reader of its map: working them out reads
# every charter in force (at 1,000 teams five queries and a twentieth of a second), so no reader waits for it.
# They are kept under the organisation's signals generation, a token the code that changes what they are made of
# replaces once its transaction commits (`forget_signals`): a ratification (here, `services.ratify`), the
# organisation's tags (`tags`), a team created, renamed, archived or restored (the core's `team_changed`, received
# in `apps.py`), and a request between teams sent, answered or withdrawn (`asks.services`); the change is recorded in
# the writer's transaction, so that one whose process died before replacing the token is applied by beat's sweep
# (`apply_lost_changes`). A consultation becomes
# overdue with the date, so the day is part of the key too, and a deploy makes new keys (`fragments.kept`).
#
# Each time they are worked out they are also kept as the organisation's latest, in plain values that outlive a
# deploy. A reader who finds none under the current key (after a change, on a new day, after a deploy) is shown
# the latest while a worker works them out again (`REFRESH_TASK`, asked for once by the writer on commit and by
# the first such reader; asked again after `REFRESH_ASKED_FOR` if the task was lost, at once if the broker was
# away). Only an organisation whose signals were never worked out has its first reader work them out. A reader
# who worked them out from data a write has just changed stores them under the old token, which nobody reads.
logger = logging.getLogger(__name__)

SIGNALS_KEPT_FOR = 24 * 60 * 60  # seconds; a day's key is not read after the day anyway
REFRESH_ASKED_FOR = 60  # seconds: a refresh asked for and not done by then is asked for again by the next reader
REFRESH_TASK = "charters.tasks.refresh_map_signals"  # queued by name (`task_queue`): tasks import this module


def _generation_key(organisation_id: int) -> str:
    return f"map-signals-generation:{organisation_id}"


def _latest_key(organisation_id: int) -> str:
    return f"map-signals-latest:{organisation_id}"


def _generation(organisation_id: int) -> str:
    """The organisation's current signals generation (a fresh one when none is kept, so an old one is never
    reused)."""
    key = _generation_key(organisation_id)
    generation = cache.get(key)
    if generation is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        generation = cache.get(key)
    return generation


def _signals_key(organisation_id: int) -> str:
    """Where the organisation's signals are kept for its current generation and today."""
    today = timezone.now().date()
    return f"map-signals:2:{organisation_id}:{_generation(organisation_id)}:{today:%Y-%m-%d}:{SIGNALS_SHOWN}"


def forget_signals(organisation_id: int) -> None:
    """What the map's signals are made of changed for this organisation: recorded in the writing transaction
    (`MapSignalsChange`), and once it commits (before, a reader could store what is about to change) a new
    generation, and a worker asked to work them out again; until it has, readers are shown the latest. A
    process that dies between the commit and that leaves the change recorded: `apply_lost_changes` applies it, as
    it does when that fails (the cache away a moment: logged, and the write that committed is not refused)."""
    change = MapSignalsChange.objects.create(organisation_id=organisation_id)
    transaction.on_commit(lambda: _changed(organisation_id, up_to=change.pk), robust=True)


def _changed(organisation_id: int, *, up_to: int) -> None:
    """A new generation of the organisation's signals, a worker asked to work them out again, and its recorded
    changes up to `up_to` deleted: after the new generation, so that a process dying between the two leaves them
    to be applied again (a generation more is harmless)."""
    cache.set(_generation_key(organisation_id), uuid.uuid4().hex, timeout=None)
    _ask_refresh(organisation_id, _signals_key(organisation_id))
    MapSignalsChange.objects.filter(organisation_id=organisation_id, pk__lte=up_to).delete()


# A change recorded this long ago and still there was left by a process that died after committing it: the
# writer's own callback runs within milliseconds of the commit.
LOST_AFTER = timedelta(seconds=30)


def apply_lost_changes(*, now: datetime | None = None) -> int:
    """Apply the recorded changes no callback applied (`forget_signals`), once per organisation (the task
    `charters.tasks.apply_lost_map_changes`, which beat runs every minute); how many organisations. 1 query when
    there are none, and 2 more for each organisation."""
    now = now or timezone.now()
    lost = (MapSignalsChange.objects.filter(changed_at__lte=now - LOST_AFTER).order_by()
            .values("organisation_id").annotate(last=Max("pk")).values_list("organisation_id", "last"))
    for organisation_id, last in lost:
        _changed(organisation_id, up_to=last)
    return len(lost)


def map_signals(organisation, user) -> SignalsSection:
    """The alignment map's section of cross-team signals, the same for every reader of the map: kept under the
    organisation's signals generation and the day (no query; at hand in the process, `fragments.kept`), else the
    latest worked out while a worker works them out again, else (never worked out) `find_signals`."""
    key = _signals_key(organisation.pk)
    found = fragments.kept_many([key]).get(key)
    if found is not None:
        return found
    latest = _latest(organisation.pk)
    if latest is None:
        return _worked_out(organisation, key)
    _ask_refresh(organisation.pk, key)
    # A refresh that ran at once (Celery eager, as in the tests) is shown at once.
    return fragments.kept_many([key]).get(key) or latest


def refresh_signals(organisation_id: int) -> None:
    """Work the organisation's signals out again and keep them (the task `charters.tasks.refresh_map_signals`)."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is not None:
        _worked_out(organisation, _signals_key(organisation_id))


def _ask_refresh(organisation_id: int, key: str) -> None:
    """Ask a worker to work out the signals kept under `key`, unless that was asked lately. A broker that is away
    fails nobody's page: the next reader asks again."""
    asked = f"map-signals-refresh:{fragments.release()}:{key}"
    if not cache.add(asked, 1, REFRESH_ASKED_FOR):
        return
    try:
        task_queue.now(REFRESH_TASK, [organisation_id])
    except Exception:
        cache.delete(asked)
        logger.warning("Could not ask for the map's signals of organisation %s to be worked out again",
                       organisation_id, exc_info=True)


def _worked_out(organisation, key: str) -> SignalsSection:
    signals = find_signals(organisation)
    fragments.keep(key, signals, SIGNALS_KEPT_FOR)
    cache.set(_latest_key(organisation.pk), [asdict(group) for group in signals.groups], timeout=None)
    return signals


def _latest(organisation_id: int) -> SignalsSection | None:
    """The signals last worked out for the organisation, from their plain values; None when there are none or a
    deploy changed what they are made of."""
    groups = cache.get(_latest_key(organisation_id))
    if groups is None:
        return None
    try:
        return SignalsSection(groups=tuple(SignalGroup(**{**group, "signals": tuple(
            Signal(**{**signal, "teams": tuple(CharterLink(**team) for team in signal["teams"])})
            for signal in group["signals"])}) for group in groups))
    except (TypeError, KeyError):
        return None


def find_signals(organisation, *, now: datetime | None = None) -> SignalsSection:
    """Every registered source's first signals: each source's queries, in the order the sources registered
    (`charters.cross_team`: overlaps 1–3, tradeoffs 1–2; `asks.signals`: 1–2)."""
    now = now or timezone.now()
    groups = tuple(group for source in _signal_sources
                   if (group := source(organisation, now=now, shown=SIGNALS_SHOWN)) is not None and group.total)
    return SignalsSection(groups=groups)


def team_names(names: list[str], more: int = 0) -> str:
    """"Platform and Growth", "Platform, Growth and Clinical Support", "Platform, Growth and 3 more teams"."""
    if more:
        return f"{', '.join(names)} and {more} more team{pluralize(more)}"
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
