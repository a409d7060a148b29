"""Read-only queries for review cycles: the team page's panel and the cycle page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from alignment import fragments
from alignment.one_query import Read, read_shaped, reading_ahead
from alignment.permissions import Capability, TeamAccess
from alignment.weeks import TeamWeek, weeks_between
from charters.models import Goal, KeyResult, KeyResultProgress
from charters.selectors import Reading, WeekReading, readings_by_week
from charts import svg as charts
from checkins.models import Blocker, Commitment, Renegotiation
from checkins.selectors import StrainTrend, WeekParticipation, participation_and_strain, participation_reads
from decisions.models import Decision
from reviews.amendments import Removed, in_force
from reviews.forms import DismissTriggerForm, ReviewDateForm
from reviews.models import CycleCommitment, CycleGoal, CycleKeyResult, Retrospective, ReviewCycle, ReviewTrigger
from reviews.permissions import (
    READ_TRIGGER,
    SET_REVIEW_DATE,
    may_act_on_trigger,
    may_close_cycle,
    may_run_retrospectives,
)
from reviews.retro.selectors import HealthTrend, health_trend, health_trend_reads
from reviews.triggers import Evidence, evidence_of


def team_panel_reads(access) -> list[Read]:
    """What `team_panel` reads, to be read ahead with the team page's other panels."""
    return [_open_cycle_read(access.team)] if access.can(Capability.READ_SUMMARY) else []


def team_panel(request, access) -> ReviewCycle | None:
    """The team page's cycle panel: the open cycle, if any (1 query); an organisation admin reads it too."""
    if not access.can(Capability.READ_SUMMARY):
        return None
    return _open_cycle_read(access.team).first()


def _open_cycle_read(team) -> Read:
    return Read(_open_cycle, {"team": team.pk})


def _open_cycle(team: int):
    return ReviewCycle.objects.filter(team_id=team, state=ReviewCycle.State.OPEN).order_by("team_id", "-number")[:1]


@dataclass(frozen=True)
class KeyResultCycle:
    """A key result over the cycle: where it started, where it ended (or stands), and its weeks."""

    key_result: KeyResult
    final: Reading | None
    weeks: list[WeekReading]

    @property
    def percent(self) -> int | None:
        return self.key_result.progress_percent_at(self.final.value if self.final else None)

    @property
    def chart(self) -> charts.LineChart:
        kr = self.key_result
        return charts.line_chart([charts.Point(
            label=f"{w.week.monday:%-d %b}", value=w.reading.value if w.reading else None,
            status=w.reading.confidence if w.reading else "",
            title=(f"{w.week.label}: {charts.format_number(w.reading.value, kr.unit)}, "
                   f"{w.reading.get_confidence_display()}" if w.reading else ""),
        ) for w in self.weeks], target=kr.target_value, start=kr.start_value, unit=kr.unit, height=160,
            series="value at the week's end", gap_label="no reading yet",
            status_labels={value: str(label) for value, label in KeyResultProgress.Confidence.choices})


@dataclass(frozen=True)
class Investment:
    """A conscious investment and what became of the key result it dented."""

    decision: Decision
    then: Decimal | None  # the key result's value when the decision was logged
    now: Decimal | None  # at the cycle's end (or today, while it runs)
    horizon_passed: bool

    @property
    def verdict(self) -> str:
        """*recovered* when the key result is back where it was (or beyond, towards its target);
        *overdue* when it is not and the stated horizon has passed; *not yet* otherwise."""
        kr = self.decision.key_result
        if kr is not None and self.then is not None and self.now is not None:
            direction = 1 if (kr.target_value or 0) >= (kr.start_value or 0) else -1
            if (self.now - self.then) * direction >= 0:
                return "recovered"
        return "overdue" if self.horizon_passed else "not yet"


COMMITMENT_OUTCOMES = ("kept", "renegotiated", "handed over", "dropped", "declined", "still open")


