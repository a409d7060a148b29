"""The cycle page, and closing a cycle by hand (the scheduler calls the same service)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from alignment import fragments, permissions
from alignment.errors import ActionRefused
from alignment.permissions import Capability
from reviews import selectors, services
from reviews.permissions import CLOSE_CYCLE

CYCLE = "reviews/cycle.html"


@login_required
@require_GET
def cycle(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    page = selectors.cycle_page(access, number)
    if page is None:
        raise Http404("No such cycle")
    # The scoreboard reads alike for everyone in the team: drawn once per version of what it shows.
    scoreboard = fragments.shared("cycle-scoreboard", page.scoreboard_version, lambda: render_to_string(
        f"{CYCLE}#scoreboard", {"cycle": page.cycle, "goals": selectors.scoreboard_goals(page)}))
    return render(request, CYCLE, {"team": access.team, "access": access, "page": page, "scoreboard": scoreboard})


@login_required
@require_POST
def close_cycle(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    """A leader closes the cycle now and opens the next, carrying over the commitments they ticked."""
    access = permissions.team_access(request.user, org_slug, team_slug, CLOSE_CYCLE)
    carry = {int(pk) for pk in request.POST.getlist("carry") if pk.isdigit()}
    try:
        rollover = services.close_cycle(team=access.team, number=number, actor=request.user, carry=carry,
                                        now=timezone.now())
    except ActionRefused as exc:
        messages.info(request, str(exc))
        return redirect("reviews:cycle", org_slug, team_slug, number)
    if rollover.already:
        who = rollover.closed.closed_by.name if rollover.closed.closed_by else "The scheduler"
        messages.info(request, f"{who} already closed cycle {number}; cycle {rollover.opened.number} is open.")
    else:
        messages.success(request, f"Cycle {number} is closed. Cycle {rollover.opened.number} runs until "
                                  f"{rollover.opened.end_date:%-d %B}.")
    return redirect("reviews:cycle", org_slug, team_slug, rollover.opened.number)
