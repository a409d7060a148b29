"""Opening and closing review cycles."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from reviews.models import ReviewCycle


def ensure_open_cycle(*, team, charter) -> ReviewCycle:
    """The team's open cycle; opens one (from today in the team's zone, for its cadence) if none.

    A team's first cycle opens when its first charter is ratified. Runs inside the
    caller's transaction; calling it again returns the same cycle.
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