@dataclass
class CyclePage:
    """How a cycle went: the scoreboard, participation, decisions, investments, commitments, blockers, pulse.

    The scoreboard (the cycle's goals and key results, week by week) reads alike for everyone in the
    team: the page carries what it is drawn from (`key_results`, `weeks`) and its version
    (`scoreboard_version`); `scoreboard_goals` loads the weekly readings it shows, only when it is drawn.
    """

    cycle: ReviewCycle
    weeks: list[TeamWeek]
    key_results: list[KeyResult]  # of the cycle's goals as in force, each with `final` (a Reading or None)
    participation: list[WeekParticipation]
    strains: list[StrainTrend]
    boundary_questions: int
    decisions: list[Decision]
    ledger: list[Investment]
    commitments: dict[str, list[Commitment]]
    blockers_opened: int
    blockers_resolved: int
    open_commitments: list[Commitment] = field(default_factory=list)  # offered to carry over when closing
    may_close: bool = False
    retrospective: Retrospective | None = None
    health: HealthTrend | None = None
    removed: list[Removed] = field(default_factory=list)  # key results an amendment took out during the cycle
    today: date | None = None  # in the team's zone
    may_run_retro: bool = False  # offered to start the retrospective before closing

    @property
    def days_early(self) -> int:
        """How many days before its end date the cycle closes if closed today (or closed, if it was)."""
        return self.cycle.days_early(self.today) if self.today else 0

    @property
    def closes_early(self) -> bool:
        """Closing it now cuts it short: a leader is asked to confirm, with a summary."""
        return self.cycle.is_open and self.days_early > 0

    @property
    def at_target(self) -> int:
        return sum(1 for kr in self.key_results if kr.progress_percent_at(kr.final.value if kr.final else None) == 100)

    @property
    def retrospective_held(self) -> bool:
        return self.retrospective is not None and self.retrospective.is_closed

    @property
    def retrospective_words(self) -> str:
        """Whether the cycle's retrospective was held, in a sentence (the closing question says it)."""
        if self.retrospective is None:
            return "No retrospective was held for this cycle."
        if not self.retrospective.is_closed:
            return (f"The cycle's retrospective is not finished: it is at "
                    f"“{self.retrospective.get_phase_display()}”.")
        return "The cycle's retrospective was held."

    @property
    def closing_question(self) -> str:
        return f"Close cycle {self.cycle.number} early?"

    @property
    def closing_detail(self) -> str:
        """What closing early means, in words: the dialog's detail and the confirmation page's list."""
        return " ".join(self.closing_points)

    @property
    def closing_points(self) -> list[str]:
        cycle, early = self.cycle, self.days_early
        return [
            f"It is planned to run until {cycle.end_date:%-d %b %Y}: closing it today ends it {early} "
            f"day{'s' if early != 1 else ''} early.",
            f"{self.at_target} of {len(self.key_results)} key results are at target.",
            self.retrospective_words,
        ]

    @property
    def verdicts(self) -> list[tuple[str, int]]:
        counted = Counter(d.verdict for d in self.decisions)
        return [(label, counted.get(value, 0)) for value, label in Decision.Verdict.choices]

    @property
    def submitted(self) -> int:
        return sum(week.submitted for week in self.participation)

    @property
    def health_version(self) -> str:
        """What the non-negotiables' health is drawn from (every count and the team's privacy minimum), for
        the key it is kept under: it reads alike for everyone who may read the cycle."""
        return fragments.digest([self.health])

    @property
    def scoreboard_version(self) -> tuple:
        """What the scoreboard is drawn from, for the key it is kept under (`alignment.fragments`).

        The cycle and the weeks shown; each key result with its goal, its figures and where it
        ended or stands; and, per key result, how many readings its lineage had by the end of
        the last week shown, the newest one's id and when one was last saved. Readings are added
        (a ratified version never changes), so a reading recorded, even one dated back to a
        check-in's moment, makes a new version; so does one corrected in the admin.
        """
        cycle = self.cycle
        return (cycle.pk, cycle.state, cycle.closed_at, str(cycle.team.zone),
                self.weeks[0].monday if self.weeks else None, self.weeks[-1].monday if self.weeks else None,
                fragments.digest((kr.pk, kr.goal_id, kr.goal.objective, kr.metric, kr.unit, kr.start_value,
                                  kr.target_value, kr.final, kr.readings_counted, kr.newest_reading_id,
                                  kr.reading_saved_at,
                                  [str(a) for a in kr.amendments], [str(a) for a in kr.goal.amendments])
                                 for kr in self.key_results),
                fragments.digest(str(removed) for removed in self.removed))


