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
from django.db.models import F
from django.utils import timezone

from alignment.errors import ActionRefused
from alignment.locks import lock_team
from alignment.permissions import ARCHIVED_REFUSAL
from charters import services as charter_services
from charters.models import Charter, Goal, KeyResult
from charters.selectors import latest_progress
from checkins.models import Commitment
from reviews import webhooks
from reviews.amendments import in_force
from reviews.models import CycleCommitment, CycleGoal, CycleKeyResult, ReviewCycle, ReviewTrigger
from reviews.triggers import amendment_note


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

    Runs in the ratifying transaction (see `on_charter_ratified`). Idempotent: goals already in
    the cycle are left as they are.
    """
    cycle = ensure_open_cycle(team=charter.team, charter=charter)
    goal_ids = Goal.objects.filter(charter=charter).values_list("pk", flat=True)
    CycleGoal.objects.bulk_create([CycleGoal(cycle=cycle, goal_id=pk) for pk in goal_ids], ignore_conflicts=True)
    return cycle


def on_charter_ratified(sender, *, charter, **kwargs) -> None:
    """Receiver of `charters.signals.charter_ratified`, sent by `charters.services.ratify` inside its
    transaction (connected in `reviews/apps.py`): the ratified version joins the team's open cycle and
    gets its review date. A failure here fails the ratification, so a ratified charter is never left
    outside a cycle."""
    cycle = join_open_cycle(charter=charter)
    if charter.review_on is None:
        cycle.team = charter.team  # loaded by ratify
        charter.review_on = default_review_on(cycle)
        Charter.objects.filter(pk=charter.pk).update(review_on=charter.review_on)


def default_review_on(cycle: ReviewCycle) -> date:
    """The end of the second review cycle the version runs in: the open cycle's end, and one cadence more."""
    return cycle.end_date + timedelta(weeks=cycle.team.review_cadence_weeks)


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
        cycle.team = team
        if carry is not None:
            _mark_carried(cycle, team, carry)
        return _close_locked([cycle], now=now, actor=actor, summary=summary)[0]


def close_due_cycles(cycles: list[ReviewCycle], *, now: datetime) -> list[Rollover]:
    """The scheduler's close of a batch of cycles, in the same dozen queries whatever its size.

    Each is closed as `close_cycle` would with no actor: those another run (or a leader) closed
    meanwhile are left out of what is returned. Cycles come with their team loaded.
    """
    teams = {cycle.pk: cycle.team for cycle in cycles}
    with transaction.atomic():
        locked = list(ReviewCycle.objects.select_for_update().filter(pk__in=list(teams), state=ReviewCycle.State.OPEN)
                      .order_by("pk"))
        for cycle in locked:
            cycle.team = teams[cycle.pk]
        return _close_locked(locked, now=now, actor=None) if locked else []


