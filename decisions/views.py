"""Decision log pages: the log, logging a proposal, and one decision with the leader's final call."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from alignment import form_keys, permissions, refusals
from alignment.errors import ActionRefused, ConcurrentEditError
from alignment.permissions import Capability
from decisions import selectors, services
from decisions.forms import DecisionForm, OutcomeForm, ReviewedForm
from decisions.models import Decision


@login_required
def decision_list(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """The team's decision log; an organisation admin outside the team reads it too."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_SUMMARY)
    page = selectors.decision_log_page(access.team, verdict=request.GET.get("verdict", ""),
                                       page=request.GET.get("page"))
    return render(request, "decisions/decision_list.html", {"team": access.team, "access": access, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.LOG_DECISION)
    key = None
    if request.method == "GET" and not request.htmx:
        key = form_keys.key_in_address(request)
        if key is None:  # the empty form's key goes in its address, so a resubmit is known
            return form_keys.address_with_new_key(request)
    page = selectors.proposal_form_page(access.team, key=key)
    data = request.POST if request.method == "POST" else None
    form = DecisionForm(data, goals=page.goals, initial={"idempotency_key": key})
    if archived:
        refusals.refuse_as_typed(form, archived)
    elif request.method == "POST" and form.is_valid():
        try:
            decision = services.log_decision(team=access.team, actor=request.user, **form.cleaned_data)
        except services.AlreadyLogged as already:
            messages.info(request, str(already))
            return redirect(already.decision)
        messages.success(request, _logged_message(access, decision))
        return redirect(decision)
    # Show the verdict as soon as both effects are chosen (htmx asks on change).
    source = request.POST if request.method == "POST" else request.GET
    purpose_effect, metric_effect = source.get("purpose_effect"), source.get("metric_effect")
    preview = None
    if purpose_effect in Decision.PurposeEffect.values and metric_effect in Decision.MetricEffect.values:
        preview = Decision.rule(purpose_effect, metric_effect)
    context = {"team": access.team, "access": access, "form": form, "preview": preview, "page": page}
    if request.htmx and request.method == "GET":
        return render(request, "decisions/decision_form.html#verdict-preview", context)
    status = refusals.ARCHIVED_STATUS if archived else 400 if form.errors else 200
    return render(request, "decisions/decision_form.html", context, status=status)


def _logged_message(access, decision: Decision) -> str:
    """What the person who logged a proposal is told; someone who cannot decide it learns who does."""
    logged = f"Logged. Verdict: {decision.get_verdict_display()}."
    if access.may_record_outcome:
        return logged
    return f"{logged} {selectors.final_call_note(selectors.leaders(access.team))}"


@login_required
@require_http_methods(["GET", "POST"])
def decision_detail(request: HttpRequest, org_slug: str, team_slug: str, decision_id: int) -> HttpResponse:
    """One decision of the log (an organisation admin reads it too), and a leader's final call on it."""
    reading = Capability.READ_SUMMARY if request.method == "GET" else Capability.READ_TEAM
    access = permissions.team_access(request.user, org_slug, team_slug, reading)
    decision = get_object_or_404(selectors.decisions_for_page(access.team), pk=decision_id)
    if request.method == "GET":
        return _decision_page(request, access, decision, OutcomeForm(initial=_outcome_initial(decision)))

    archived = refusals.refused_by_archive(access, Capability.RECORD_OUTCOME)
    # Not `request.POST or None`: an empty POST must be a bound form that shows "required".
    form = OutcomeForm(request.POST)
    if archived:  # archived while the leader was deciding: their choice and reason stay, with why
        refusals.refuse_as_typed(form, archived)
        return _decision_page(request, access, decision, form, status=refusals.ARCHIVED_STATUS)
    if not form.is_valid():
        return _decision_page(request, access, decision, form, status=400)
    try:
        services.record_outcome(decision=decision, actor=request.user, outcome=form.cleaned_data["outcome"],
                                reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"],
                                review_on=form.cleaned_data["review_on"])
    except ActionRefused as exc:
        form.add_error("reason", str(exc))
        return _decision_page(request, access, decision, form, status=400)
    except ConcurrentEditError:
        return _outcome_conflict(request, access, decision_id)
    messages.success(request, "Decision recorded.")
    return redirect(decision)


def _outcome_initial(decision: Decision) -> dict:
    """A decided decision opens on its own outcome and reason, to change; a pending one on the verdict's."""
    if decision.outcome == Decision.Outcome.PENDING:
        return {"outcome": decision.recommended_outcome, "version": decision.version, "review_on": decision.review_on}
    return {"outcome": decision.outcome, "reason": decision.outcome_reason, "version": decision.version,
            "review_on": decision.review_on}


def _outcome_conflict(request: HttpRequest, access, decision_id: int) -> HttpResponse:
    """Another leader decided first: show their call, keep this leader's choice and reason to save knowingly."""
    current = get_object_or_404(selectors.decisions_for_page(access.team), pk=decision_id)
    data = request.POST.copy()
    data["version"] = current.version  # a second save, made knowingly, replaces their call
    form = OutcomeForm(data)
    form.is_valid()
    who = current.decided_by.name if current.decided_by else "Another leader"
    form.add_error(None, f"{who} recorded “{current.get_outcome_display()}” while you were deciding. "
                         "Your choice and reason are below: save again to replace it.")
    return _decision_page(request, access, current, form, status=409)


@login_required
@require_http_methods(["POST"])
def decision_reviewed(request: HttpRequest, org_slug: str, team_slug: str, decision_id: int) -> HttpResponse:
    """A leader marks a decision reviewed: its review date is cleared, or moved to the next one given."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    decision = get_object_or_404(selectors.decisions_for_page(access.team), pk=decision_id)
    archived = refusals.refused_by_archive(access, Capability.RECORD_OUTCOME)
    form = ReviewedForm(request.POST)
    if archived:
        refusals.refuse_as_typed(form, archived)
        return _decision_page(request, access, decision, OutcomeForm(initial=_outcome_initial(decision)),
                              reviewed_form=form, status=refusals.ARCHIVED_STATUS)
    if form.is_valid():
        try:
            services.mark_reviewed(decision=decision, actor=request.user,
                                   next_review_on=form.cleaned_data["next_review_on"])
        except ActionRefused as exc:
            form.add_error(None, str(exc))
    if form.errors:
        return _decision_page(request, access, decision, OutcomeForm(initial=_outcome_initial(decision)),
                              reviewed_form=form, status=400)
    following = form.cleaned_data["next_review_on"]
    messages.success(request, f"Marked reviewed. Next review by {following:%-d %B %Y}." if following else
                     "Marked reviewed: it needs no further review.")
    return redirect(decision)


def _decision_page(request: HttpRequest, access, decision: Decision, form: OutcomeForm, *,
                   reviewed_form: ReviewedForm | None = None, status: int = 200) -> HttpResponse:
    page = selectors.decision_page(decision, access=access)
    if reviewed_form is None and access.may_record_outcome and decision.review_on:
        reviewed_form = ReviewedForm()
    return render(request, "decisions/decision_detail.html", {
        "team": access.team, "access": access, "decision": decision, "page": page, "form": form,
        "reviewed_form": reviewed_form,
    }, status=status)