def cycle_page(access: TeamAccess, number: int, *, now: datetime | None = None) -> CyclePage | None:
    """The cycle page in seven queries, whatever the number of weeks, goals, decisions or commitments
    (and two more, the weekly readings, when its scoreboard is drawn: `scoreboard_goals`).

    Queries: the cycle with its retrospective; its key results with their goals and where each ended
    (recorded at closing) or stands; its decisions with the value of the key result each dented when
    it was logged and at the cycle's end; the cycle's check-ins counted by week; blockers opened and
    resolved; its commitments with how they ended (and, for a leader of an open cycle, the open
    commitments to carry over); the non-negotiables' health across cycles.
    """
    now = now or timezone.now()
    team = access.team
    found = read_shaped(_cycle, team=team.pk, number=number)
    if not found:
        return None
    cycle = found[0]
    cycle.team = team
    is_closed = cycle.state == ReviewCycle.State.CLOSED
    end_moment = cycle.closed_at if is_closed else now
    today = timezone.localtime(now, team.zone).date()
    last_day = min(cycle.end_date - timedelta(days=1), today) if not is_closed else cycle.end_date - timedelta(days=1)
    weeks = weeks_between(team, cycle.start_date, max(last_day, cycle.start_date))
    starts, ends = (datetime.combine(day, time.min, team.zone) for day in (cycle.start_date, cycle.end_date))
    may_close = may_close_cycle(access, cycle)
    may_run_retro = may_run_retrospectives(access)
    # Everything else depends on the cycle alone: sent together, one wait rather than six.
    decisions = Read(_decisions, {"team": team.pk, "starts": starts, "ends": ends, "end_moment": end_moment,
                                  "cycle_starts": cycle.start_date})
    blockers = Read(_blockers, {"team": team.pk, "starts": starts, "ends": ends})
    key_results = Read(_key_results, {"cycle": cycle.pk, "is_closed": is_closed, "end_moment": end_moment,
                                      "counted_until": weeks[-1].ends_at if weeks else None})
    with reading_ahead([decisions, blockers, key_results, _commitments_read(team, cycle, with_open=may_close),
                        *participation_reads(team, weeks), *health_trend_reads(team)]):
        decisions = decisions.rows()
        participation, strains, questions = participation_and_strain(team, weeks)
        blockers = blockers.first({"opened": 0, "resolved": 0})
        commitments, open_commitments = _commitments(team, cycle, with_open=may_close)
        shown = in_force(key_results.rows())
        health = health_trend(team)
    horizon_day = cycle.end_date if is_closed else today
    ledger = [Investment(d, d.then_value, d.now_value,
                         horizon_passed=d.investment_until is not None and d.investment_until < horizon_day)
              for d in decisions if d.is_conscious_investment and d.key_result is not None]
    retrospective = None
    if cycle.retrospective_id is not None:
        retrospective = Retrospective(pk=cycle.retrospective_id, phase=cycle.retrospective_phase, team=team,
                                      cycle=cycle)
    for kr in shown.key_results:  # each lineage once, through the amendments ratified during the cycle
        kr.final = Reading(kr.final_value, kr.final_confidence or "on_track") if kr.final_value is not None else None
        if not weeks:
            kr.readings_counted = kr.newest_reading_id = kr.reading_saved_at = None
    return CyclePage(
        cycle=cycle, weeks=weeks, key_results=shown.key_results, removed=shown.removed,
        participation=participation, strains=strains, boundary_questions=questions, decisions=decisions,
        ledger=ledger, commitments=commitments, blockers_opened=blockers["opened"],
        blockers_resolved=blockers["resolved"], may_close=may_close, open_commitments=open_commitments,
        retrospective=retrospective, health=health, today=today, may_run_retro=may_run_retro,
    )


def scoreboard_goals(page: CyclePage) -> list[tuple[Goal, list[KeyResultCycle]]]:
    """The scoreboard's goals, each with its key results week by week: 2 queries (`readings_by_week`)."""
    readings = readings_by_week(page.key_results, page.weeks)
    goals: dict[int, tuple[Goal, list[KeyResultCycle]]] = {}
    for kr in page.key_results:
        goals.setdefault(kr.goal_id, (kr.goal, []))[1].append(KeyResultCycle(kr, kr.final, readings[kr.pk]))
    return list(goals.values())


def _lineage_of(key_result: str = "") -> Coalesce:
    """The lineage progress is filed under, of the outer row's key result (`KeyResult.lineage_key`)."""
    prefix = f"{key_result}__" if key_result else ""
    return Coalesce(OuterRef(f"{prefix}lineage_id"), OuterRef(f"{key_result}_id" if key_result else "pk"))


def _cycle(team: int, number: int):
    """The cycle with its retrospective and the number of the charter it reviews: 1 query."""
    return (ReviewCycle.objects.filter(team_id=team, number=number).select_related("closed_by")
            .annotate(charter_number=F("charter__number"), retrospective_id=F("retrospectives__pk"),
                      retrospective_phase=F("retrospectives__phase"))
            .order_by("pk")[:1])


