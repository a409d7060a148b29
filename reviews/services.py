"""Opening and closing review cycles."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from charters.models import Goal
from reviews.models import CycleGoal, ReviewCycle


def ensure_open_cycle(*, team, charter) -> ReviewCycle:
    """The team's open cycle; opens one (from today in the team's zone, for its cadence) if none.

    Runs inside the caller's transaction; calling it again returns the same cycle.
    """
    existing = ReviewCycle.objects.filter(team=team, state=ReviewCycle.State.OPEN).first()
    if existing:
        return existing
    last = ReviewCycle.objects.filter(team=team).order_by("-number").values_list("number", flat=True).first()
    start = timezone.localdate(timezone=team.zone)
    return ReviewCycle.objects.create(
        team=team, number=(last or 0) + 1, start_date=start,
        end_date=start + timedelta(weeks=team.review_cadence_weeks), charter=charter,
    )


def join_open_cycle(*, charter) -> ReviewCycle:
    """A version was ratified: the team's open cycle (its first opens now) takes on its goals.

    Connected to `charters.signals.charter_ratified`, so it runs in the ratifying
    transaction. Idempotent: goals already in the cycle are left as they are.
    """
    cycle = ensure_open_cycle(team=charter.team, charter=charter)
    goal_ids = Goal.objects.filter(charter=charter).values_list("pk", flat=True)
    CycleGoal.objects.bulk_create([CycleGoal(cycle=cycle, goal_id=pk) for pk in goal_ids], ignore_conflicts=True)
    return cycle
