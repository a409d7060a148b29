"""The cycle page, closing a cycle by hand (the scheduler calls the same service), and review prompts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from alignment import confirm, fragments, permissions
from alignment.errors import ActionRefused
from alignment.permissions import Capability
from reviews import selectors, services
from reviews.forms import CloseCycleForm, DismissTriggerForm, ReviewDateForm
from reviews.models import ReviewCycle
from reviews.permissions import ACT_ON_TRIGGER, CLOSE_CYCLE, READ_TRIGGER, SET_REVIEW_DATE

CYCLE = "reviews/cycle.html"
CLOSE_EARLY = "reviews/cycle_close_early.html"


@login_required
@require_GET
def cycle(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    """A cycle's page; an organisation admin outside the team reads it too (its counts, never a check-in)."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_SUMMARY)
    page = selectors.cycle_page(access, number)
    if page is None:
        raise Http404("No such cycle")
    # The scoreboard reads alike for everyone in the team: drawn once per version of what it shows.
    scoreboard = fragments.shared("cycle-scoreboard", page.scoreboard_version, lambda: render_to_string(
        f"{CYCLE}#scoreboard", {"cycle": page.cycle, "goals": selectors.scoreboard_goals(page),
                                "removed": page.removed}))
    # Closing early asks for a summary (`required`, so the browser asks for it before the dialog asks to confirm).
    close_form = CloseCycleForm(early=page.closes_early) if page.may_close else None
    return render(request, CYCLE, {"team": access.team, "access": access, "page": page, "scoreboard": scoreboard,
                                   "close_form": close_form})


@login_required
@require_POST
def close_cycle(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    """A leader closes the cycle now and opens the next, carrying over the commitments they ticked.

    Before its end date, closing cuts the cycle short: the leader is asked first (a dialog with JavaScript,
    this page without), told how far the cycle got and whether its retrospective was held, and writes a
    summary. A post carrying the confirmation (`alignment.confirm`) and a summary closes it.
    """
    access = permissions.team_access(request.user, org_slug, team_slug, CLOSE_CYCLE)
    carry = {int(pk) for pk in request.POST.getlist("carry") if pk.isdigit()}
    now = timezone.now()
    cycle = ReviewCycle.objects.filter(team=access.team, number=number).first()
    early = cycle is not None and cycle.is_open and cycle.days_early(timezone.localtime(now, access.team.zone).date())
    form = CloseCycleForm(request.POST, early=bool(early))
    confirmed = confirm.is_confirmed(request)
    if early and not (confirmed and form.is_valid()):
        page = selectors.cycle_page(access, number, now=now)
        if not confirmed:  # asked, not refused: what was typed, without errors
            form = CloseCycleForm(initial={"summary": request.POST.get("summary", "")}, early=True)
        return render(request, CLOSE_EARLY, {
            "team": access.team, "access": access, "page": page, "form": form, "carry": sorted(carry),
            "field": confirm.FIELD, "confirmed": confirm.YES, "asked_only": not confirmed,
        }, status=400 if confirmed else 200)
    try:
        rollover = services.close_cycle(team=access.team, number=number, actor=request.user, carry=carry,
                                        summary=form.cleaned_data["summary"] if form.is_valid() else "", now=now)
    except ActionRefused as exc:
        messages.info(request, str(exc))
        return redirect("reviews:cycle", org_slug, team_slug, number)
    if rollover.already:
        who = rollover.closed.closed_by.name if rollover.closed.closed_by else "The scheduler"
        messages.info(request, f"{who} already closed cycle {number}; cycle {rollover.opened.number} is open.")
    else:
        messages.success(request, f"Cycle {number} is closed{' early' if rollover.closed.closed_early else ''}. "
                                  f"Cycle {rollover.opened.number} runs until {rollover.opened.end_date:%-d %B}.")
    return redirect("reviews:cycle", org_slug, team_slug, rollover.opened.number)


# Review prompts: a charter asking to be revisited ------------------------------------------------------

TRIGGER = "reviews/review_trigger.html"


@login_required
@require_GET
def trigger(request: HttpRequest, org_slug: str, team_slug: str, trigger_id: int) -> HttpResponse:
    """A review prompt and its evidence: the team reads it, its leaders act on it."""
    access = permissions.team_access(request.user, org_slug, team_slug, READ_TRIGGER)
    page = selectors.trigger_page(access, trigger_id)
    if page is None:
        raise Http404("No such review prompt")
    return render(request, TRIGGER, {"team": access.team, "access": access, "page": page})


@login_required
@require_POST
def trigger_amend(request: HttpRequest, org_slug: str, team_slug: str, trigger_id: int) -> HttpResponse:
    """Start the amendment, its note filled in from the evidence (or join the one in progress)."""
    access = permissions.team_access(request.user, org_slug, team_slug, ACT_ON_TRIGGER)
    try:
        taken = services.take_up_trigger(team=access.team, trigger_id=trigger_id, actor=request.user)
    except ActionRefused as exc:
        messages.error(request, str(exc))
        return redirect("reviews:trigger", org_slug, team_slug, trigger_id)
    messages.success(request, "The amendment is started with the evidence: say what changes and why, then propose it.")
    return redirect("charters:version", org_slug, team_slug, taken.amendment.number)


@login_required
@require_POST
def trigger_dismiss(request: HttpRequest, org_slug: str, team_slug: str, trigger_id: int) -> HttpResponse:
    """Set the prompt aside, with a reason if given; asked first (a dialog with JavaScript, a page without)."""
    access = permissions.team_access(request.user, org_slug, team_slug, ACT_ON_TRIGGER)
    back = reverse("reviews:trigger", args=[org_slug, team_slug, trigger_id])
    form = DismissTriggerForm(request.POST)
    if not form.is_valid():
        page = selectors.trigger_page(access, trigger_id, dismiss_form=form)
        if page is None:
            raise Http404("No such review prompt")
        return render(request, TRIGGER, {"team": access.team, "access": access, "page": page}, status=400)
    if question := confirm.ask(request, question="Dismiss this review prompt?", yes="Yes, dismiss it", back=back,
                               consequences=["It will not come back for this version of the charter.",
                                             "The team can still read it, with your reason."], access=access):
        return question
    try:
        services.dismiss_trigger(team=access.team, trigger_id=trigger_id, actor=request.user,
                                 reason=form.cleaned_data["reason"])
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Dismissed. It will not come back for this version.")
    return redirect(back)


@login_required
@require_POST
def review_date(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """The leaders move the review date of the version in force (shown on the charter page)."""
    access = permissions.team_access(request.user, org_slug, team_slug, SET_REVIEW_DATE)
    form = ReviewDateForm(request.POST)
    if form.is_valid():
        try:
            services.set_review_date(team=access.team, review_on=form.cleaned_data["review_on"])
        except ActionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"The charter is now to be reviewed by {form.cleaned_data['review_on']:%-d %B %Y}.")
    else:
        messages.error(request, f"The review date was not changed: {' '.join(form.errors.get('review_on', []))} "
                                f"(you typed “{request.POST.get('review_on', '')}”).")
    return redirect(reverse("charters:detail", args=[org_slug, team_slug]) + "#charter-review")