def _blockers(team: int, starts: datetime, ends: datetime):
    """Blockers opened and resolved between `starts` and `ends` (one row, none when there are neither): 1 query."""
    opened, resolved = Q(opened_at__gte=starts, opened_at__lt=ends), Q(resolved_at__gte=starts, resolved_at__lt=ends)
    return (Blocker.objects.filter(team_id=team).filter(opened | resolved).order_by().values("team_id")
            .annotate(opened=Count("pk", filter=opened), resolved=Count("pk", filter=resolved))
            .values("opened", "resolved"))


def _key_results(cycle: int, is_closed: bool, end_moment: datetime, counted_until: datetime | None):
    """The cycle's key results with their goals, every version of each lineage the cycle saw (`in_force` keeps
    each once), each with where it ended (recorded at closing) or stands at `end_moment` (`final_value`,
    `final_confidence`) and, unless `counted_until` is None, what its scoreboard row is drawn from
    (`readings_counted`, `newest_reading_id`, and `reading_saved_at`: staff may correct one in the admin). 1 query."""
    lineage = _lineage_of()
    rows = (KeyResult.objects.filter(goal__in=CycleGoal.objects.filter(cycle_id=cycle).values("goal"))
            .select_related("goal").annotate(charter_number=F("goal__charter__number"))
            .order_by("goal__position", "goal_id", "position", "pk"))
    if is_closed:
        ended = CycleKeyResult.objects.filter(cycle_id=cycle, key_result=OuterRef("pk"))
    else:
        ended = KeyResultProgress.objects.filter(lineage_id=lineage, recorded_at__lt=end_moment).order_by(
            "-recorded_at", "-pk")
    rows = rows.annotate(
        final_value=Subquery(ended.values("final_value" if is_closed else "value")[:1]),
        final_confidence=Subquery(ended.values("final_confidence" if is_closed else "confidence")[:1]))
    if counted_until is not None:
        shown = (KeyResultProgress.objects.filter(lineage_id=lineage, recorded_at__lt=counted_until)
                 .order_by().values("lineage_id"))
        rows = rows.annotate(readings_counted=Subquery(shown.annotate(n=Count("pk")).values("n")),
                             newest_reading_id=Subquery(shown.annotate(newest=Max("pk")).values("newest")),
                             reading_saved_at=Subquery(shown.annotate(saved=Max("updated_at")).values("saved")))
    return rows


def _decisions(team: int, starts: datetime, ends: datetime, end_moment: datetime, cycle_starts: date):
    """Decisions logged in the cycle, and the investments still running in it, each with the value of
    the key result it dented when it was logged (`then_value`) and at the cycle's end or now (`now_value`):
    1 query."""
    lineage = _lineage_of("key_result")
    readings = KeyResultProgress.objects.filter(lineage_id=lineage).order_by("-recorded_at", "-pk").values("value")
    in_cycle = Q(logged_at__gte=starts, logged_at__lt=ends)
    running = Q(verdict=Decision.Verdict.CONSCIOUS_INVESTMENT, logged_at__lt=ends) & (
        Q(investment_until__isnull=True) | Q(investment_until__gte=cycle_starts))
    return (Decision.objects.filter(team_id=team).filter(in_cycle | running).select_related("key_result")
            .annotate(then_value=Subquery(readings.filter(recorded_at__lt=OuterRef("logged_at"))[:1]),
                      now_value=Subquery(readings.filter(recorded_at__lt=end_moment)[:1]))
            .order_by("-logged_at"))


def _commitments(team, cycle: ReviewCycle, *, with_open: bool) -> tuple[dict[str, list[Commitment]], list[Commitment]]:
    """The cycle's commitments (due in it, or carried into it) by how they ended, and, `with_open`, the
    team's open ones a leader may carry into the next cycle: 1 query."""
    outcomes: dict[str, list[Commitment]] = {outcome: [] for outcome in COMMITMENT_OUTCOMES}
    carried = []
    for commitment in _commitments_read(team, cycle, with_open=with_open).rows():
        if commitment.in_cycle:
            outcomes[_outcome(commitment)].append(commitment)
        if with_open and commitment.state in (Commitment.State.OPEN, Commitment.State.REQUESTED):
            carried.append(commitment)
    return outcomes, carried


