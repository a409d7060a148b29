"""Read-only queries for review cycles: the team page's panel and the cycle page."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from alignment.permissions import TeamAccess
from alignment.weeks import TeamWeek, weeks_between
from charters.models import Goal, KeyResult, KeyResultProgress
from charters.selectors import Reading, WeekReading, latest_progress, readings_by_week
from charts import svg as charts
from checkins.models import Blocker, Commitment, Renegotiation
from checkins.selectors import StrainTrend, WeekParticipation, participation_and_strain
from decisions.models import Decision
from reviews.models import CycleCommitment, CycleGoal, CycleKeyResult, Retrospective, ReviewCycle
from reviews.permissions import may_close_cycle
from reviews.retro.selectors import HealthTrend, health_trend


def team_panel(request, access) -> ReviewCycle | None:
    """The team page's cycle panel: the open cycle, if any (1 query)."""
    if not access.in_team:
        return None
    return ReviewCycle.objects.filter(team=access.team, state=ReviewCycle.State.OPEN).first()


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
        ) for w in self.weeks], target=kr.target_value, start=kr.start_value, unit=kr.unit, height=160)


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
    """How a cycle went: the scoreboard, participation, decisions, investments, commitments, blockers, pulse."""

    cycle: ReviewCycle
    weeks: list[TeamWeek]
    goals: list[tuple[Goal, list[KeyResultCycle]]]
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

    @property
    def verdicts(self) -> list[tuple[str, int]]:
        counted = Counter(d.verdict for d in self.decisions)
        return [(label, counted.get(value, 0)) for value, label in Decision.Verdict.choices]

    @property
    def submitted(self) -> int:
        return sum(week.submitted for week in self.participation)


def cycle_page(access: TeamAccess, number: int, *, now: datetime | None = None) -> CyclePage | None:
    """The cycle page in twelve queries, whatever the number of weeks, goals, decisions or commitments.

    Queries: the cycle; its key results with their goals; their final values (a closed cycle) or
    latest readings (an open one) with the investments' key results; their readings when the cycle
    began and during it (2); the cycle's check-ins counted by week; its decisions with the value of
    the key result each dented when it was logged; its commitments with how they ended; blockers
    opened and resolved; its retrospective; the non-negotiables' health across cycles; for a leader of
    an open cycle, the open commitments to carry over.
    """
    now = now or timezone.now()
    team = access.team
    cycle = ReviewCycle.objects.filter(team=team, number=number).first()
    if cycle is None:
        return None
    cycle.team = team
    is_closed = cycle.state == ReviewCycle.State.CLOSED
    end_moment = cycle.closed_at if is_closed else now
    today = timezone.localtime(now, team.zone).date()
    last_day = min(cycle.end_date - timedelta(days=1), today) if not is_closed else cycle.end_date - timedelta(days=1)
    weeks = weeks_between(team, cycle.start_date, max(last_day, cycle.start_date))
    key_results = list(KeyResult.objects.filter(goal__in=CycleGoal.objects.filter(cycle=cycle).values("goal"))
                       .select_related("goal").order_by("goal__position", "goal_id", "position", "pk"))
    decisions = _decisions(team, cycle)
    investments = [d for d in decisions if d.is_conscious_investment and d.key_result is not None]
    finals = _finals(cycle, key_results, investments, is_closed=is_closed, before=end_moment)
    readings = readings_by_week(key_results, weeks)
    goals: dict[int, tuple[Goal, list[KeyResultCycle]]] = {}
    for kr in key_results:
        goals.setdefault(kr.goal_id, (kr.goal, []))[1].append(
            KeyResultCycle(kr, finals.get(("kr", kr.pk)), readings[kr.pk]))
    participation, strains, questions = participation_and_strain(team, weeks)
    horizon_day = cycle.end_date if is_closed else today
    ledger = [Investment(d, d.then_value, getattr(finals.get(("lineage", d.key_result.lineage_key)), "value", None),
                         horizon_passed=d.investment_until is not None and d.investment_until < horizon_day)
              for d in investments]
    blockers = Blocker.objects.filter(check_in__team=team).aggregate(
        opened=Count("pk", filter=Q(opened_at__date__gte=cycle.start_date, opened_at__date__lt=cycle.end_date)),
        resolved=Count("pk", filter=Q(resolved_at__date__gte=cycle.start_date, resolved_at__date__lt=cycle.end_date)))
    may_close = may_close_cycle(access, cycle)
    return CyclePage(
        cycle=cycle, weeks=weeks, goals=list(goals.values()), participation=participation, strains=strains,
        boundary_questions=questions, decisions=decisions, ledger=ledger,
        commitments=_commitments(team, cycle), blockers_opened=blockers["opened"],
        blockers_resolved=blockers["resolved"], may_close=may_close,
        open_commitments=list(Commitment.objects.filter(
            team=team, state__in=[Commitment.State.OPEN, Commitment.State.REQUESTED]).select_related("owner"))
        if may_close else [],
        retrospective=Retrospective.objects.filter(cycle=cycle).first(),
        health=health_trend(team),
    )