def _close_locked(cycles: list[ReviewCycle], *, now: datetime, actor, summary: str = "") -> list[Rollover]:
    """Close these open, locked cycles (teams loaded) and open the next of each (eleven queries).

    Queries: the charters in force, the cycles' goals, the charters' goals, their key results, where
    each stands, the end of each key result (insert), the closed cycles (one update), the new cycles
    (insert), their goals (insert), the commitments marked to carry over, and their links (insert); and the
    teams' webhooks (1; the deliveries' few more only when one wants `cycle closed`).
    """
    charters = {c.team_id: c for c in Charter.objects.filter(team__in=[c.team_id for c in cycles]).active()}
    cycle_goals: dict[int, set[int]] = {}
    for cycle_id, goal_id in CycleGoal.objects.filter(cycle__in=cycles).values_list("cycle_id", "goal_id"):
        cycle_goals.setdefault(cycle_id, set()).add(goal_id)
    charter_goals: dict[int, list[int]] = {}
    goals = Goal.objects.filter(charter__in=list(charters.values())).order_by("position", "pk")
    for goal_id, charter_id in goals.values_list("pk", "charter_id"):
        charter_goals.setdefault(charter_id, []).append(goal_id)
    all_goals = set().union(*cycle_goals.values(), *charter_goals.values())
    by_goal: dict[int, list[KeyResult]] = {}
    for kr in (KeyResult.objects.filter(goal__in=all_goals).select_related("goal")
               .annotate(charter_number=F("goal__charter__number")).order_by("goal_id", "position", "pk")):
        by_goal.setdefault(kr.goal_id, []).append(kr)
    final = latest_progress({kr.lineage_key for krs in by_goal.values() for kr in krs})

    def ended(kr: KeyResult) -> tuple[object, str]:
        reading = final.get(kr.lineage_key)
        return (reading.value, reading.confidence) if reading else (kr.current_value, "")

    ends, opened = [], []
    for cycle in cycles:
        team = cycle.team
        charter = charters.get(team.pk)
        cycle.charter = charter or cycle.charter  # the version in force as it ends
        # Each key result once, as the version in force has it: an amendment ratified mid-cycle added its goals.
        ran = in_force([kr for goal in sorted(cycle_goals.get(cycle.pk, ())) for kr in by_goal.get(goal, [])])
        rows = [(kr, *ended(kr)) for kr in ran.key_results]
        ends += [CycleKeyResult(cycle=cycle, key_result=kr, start_value=kr.start_value, final_value=value,
                                final_confidence=confidence) for kr, value, confidence in rows]
        met = sum(1 for kr, value, _ in rows if kr.progress_percent_at(value) == 100)
        cycle.state, cycle.closed_at, cycle.closed_by = ReviewCycle.State.CLOSED, now, actor
        counted = f"Cycle {cycle.number} closed with {met} of {len(rows)} key results at target."
        cycle.summary = f"{summary.strip()}\n\n{counted}" if summary.strip() else counted
        start = _next_start(cycle, timezone.localtime(now, team.zone).date())
        if cycle.end_date > start or cycle.end_date <= cycle.start_date:  # closed early: it ends today
            cycle.planned_end_date = cycle.end_date
            cycle.end_date = max(start, cycle.start_date + timedelta(days=1))
        opened.append(_cycle(team=team, charter=charter, start=max(start, cycle.end_date), number=cycle.number + 1))
    CycleKeyResult.objects.bulk_create(ends, ignore_conflicts=True)
    ReviewCycle.objects.bulk_update(cycles, ["state", "closed_at", "closed_by", "summary", "charter", "end_date",
                                             "planned_end_date"])
    ReviewCycle.objects.bulk_create(opened)

    # Carried into the next: the goals of the charter in force not yet met, and the open commitments marked.
    carried_goals = []
    for following in opened:
        if following.charter is not None:
            carried_goals += [CycleGoal(cycle=following, goal_id=goal)
                              for goal in charter_goals.get(following.charter.pk, [])
                              if not _goal_met(by_goal.get(goal, []), ended)]
    CycleGoal.objects.bulk_create(carried_goals, ignore_conflicts=True)
    following_of = {cycle.pk: following for cycle, following in zip(cycles, opened, strict=True)}
    carried = CycleCommitment.objects.filter(
        cycle__in=cycles, carry_over=True,
        commitment__state__in=[Commitment.State.OPEN, Commitment.State.REQUESTED]).values_list("cycle_id",
                                                                                             "commitment_id")
    CycleCommitment.objects.bulk_create([CycleCommitment(cycle=following_of[cycle_id], commitment_id=commitment)
                                         for cycle_id, commitment in carried], ignore_conflicts=True)
    webhooks.post_cycles_closed(cycles, opened)  # to the team's webhooks that want it, once this commits
    return [Rollover(closed=cycle, opened=following_of[cycle.pk], already=False) for cycle in cycles]


def _open(*, team, charter, start: date) -> ReviewCycle:
    """The team's next cycle, saved."""
    last = ReviewCycle.objects.filter(team=team).order_by("-number").values_list("number", flat=True).first()
    cycle = _cycle(team=team, charter=charter, start=start, number=(last or 0) + 1)
    cycle.save(force_insert=True)
    return cycle


def _cycle(*, team, charter, start: date, number: int) -> ReviewCycle:
    """A cycle starting on `start`, as long as the team's cadence says (not saved)."""
    return ReviewCycle(team=team, number=number, start_date=start, charter=charter,
                       end_date=start + timedelta(weeks=team.review_cadence_weeks))


def _next_start(cycle: ReviewCycle, today: date) -> date:
    """The next cycle starts where this one was planned to end, or today if it closes early."""
    return min(cycle.end_date, today) if today > cycle.start_date else cycle.start_date + timedelta(days=1)