def _commitments_read(team, cycle: ReviewCycle, *, with_open: bool) -> Read:
    return Read(_cycle_commitments, {"team": team.pk, "cycle": cycle.pk, "starts": cycle.start_date,
                                     "ends": cycle.end_date, "with_open": with_open})


def _cycle_commitments(team: int, cycle: int, starts: date, ends: date, with_open: bool):
    accepted = Renegotiation.objects.filter(commitment=OuterRef("pk"), state=Renegotiation.State.ACCEPTED)
    in_cycle = Q(due_on__gte=starts, due_on__lt=ends) | Q(
        pk__in=CycleCommitment.objects.filter(cycle_id=cycle).values("commitment"))
    still_open = Q(state__in=[Commitment.State.OPEN, Commitment.State.REQUESTED])
    return (Commitment.objects.filter(team_id=team).filter(in_cycle | still_open if with_open else in_cycle)
            .annotate(in_cycle=ExpressionWrapper(in_cycle, output_field=BooleanField()),
                      renegotiated=Exists(accepted.filter(kind__in=[Renegotiation.Kind.DEFER,
                                                                    Renegotiation.Kind.RESCOPE])),
                      handed=Exists(accepted.filter(kind=Renegotiation.Kind.HAND_OVER)))
            .select_related("owner"))


def _outcome(commitment: Commitment) -> str:
    if commitment.is_done:
        return "kept"
    if commitment.is_dropped:
        return "dropped"
    if commitment.is_declined:
        return "declined"
    if commitment.handed:
        return "handed over"
    if commitment.renegotiated:
        return "renegotiated"
    return "still open"


# Review prompts ----------------------------------------------------------------------------------------


@dataclass
class TriggerPage:
    access: TeamAccess
    trigger: ReviewTrigger
    evidence: Evidence
    may_act: bool
    dismiss_form: DismissTriggerForm | None = None


def trigger_page(access: TeamAccess, trigger_id: int, *, dismiss_form: DismissTriggerForm | None = None
                 ) -> TriggerPage | None:
    """A review prompt with its evidence as the reader may see it (1 query: the prompt and its versions)."""
    trigger = (ReviewTrigger.objects.select_related("charter", "amendment", "closed_by")
               .filter(pk=trigger_id, team=access.team).first())
    if trigger is None:
        return None
    trigger.team = trigger.charter.team = access.team
    if trigger.amendment is not None:
        trigger.amendment.team = access.team
    may_act = may_act_on_trigger(access, trigger)
    return TriggerPage(access=access, trigger=trigger, evidence=evidence_of(trigger), may_act=may_act,
                       dismiss_form=(dismiss_form or DismissTriggerForm()) if may_act else None)


@dataclass(frozen=True)
class CharterReview:
    """What reviews adds to the charter page: the review date of the version in force, and the evidence
    that review prompts attached to an amendment."""

    charter: object
    review_on: date | None
    due: bool
    review_form: ReviewDateForm | None
    evidence: list[tuple[ReviewTrigger, Evidence]]


def charter_review_panel(page) -> CharterReview | None:
    """The charter page's review panel (`charters.panels`): no query on a version in force; one on an amendment
    (`charter_review_panel_reads`)."""
    charter, access = page.charter, page.access
    if charter.is_active and charter.review_on:
        due = charter.review_on <= timezone.localdate(timezone=access.team.zone)
        form = ReviewDateForm(initial={"review_on": charter.review_on}) if access.can(SET_REVIEW_DATE) else None
        return CharterReview(charter, charter.review_on, due, form, [])
    if _shows_prompts(charter, access):
        triggers = read_shaped(_prompts_taken_up, amendment=charter.pk)
        for trigger in triggers:
            trigger.team = trigger.charter.team = access.team
        if triggers:
            return CharterReview(charter, None, False, None, [(t, evidence_of(t)) for t in triggers])
    return None


def charter_review_panel_reads(access: TeamAccess, charter) -> list[Read]:
    """What the review panel reads on this version for this reader, sent with the charter page's reads."""
    return [Read(_prompts_taken_up, {"amendment": charter.pk})] if _shows_prompts(charter, access) else []


def _shows_prompts(charter, access: TeamAccess) -> bool:
    """An amendment shows the review prompts it took up to whoever may read them."""
    return bool(charter.is_editable and charter.based_on_id and access.can(READ_TRIGGER))


def _prompts_taken_up(amendment: int):
    """query: the review prompts an amendment took up, with the versions they were about"""
    return ReviewTrigger.objects.filter(amendment_id=amendment).select_related("charter").order_by("fired_at", "pk")