def _decisions(team, cycle: ReviewCycle) -> list[Decision]:
    """Decisions logged in the cycle, and the investments still running in it, each with the value of
    the key result it dented when it was logged (`then_value`): 1 query."""
    lineage = Coalesce(OuterRef("key_result__lineage_id"), OuterRef("key_result_id"))
    then = KeyResultProgress.objects.filter(lineage_id=lineage, recorded_at__lt=OuterRef("logged_at")).order_by(
        "-recorded_at", "-pk").values("value")[:1]
    in_cycle = Q(logged_at__date__gte=cycle.start_date, logged_at__date__lt=cycle.end_date)
    running = Q(verdict=Decision.Verdict.CONSCIOUS_INVESTMENT, logged_at__date__lt=cycle.end_date) & (
        Q(investment_until__isnull=True) | Q(investment_until__gte=cycle.start_date))
    return list(Decision.objects.filter(team=team).filter(in_cycle | running).select_related("key_result")
                .annotate(then_value=Subquery(then)).order_by("-logged_at"))


def _finals(cycle, key_results, investments, *, is_closed: bool, before: datetime) -> dict[tuple, Reading]:
    """Where each key result ended (recorded at closing) or stands: by ("kr", id) and ("lineage", id). 1 query."""
    lineages = {kr.lineage_key for kr in key_results} | {d.key_result.lineage_key for d in investments}
    found: dict[tuple, Reading] = {}
    if is_closed:
        for row in CycleKeyResult.objects.filter(cycle=cycle):
            if row.final_value is not None:
                found[("kr", row.key_result_id)] = Reading(row.final_value, row.final_confidence or "on_track")
        lineages = {d.key_result.lineage_key for d in investments}
    latest = latest_progress(lineages, before=before) if lineages else {}
    for lineage_id, progress in latest.items():
        found[("lineage", lineage_id)] = Reading(progress.value, progress.confidence)
    for kr in key_results:
        if ("kr", kr.pk) not in found and ("lineage", kr.lineage_key) in found:
            found[("kr", kr.pk)] = found[("lineage", kr.lineage_key)]
    return found


def _commitments(team, cycle: ReviewCycle) -> dict[str, list[Commitment]]:
    """The cycle's commitments (due in it, or carried into it) by how they ended: 1 query."""
    accepted = Renegotiation.objects.filter(commitment=OuterRef("pk"), state=Renegotiation.State.ACCEPTED)
    rows = (Commitment.objects.filter(team=team).filter(
        Q(due_on__gte=cycle.start_date, due_on__lt=cycle.end_date)
        | Q(pk__in=CycleCommitment.objects.filter(cycle=cycle).values("commitment")))
        .annotate(renegotiated=Exists(accepted.filter(kind__in=[Renegotiation.Kind.DEFER, Renegotiation.Kind.RESCOPE])),
                  handed=Exists(accepted.filter(kind=Renegotiation.Kind.HAND_OVER)))
        .select_related("owner"))
    outcomes: dict[str, list[Commitment]] = {outcome: [] for outcome in COMMITMENT_OUTCOMES}
    for commitment in rows:
        outcomes[_outcome(commitment)].append(commitment)
    return outcomes


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
