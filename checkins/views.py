"""Check-in pages: this week's check-in for the person writing it, and the week for leaders and facilitators."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.middleware import HtmxDetails

from alignment import permissions
from alignment.concurrency import conflict
from alignment.errors import ActionRefused, ConcurrentEditError
from alignment.permissions import Capability
from alignment.weeks import current_week, week_starting
from checkins import selectors, services
from checkins.forms import CheckInForm, ResolveBlockerForm, initial_for


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@login_required
@require_GET
def this_week(request: HtmxHttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.CHECK_IN)
    page = selectors.this_week_page(access, current_week(access.team))
    # "Add a blocker" without JavaScript comes back here asking for one more row.
    asked = request.GET.get("rows", "")
    rows = max(page.blocker_rows, int(asked) if asked.isdigit() else 0)
    form = _form(page, rows=rows, initial=initial_for(page.checkin, week=page.week, blocker_rows=rows,
                                                      blockers=page.open_blockers, updates=page.key_result_updates))
    return _page(request, access, page, form)


@login_required
@require_POST
def save_draft(request: HtmxHttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """Saved as the person types (htmx, answered with a status line) or by the "Save draft" button."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.CHECK_IN)
    return _save(request, access, submitting=False)


@login_required
@require_POST
def submit(request: HtmxHttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.CHECK_IN)
    return _save(request, access, submitting=True)


def _save(request: HtmxHttpRequest, access, *, submitting: bool) -> HttpResponse:
    now = timezone.now()
    page = selectors.this_week_page(access, current_week(access.team, now))
    adding_row = "add_blocker" in request.POST and not submitting
    form = _form(page, data=request.POST, submitting=submitting)
    if not form.is_valid():
        if request.htmx:  # saving as they type: say so and leave the page, with their text, alone
            return _status(request, access, page, status=400,
                           error="Not saved yet: a field needs fixing. Press “Save draft” to see which.")
        return _page(request, access, page, form, status=400)
    week = week_starting(access.team, form.cleaned_data["week"]) if form.cleaned_data["week"].weekday() == 0 \
        else page.week
    service = services.submit_checkin if submitting else services.save_draft
    data = form.cleaned_data
    try:
        checkin = service(
            team=access.team, author=request.user, week=week, expected_version=data["version"],
            progress=data["progress"], highlights=data["highlights"], load=data["load"],
            strained_non_negotiable=data["strained_non_negotiable"], strain_note=data["strain_note"],
            boundary_question=data["boundary_question"], blockers=form.blocker_rows_typed(),
            key_results=form.key_result_entries(), now=now)
    except ActionRefused as exc:
        if request.htmx:
            return _status(request, access, page, error=str(exc), status=400)
        form.add_error(None, str(exc))
        return _page(request, access, page, form, status=400)
    except ConcurrentEditError as exc:
        if request.htmx:
            return _status(request, access, page, status=409, error=(
                "Not saved: this check-in was changed in another tab or window. Press “Save draft” "
                "to compare it with what you typed here."))
        clash = conflict(CheckInForm, data=request.POST, current=exc.current, version=exc.current.version,
                         **_form_kwargs(page, submitting=submitting))
        return _page(request, access, page, clash.form, conflict=clash, status=409)
    if request.htmx:
        return _status(request, access, page, checkin=checkin)
    if adding_row:
        query = f"?rows={form.blocker_count + 1}"
        return redirect(reverse("checkins:this_week", args=[access.team.organisation.slug, access.team.slug]) + query)
    if submitting:
        late = " It came in after the team's check-in time, so it is marked late." if checkin.is_late else ""
        messages.success(request, f"Check-in submitted. Your team's leaders and facilitators can read it now.{late}")
    else:
        messages.success(request, f"Draft saved at {timezone.localtime(checkin.updated_at):%H:%M}.")
    return redirect("checkins:this_week", access.team.organisation.slug, access.team.slug)


def _form_kwargs(page: selectors.ThisWeekPage, *, submitting: bool = False, rows: int | None = None) -> dict:
    return {"non_negotiables": page.non_negotiables, "key_results": page.key_results, "people": page.people,
            "goals": page.goals, "blocker_rows": rows or page.blocker_rows, "submitting": submitting}


def _form(page: selectors.ThisWeekPage, *, data=None, initial=None, submitting: bool = False,
          rows: int | None = None) -> CheckInForm:
    return CheckInForm(data, initial=initial, **_form_kwargs(page, submitting=submitting, rows=rows))


def _page(request: HtmxHttpRequest, access, page, form: CheckInForm, *, conflict=None, status: int = 200):
    refusal = page.checkin.refusal_to_edit(timezone.now()) if page.checkin else None
    return render(request, "checkins/checkin_form.html", {
        "team": access.team, "access": access, "page": page, "form": form, "conflict": conflict,
        "refusal": refusal,
    }, status=status)


def _status(request: HtmxHttpRequest, access, page, *, checkin=None, error: str = "", status: int = 200):
    return render(request, "checkins/checkin_form.html#draft-status", {
        "team": access.team, "access": access, "page": page, "saved": checkin, "error": error,
        "saved_at": checkin.updated_at if checkin else None,
    }, status=status)


@login_required
@require_GET
def week(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_CHECKINS)
    now = timezone.now()
    the_week = _week_asked(access.team, request.GET.get("week", ""), now)
    page = selectors.team_week_page(access.team, the_week, today=timezone.localtime(now, access.team.zone).date())
    return render(request, "checkins/team_week.html", {
        "team": access.team, "access": access, "page": page, "resolve_form": ResolveBlockerForm(),
        "is_current": the_week == current_week(access.team, now),
    })


def _week_asked(team, value: str, now):
    if not value:
        return current_week(team, now)
    try:
        return week_starting(team, date.fromisoformat(value))
    except ValueError:
        raise Http404("A week is named by its Monday, as YYYY-MM-DD.") from None


@login_required
@require_POST
def resolve_blocker(request: HttpRequest, org_slug: str, team_slug: str, blocker_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.ANSWER_CHECKINS)
    form = ResolveBlockerForm(request.POST)
    back = reverse("checkins:week", args=[org_slug, team_slug])
    if request.POST.get("week"):
        back += f"?week={request.POST['week']}"
    if not form.is_valid():
        messages.error(request, "The note is too long; keep it under 2,000 characters.")
        return redirect(back)
    try:
        blocker = services.resolve_blocker(blocker_id=blocker_id, team=access.team, actor=request.user,
                                           resolution=form.cleaned_data["resolution"])
    except ActionRefused as exc:
        messages.info(request, str(exc))
        return redirect(back)
    messages.success(request, f"Resolved: “{blocker.what}”.")
    return redirect(back)