def _goal_met(key_results: list[KeyResult], ended) -> bool:
    """A goal is met when each of its key results ended at its target (a goal without any is not)."""
    return bool(key_results) and all(kr.progress_percent_at(ended(kr)[0]) == 100 for kr in key_results)


def _mark_carried(cycle: ReviewCycle, team, carry: set[int]) -> None:
    """The leader's choice at closing: these open commitments go on; the others stay, unattached."""
    still_open = Commitment.objects.filter(team=team, state__in=[Commitment.State.OPEN, Commitment.State.REQUESTED])
    CycleCommitment.objects.bulk_create(
        [CycleCommitment(cycle=cycle, commitment_id=pk) for pk in still_open.values_list("pk", flat=True)],
        ignore_conflicts=True)
    links = CycleCommitment.objects.filter(cycle=cycle)
    links.filter(commitment_id__in=carry).update(carry_over=True)
    links.exclude(commitment_id__in=carry).update(carry_over=False)




# Review triggers: a charter asking to be revisited (fired by `reviews.triggers`) ----------------------------
# Lock order: the team (`alignment.locks.lock_team`, as `charters.services` takes it), then the trigger.


def _locked_trigger(*, team, trigger_id: int) -> ReviewTrigger:
    if lock_team(team.pk) is None:
        raise ActionRefused("This team no longer exists.")
    trigger = (ReviewTrigger.objects.select_for_update(of=("self",)).select_related("closed_by", "charter")
               .filter(pk=trigger_id, team=team).first())
    if trigger is None:
        raise ActionRefused("This review prompt no longer exists.")
    trigger.team = trigger.charter.team = team
    return trigger


def take_up_trigger(*, team, trigger_id: int, actor, now: datetime | None = None) -> ReviewTrigger:
    """Start the amendment a trigger asks for, its note filled in from the evidence; or join the one in progress.

    A second call (a double click, two leaders at once) finds it taken up and returns it as it is.
    """
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    now = now or timezone.now()
    with transaction.atomic():
        trigger = _locked_trigger(team=team, trigger_id=trigger_id)
        if trigger.state == ReviewTrigger.State.TAKEN_UP:
            return trigger
        if trigger.state == ReviewTrigger.State.DISMISSED:
            who = trigger.closed_by.name if trigger.closed_by else "A leader"
            raise ActionRefused(f"{who} dismissed this prompt, so it leads to no amendment.")
        if not trigger.charter.is_active:
            raise ActionRefused(f"Version {trigger.charter.number} is no longer in force, so this prompt is out of "
                                "date: the version in force starts afresh.")
        draft = Charter.objects.filter(team=team).working().first()
        if draft is None:
            draft = charter_services.start_amendment(team=team, actor=actor, note=amendment_note(trigger))
        trigger.state, trigger.amendment, trigger.closed_at, trigger.closed_by = (
            ReviewTrigger.State.TAKEN_UP, draft, now, actor)
        trigger.save(update_fields=["state", "amendment", "closed_at", "closed_by"])
    return trigger


def dismiss_trigger(*, team, trigger_id: int, actor, reason: str = "", now: datetime | None = None) -> ReviewTrigger:
    """Set a trigger aside, with an optional reason: it does not come back for this version and subject."""
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    now = now or timezone.now()
    with transaction.atomic():
        trigger = _locked_trigger(team=team, trigger_id=trigger_id)
        if trigger.state == ReviewTrigger.State.DISMISSED:
            return trigger
        if trigger.state == ReviewTrigger.State.TAKEN_UP:
            raise ActionRefused("This prompt was already taken up in an amendment; discard the amendment instead.")
        trigger.state, trigger.closed_at, trigger.closed_by = ReviewTrigger.State.DISMISSED, now, actor
        trigger.dismiss_reason = reason.strip()
        trigger.save(update_fields=["state", "closed_at", "closed_by", "dismiss_reason"])
    return trigger


def set_review_date(*, team, review_on: date) -> Charter:
    """The leaders move the review date of the version in force (a new date may fire a new trigger)."""
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    with transaction.atomic():
        if lock_team(team.pk) is None:
            raise ActionRefused("This team no longer exists.")
        active = Charter.objects.active_for(team)
        if active is None:
            raise ActionRefused("There is no ratified charter to review yet.")
        active.review_on = review_on
        active.save(update_fields=["review_on"])
    return active
