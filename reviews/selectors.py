"""Read-only queries for review cycles."""

from __future__ import annotations

from reviews.models import ReviewCycle


def team_panel(request, access) -> ReviewCycle | None:
    """The team page's cycle panel: the open cycle, if any (1 query)."""
    if not access.in_team:
        return None
    return ReviewCycle.objects.filter(team=access.team, state=ReviewCycle.State.OPEN).first()
