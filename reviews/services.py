"""Opening and closing review cycles.

A cycle closes once: closing records the charter version it ran under, each key result's
final value and confidence, and a summary, then opens the next cycle for the team's
cadence, carrying over the goals of the charter in force that are not yet met and the
commitments marked to carry over. The open cycle's row lock and the one-open-cycle-per-team
constraint make a second close (a double click, the scheduler and a leader at once) find
the cycle already closed and return what the first opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from alignment.errors import ActionRefused
from alignment.permissions import ARCHIVED_REFUSAL
from charters.models import Charter, Goal, KeyResult
from charters.selectors import latest_progress
from checkins.models import Commitment
from reviews.models import CycleCommitment, CycleGoal, CycleKeyResult, ReviewCycle


def ensure_open_cycle(*, team, charter) -> ReviewCycle:
    """The team's open cycle; opens one (from today in the team's zone, for its cadence) if none.

    Runs inside the caller's transaction; calling it again returns the same cycle.
    """
    existing = ReviewCycle.objects.filter(team=team, state=ReviewCycle.State.OPEN).first()
    if existing:
        return existing
    return _open(team=team, charter=charter, start=timezone.localdate(timezone=team.zone))


def join_open_cycle(*, charter) -> ReviewCycle:
    """A version was ratified: the team's open cycle (its first opens now) takes on its goals.

    Connected to `charters.signals.charter_ratified`, so it runs in the ratifying
    transaction. Idempotent: goals already in the cycle are left as they are.
    """
    cycle = ensure_open_cycle(team=charter.team, charter=charter)
    goal_ids = Goal.objects.filter(charter=charter).values_list("pk", flat=True)
    CycleGoal.objects.bulk_create([CycleGoal(cycle=cycle, goal_id=pk) for pk in goal_ids], ignore_conflicts=True)
    return cycle


@dataclass(frozen=True)
class Rollover:
    closed: ReviewCycle
    opened: ReviewCycle
    already: bool  # someone (or something) closed it first; nothing was changed now


def close_cycle(*, team, number: int, actor=None, carry: set[int] | None = None, summary: str = "",
                now: datetime | None = None) -> Rollover:
    """Close cycle `number` of the team and open the next; a second call changes nothing.

    `carry` names the open commitments (ids) to take into the next cycle; None keeps what was
    marked (`CycleCommitment.carry_over`). `actor` is None when the scheduler closes it.
    """
    now = now or timezone.now()
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    with transaction.atomic():
        cycle = ReviewCycle.objects.select_for_update().filter(team=team, number=number).first()
        if cycle is None:
            raise ActionRefused("There is no such cycle.")
        if cycle.state == ReviewCycle.State.CLOSED:
            following = ReviewCycle.objects.filter(team=team, number=number + 1).first()
            if following is None:
                raise ActionRefused("This cycle was closed, and no cycle follows it.")
            return Rollover(closed=cycle, opened=following, already=True)
        charter = Charter.objects.active_for(team)
        today = timezone.localtime(now, team.zone).date()
        cycle.charter = charter or cycle.charter  # the version in force as it ends
        _record_key_results(cycle)
        if carry is not None:
            _mark_carried(cycle, team, carry)
        cycle.state, cycle.closed_at, cycle.closed_by = ReviewCycle.State.CLOSED, now, actor
        cycle.summary = summary or _summary(cycle)
        start = _next_start(cycle, today)
        if cycle.end_date > start or cycle.end_date <= cycle.start_date:  # closed early: it ends today
            cycle.end_date = max(start, cycle.start_date + timedelta(days=1))
        cycle.save(update_fields=["state", "closed_at", "closed_by", "summary", "charter", "end_date"])
        opened = _open(team=team, charter=charter, start=max(start, cycle.end_date), number=cycle.number + 1)
        _carry_over(cycle, opened, charter)
    return Rollover(closed=cycle, opened=opened, already=False)


def _open(*, team, charter, start: date, number: int | None = None) -> ReviewCycle:
    if number is None:
        last = ReviewCycle.objects.filter(team=team).order_by("-number").values_list("number", flat=True).first()
        number = (last or 0) + 1
    return ReviewCycle.objects.create(team=team, number=number, start_date=start,
                                      end_date=start + timedelta(weeks=team.review_cadence_weeks), charter=charter)


def _next_start(cycle: ReviewCycle, today: date) -> date:
    """The next cycle starts where this one was planned to end, or today if it closes early."""
    return min(cycle.end_date, today) if today > cycle.start_date else cycle.start_date + timedelta(days=1)


def _record_key_results(cycle: ReviewCycle) -> None:
    """Each key result of the cycle's goals: where it started and where it ended, as it closes (3 queries)."""
    key_results = list(KeyResult.objects.filter(goal__in=CycleGoal.objects.filter(cycle=cycle).values("goal")))
    final = latest_progress({kr.lineage_key for kr in key_results})
    CycleKeyResult.objects.bulk_create([
        CycleKeyResult(cycle=cycle, key_result=kr, start_value=kr.start_value,
                       final_value=final[kr.lineage_key].value if kr.lineage_key in final else kr.current_value,
                       final_confidence=final[kr.lineage_key].confidence if kr.lineage_key in final else "")
        for kr in key_results
    ], ignore_conflicts=True)


def _mark_carried(cycle: ReviewCycle, team, carry: set[int]) -> None:
    """The leader's choice at closing: these open commitments go on; the others stay, unattached."""
    still_open = Commitment.objects.filter(team=team, state__in=[Commitment.State.OPEN, Commitment.State.REQUESTED])
    CycleCommitment.objects.bulk_create(
        [CycleCommitment(cycle=cycle, commitment_id=pk) for pk in still_open.values_list("pk", flat=True)],
        ignore_conflicts=True)
    links = CycleCommitment.objects.filter(cycle=cycle)
    links.filter(commitment_id__in=carry).update(carry_over=True)
    links.exclude(commitment_id__in=carry).update(carry_over=False)


def _carry_over(closed: ReviewCycle, opened: ReviewCycle, charter: Charter | None) -> None:
    """Goals of the charter in force not yet met, and the commitments marked to carry over that are still open."""
    if charter is not None:
        key_results = list(KeyResult.objects.filter(goal__charter=charter))
        final = latest_progress({kr.lineage_key for kr in key_results})
        met: dict[int, bool] = {}
        for kr in key_results:
            value = final[kr.lineage_key].value if kr.lineage_key in final else kr.current_value
            met[kr.goal_id] = met.get(kr.goal_id, True) and kr.progress_percent_at(value) == 100
        goals = Goal.objects.filter(charter=charter).values_list("pk", flat=True)
        CycleGoal.objects.bulk_create([CycleGoal(cycle=opened, goal_id=pk) for pk in goals if not met.get(pk)],
                                      ignore_conflicts=True)
    carried = CycleCommitment.objects.filter(
        cycle=closed, carry_over=True,
        commitment__state__in=[Commitment.State.OPEN, Commitment.State.REQUESTED]).values_list("commitment_id",
                                                                                             flat=True)
    CycleCommitment.objects.bulk_create([CycleCommitment(cycle=opened, commitment_id=pk) for pk in carried],
                                        ignore_conflicts=True)


def _summary(cycle: ReviewCycle) -> str:
    rows = list(CycleKeyResult.objects.filter(cycle=cycle).select_related("key_result"))
    met = sum(1 for row in rows if row.key_result.progress_percent_at(row.final_value) == 100)
    return f"Cycle {cycle.number} closed with {met} of {len(rows)} key results at target."
