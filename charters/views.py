"""Charter pages: the working charter, in-place editing, consent, versions, decisions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from alignment import permissions
from alignment.concurrency import ConcurrentEditError
from alignment.models import Role
from charters import selectors, services
from charters.completeness import check_charter
from charters.forms import (
    ITEM_FORMS,
    ITEM_SECTIONS,
    SECTION_FORMS,
    AmendmentForm,
    AnswerForm,
    CommentForm,
    DecisionForm,
    OutcomeForm,
    ResponseForm,
)
from charters.models import Charter, Comment, Decision, Goal, Response, Section, judge, recommended_outcome
from charters.versions import charter_markdown, compare

DETAIL = "charters/charter_detail.html"


def _charter_url(team, anchor: str = "") -> str:
    url = reverse("charters:detail", args=[team.organisation.slug, team.slug])
    return f"{url}#{anchor}" if anchor else url


def _editable_charter(access: permissions.TeamAccess, number: int) -> Charter:
    charter = get_object_or_404(Charter, team=access.team, number=number)
    charter.team = access.team
    return charter


def _page(request: HttpRequest, team, membership, charter: Charter | None, *, partial: str | None = None,
          status: int = 200, **extra) -> HttpResponse:
    """The charter page, or one of its sections (plus the completeness panel) for htmx."""
    context = {"team": team, "membership": membership, "charter": charter, **extra}
    if charter is not None:
        in_team = membership is not None
        content = selectors.load_content(charter)
        members = list(team.memberships.select_related("user")) if in_team else []
        context.update(
            content=content,
            completeness=check_charter(content) if in_team else None,
            can_edit=in_team and membership.is_leader and charter.is_editable,
            is_leader=in_team and membership.is_leader,
            can_comment=in_team and charter.is_editable,
            threads=selectors.comment_threads(charter) if in_team and charter.is_editable else {},
            consent=selectors.consent_picture(charter, members) if in_team else None,
            sections=Section,
            oob=bool(partial and request.htmx),
        )
        if context["consent"] and in_team:
            mine = next((r for r in context["consent"].responses if r.member_id == request.user.pk), None)
            context.update(my_response=mine,
                           response_form=extra.get("response_form") or ResponseForm(instance=mine))
    template = DETAIL + (f"#{partial}" if partial and request.htmx else "")
    return render(request, template, context, status=status)


@login_required
def charter_detail(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    team, membership = permissions.team_in_organisation(request.user, org_slug, team_slug)
    charter = selectors.working_charter(team) if membership else selectors.active_charter(team)
    if charter is not None:
        charter.team = team
    return _page(request, team, membership, charter)


@login_required
def charter_version(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    team, membership = permissions.team_in_organisation(request.user, org_slug, team_slug)
    charter = _readable_version(team, membership, number)
    return _page(request, team, membership, charter, viewing_version=True)


def _readable_version(team, membership, number: int) -> Charter:
    """A version the reader may see: everything for the team, ratified ones for the organisation."""
    charter = get_object_or_404(Charter.objects.readable(in_team=membership is not None), team=team, number=number)
    charter.team = team
    return charter


@login_required
@require_POST
def charter_start(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    try:
        services.start_charter(team=access.team, actor=request.user)
    except services.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your draft charter is ready. Start with the purpose.")
    return redirect(_charter_url(access.team, "purpose"))


@login_required
@require_POST
def charter_amend(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    form = AmendmentForm(request.POST)
    form.is_valid()
    try:
        draft = services.start_amendment(team=access.team, actor=request.user, note=form.cleaned_data.get("note", ""))
    except services.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Amendment started as draft version {draft.number}. The active version "
                                  "stays in force until this one is ratified.")
    return redirect(_charter_url(access.team))


@login_required
@require_POST
def charter_transition(request: HttpRequest, org_slug: str, team_slug: str, number: int,
                       action: str) -> HttpResponse:
    """Propose, withdraw, ratify or discard; each is a leader's button on the charter page."""
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    charter = _editable_charter(access, number)
    actions = {
        "propose": (services.propose, "Proposed to the team. Members can now comment and consent or object."),
        "withdraw": (services.withdraw, "Taken back to draft."),
        "ratify": (services.ratify, f"Ratified. Version {charter.number} is now the team's active charter."),
        "discard": (services.discard, "Draft discarded."),
    }
    if action not in actions:
        raise Http404
    act, success = actions[action]
    try:
        act(charter=charter, actor=request.user)
    except services.ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect(_charter_url(access.team))


def _edit_response(request, *, access, charter, form, template_context, conflict=None, status=200):
    """Show an edit form: a fragment swapped into place for htmx, a page without JavaScript."""
    context = {"team": access.team, "charter": charter, "form": form, "conflict": conflict,
               "charter_url": _charter_url(access.team), **template_context}
    if request.htmx:
        response = render(request, "charters/edit_form.html#edit-form", context, status=status)
        if request.method == "POST":
            response = retarget(response, f"#{template_context['form_dom_id']}")
            response = reswap(response, template_context.get("error_swap", "outerHTML"))
        return response
    return render(request, "charters/edit_form.html", context, status=status)


def _saved(request, *, access, membership, charter, section: str) -> HttpResponse:
    if request.htmx:
        return _page(request, access.team, membership, charter, partial=section)
    return redirect(_charter_url(access.team, section))


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, org_slug: str, team_slug: str, number: int, section: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    charter = _editable_charter(access, number)
    if section not in SECTION_FORMS:
        raise Http404
    if not charter.is_editable:
        raise PermissionDenied("This version is ratified and cannot change.")
    form_class = SECTION_FORMS[section]
    version_field = f"{section}_version"
    template_context = {"form_dom_id": section, "section": section, "title": Section(section).label,
                        "action": request.path}
    if request.method == "GET":
        form = form_class(instance=charter, initial={"version": getattr(charter, version_field)})
        return _edit_response(request, access=access, charter=charter, form=form, template_context=template_context)
    form = form_class(request.POST, instance=charter)
    if not form.is_valid():
        return _edit_response(request, access=access, charter=charter, form=form,
                              template_context=template_context, status=400)
    values = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
    expected = form.cleaned_data["version"]
    try:
        services.update_section(charter=charter, section=section, expected_version=expected, **values)
    except ConcurrentEditError as exc:
        return _conflict(request, access=access, charter=charter, form_class=form_class, current=exc.current,
                         version=getattr(exc.current, version_field), template_context=template_context)
    except services.ActionRefused as exc:
        raise PermissionDenied(str(exc)) from exc
    return _saved(request, access=access, membership=access.membership, charter=charter, section=section)


def _as_text(field, value) -> str:
    """A field's value as a person reads it: labels for choices, names for people."""
    if value in (None, ""):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first() if str(value).isdigit() else None
        return str(related) if related else "—"
    return str(value)


def _conflict(request, *, access, charter, form_class, current, version, template_context, **form_kwargs):
    """Someone saved first: show their text beside what this person typed, and let them merge."""
    # Read their text first: validating a ModelForm copies the typed values onto `current`.
    theirs = []
    for name in form_class.Meta.fields:
        field = current._meta.get_field(name)
        theirs.append((field.verbose_name, _as_text(field, getattr(current, field.attname)),
                       _as_text(field, request.POST.get(name, ""))))
    data = request.POST.copy()
    data["version"] = version  # a second save, made knowingly, goes through
    form = form_class(data, instance=current, **form_kwargs)
    form.is_valid()
    return _edit_response(request, access=access, charter=charter, form=form, template_context=template_context,
                          conflict=theirs, status=409)


def _item(access, charter: Charter, kind: str, item_id: int):
    model = ITEM_FORMS[kind]._meta.model
    lookup = {"goal__charter": charter} if kind == "key_result" else {"charter": charter}
    return get_object_or_404(model, pk=item_id, **lookup)


# In the product's words: the model's default verbose name would say "non negotiable".
ITEM_NAMES = {"non_negotiable": "non-negotiable", "boundary": "boundary", "goal": "goal",
              "key_result": "key result"}


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, org_slug: str, team_slug: str, number: int, kind: str,
              item_id: int | None = None, goal_id: int | None = None) -> HttpResponse:
    """Add or edit a non-negotiable, boundary, goal or key result."""
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    charter = _editable_charter(access, number)
    if kind not in ITEM_FORMS:
        raise Http404
    if not charter.is_editable:
        raise PermissionDenied("This version is ratified and cannot change.")
    form_class = ITEM_FORMS[kind]
    form_kwargs = {"team": access.team} if kind == "goal" else {}
    item = _item(access, charter, kind, item_id) if item_id else None
    parent = get_object_or_404(Goal, pk=goal_id, charter=charter) if kind == "key_result" and not item else None
    section = ITEM_SECTIONS[kind]
    adding = item is None
    dom_id = (f"{kind}-new-{goal_id}" if goal_id else f"{kind}-new") if adding else f"{kind}-{item.pk}"
    template_context = {
        "form_dom_id": dom_id, "section": section, "action": request.path, "adding": adding,
        "title": ("Add " if adding else "Edit ") + ITEM_NAMES[kind],
        "error_swap": "innerHTML" if adding else "outerHTML",
        # An add form is swapped into the placeholder, so it needs an id of its own.
        "wrapper_id": f"{dom_id}-form" if adding else dom_id,
    }
    if request.method == "GET":
        form = form_class(instance=item, initial={"version": item.version if item else 1}, **form_kwargs)
        return _edit_response(request, access=access, charter=charter, form=form, template_context=template_context)
    form = form_class(request.POST, instance=item, **form_kwargs)
    if not form.is_valid():
        return _edit_response(request, access=access, charter=charter, form=form,
                              template_context=template_context, status=400)
    values = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
    try:
        if adding:
            services.add_item(model=form_class._meta.model, parent=parent or charter, charter=charter, values=values)
        else:
            services.update_item(item=item, charter=charter, values=values,
                                 expected_version=form.cleaned_data["version"])
    except ConcurrentEditError as exc:
        return _conflict(request, access=access, charter=charter, form_class=form_class, current=exc.current,
                         version=exc.current.version, template_context=template_context, **form_kwargs)
    except services.ActionRefused as exc:  # ratified or discarded since this request loaded it
        raise PermissionDenied(str(exc)) from exc
    except ObjectDoesNotExist:
        # Removed by someone else mid-edit: keep the typed text on screen rather than lose it.
        form.add_error(None, "Someone removed this while you were editing it. Your text is below: "
                             "copy it, or add it again as a new item.")
        return _edit_response(request, access=access, charter=charter, form=form,
                              template_context=template_context, status=409)
    return _saved(request, access=access, membership=access.membership, charter=charter, section=section)


@login_required
@require_POST
def item_action(request: HttpRequest, org_slug: str, team_slug: str, number: int, kind: str, item_id: int,
                action: str) -> HttpResponse:
    """Delete an item or move it up or down its list."""
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    charter = _editable_charter(access, number)
    if kind not in ITEM_FORMS or action not in ("delete", "up", "down"):
        raise Http404
    item = _item(access, charter, kind, item_id)
    try:
        if action == "delete":
            services.delete_item(item=item, charter=charter)
        else:
            services.move_item(item=item, charter=charter, direction=action)
    except services.ActionRefused as exc:
        raise PermissionDenied(str(exc)) from exc
    return _saved(request, access=access, membership=access.membership, charter=charter,
                  section=ITEM_SECTIONS[kind])


@login_required
@require_POST
def comment_create(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug)
    charter = _editable_charter(access, number)
    form = CommentForm(request.POST)
    section = request.POST.get("section", "")
    if form.is_valid():
        section = form.cleaned_data["section"]
        parent = None
        if form.cleaned_data["parent"]:
            parent = get_object_or_404(Comment, pk=form.cleaned_data["parent"], charter=charter)
        try:
            comment = services.add_comment(charter=charter, section=section, author=request.user,
                                           body=form.cleaned_data["body"], parent=parent)
        except services.ActionRefused as exc:
            form.add_error("body", str(exc))
        else:
            section = comment.section  # a reply belongs to its thread's section
    if section not in Section.values:
        raise Http404
    return _comments_response(request, access, charter, section, form if form.errors else None)


def _comments_response(request, access, charter, section: str, failed_form=None) -> HttpResponse:
    if request.htmx:
        threads = selectors.comment_threads(charter)
        return render(request, DETAIL + "#comments", {
            "team": access.team, "charter": charter, "membership": access.membership,
            "section_key": section, "section_threads": threads.get(section, []), "can_comment": charter.is_editable,
            "comment_form": failed_form, "is_leader": access.is_leader,
        }, status=400 if failed_form else 200)
    if failed_form:
        messages.error(request, " ".join(e for errors in failed_form.errors.values() for e in errors))
    return redirect(_charter_url(access.team, f"comments-{section}"))


@login_required
@require_POST
def comment_resolve(request: HttpRequest, org_slug: str, team_slug: str, number: int, comment_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug)
    charter = _editable_charter(access, number)
    comment = get_object_or_404(Comment.objects.select_related("parent"), pk=comment_id, charter=charter)
    thread = comment.parent or comment
    if not (access.is_leader or thread.author_id == request.user.pk):
        raise PermissionDenied("Only a leader or the thread's author can resolve it.")
    services.set_thread_resolved(comment=comment, actor=request.user, resolved=request.POST.get("resolved") != "0")
    return _comments_response(request, access, charter, thread.section)


@login_required
@require_POST
def respond(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Role.MEMBER, Role.FACILITATOR)
    charter = _editable_charter(access, number)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            services.respond(charter=charter, member=request.user, **form.cleaned_data)
        except services.ActionRefused as exc:
            form.add_error(None, str(exc))
    if form.errors:
        if request.htmx:
            return _page(request, access.team, access.membership, charter, partial="consent", status=400,
                         response_form=form)
        return _page(request, access.team, access.membership, charter, status=400, response_form=form)
    if request.htmx:
        return _page(request, access.team, access.membership, charter, partial="consent")
    messages.success(request, "Your response is recorded. You can change it until the charter is ratified.")
    return redirect(_charter_url(access.team, "consent"))


@login_required
@require_POST
def answer_objection(request: HttpRequest, org_slug: str, team_slug: str, number: int,
                     response_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Role.LEADER)
    charter = _editable_charter(access, number)
    response = get_object_or_404(Response.objects.select_related("member"), pk=response_id, charter=charter)
    form = AnswerForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.answer_objection(response=response, actor=request.user, answer=form.cleaned_data["answer"],
                                      text=form.cleaned_data["text"],
                                      seen_reason=form.cleaned_data["seen_reason"] or None)
        except services.ActionRefused as exc:
            error = str(exc)
    else:
        error = "Choose an answer and explain it."
    if request.htmx:
        return _page(request, access.team, access.membership, charter, partial="consent",
                     status=400 if error else 200, consent_error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Answered {response.member.name}'s objection.")
    return redirect(_charter_url(access.team, "consent"))


@login_required
def history(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    team, membership = permissions.team_in_organisation(request.user, org_slug, team_slug)
    versions = list(
        Charter.objects.readable(in_team=membership is not None).filter(team=team)
        .select_related("ratified_by", "created_by")
    )
    return render(request, "charters/charter_history.html",
                  {"team": team, "membership": membership, "versions": versions})


@login_required
def diff(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    team, membership = permissions.team_in_organisation(request.user, org_slug, team_slug)
    try:
        a, b = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        messages.error(request, "Choose two versions to compare.")
        return redirect("charters:history", org_slug, team_slug)
    old, new = (_readable_version(team, membership, n) for n in sorted((a, b)))
    sections = compare(selectors.load_content(old), selectors.load_content(new))
    return render(request, "charters/charter_diff.html",
                  {"team": team, "membership": membership, "old": old, "new": new, "sections": sections})


@login_required
def version_print(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    team, membership = permissions.team_in_organisation(request.user, org_slug, team_slug)
    charter = _readable_version(team, membership, number)
    return render(request, "charters/charter_print.html",
                  {"team": team, "charter": charter, "content": selectors.load_content(charter)})


@login_required
def version_markdown(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    team, membership = permissions.team_in_organisation(request.user, org_slug, team_slug)
    charter = _readable_version(team, membership, number)
    response = HttpResponse(charter_markdown(selectors.load_content(charter)),
                            content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-charter-v{charter.number}.md"'
    return response


# Decision log ------------------------------------------------------------------------------------

def _active_goals(team) -> list[Goal]:
    active = selectors.active_charter(team)
    return list(Goal.objects.filter(charter=active)) if active else []


@login_required
def decision_list(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug)
    verdict = request.GET.get("verdict", "")
    decisions = access.team.decisions.select_related("logged_by", "decided_by", "key_result", "goal")
    if verdict in Decision.Verdict.values:
        decisions = decisions.filter(verdict=verdict)
    investments = list(
        access.team.decisions.filter(verdict=Decision.Verdict.CONSCIOUS_INVESTMENT)
        .exclude(outcome=Decision.Outcome.DECLINE).select_related("key_result")
        .order_by("investment_until")
    )
    return render(request, "charters/decision_list.html", {
        "team": access.team, "access": access, "decisions": list(decisions[:200]), "verdict": verdict,
        "verdicts": Decision.Verdict.choices, "investments": investments,
    })


@login_required
@require_http_methods(["GET", "POST"])
def decision_create(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug)
    goals = _active_goals(access.team)
    data = request.POST if request.method == "POST" else None
    form = DecisionForm(data, goals=goals)
    if request.method == "POST" and form.is_valid():
        decision = services.log_decision(team=access.team, actor=request.user, **form.cleaned_data)
        messages.success(request, f"Logged. Verdict: {decision.get_verdict_display()}.")
        return redirect(decision)
    # Show the verdict as soon as both effects are chosen (htmx asks on change).
    source = request.POST if request.method == "POST" else request.GET
    purpose_effect, metric_effect = source.get("purpose_effect"), source.get("metric_effect")
    preview = None
    if purpose_effect in Decision.PurposeEffect.values and metric_effect in Decision.MetricEffect.values:
        preview = judge(purpose_effect, metric_effect)
    context = {"team": access.team, "access": access, "form": form, "preview": preview}
    if request.htmx and request.method == "GET":
        return render(request, "charters/decision_form.html#verdict-preview", context)
    return render(request, "charters/decision_form.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def decision_detail(request: HttpRequest, org_slug: str, team_slug: str, decision_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug)
    decision = get_object_or_404(
        access.team.decisions.select_related("logged_by", "decided_by", "goal", "key_result", "charter"),
        pk=decision_id,
    )
    # Not `request.POST or None`: an empty POST must be a bound form that shows "required".
    data = request.POST if request.method == "POST" else None
    form = OutcomeForm(data, initial={"outcome": recommended_outcome(decision.verdict)})
    if request.method == "POST":
        access.require(Role.LEADER)
        if form.is_valid():
            try:
                services.record_outcome(decision=decision, actor=request.user, **form.cleaned_data)
            except services.ActionRefused as exc:
                form.add_error("reason", str(exc))
            else:
                messages.success(request, "Decision recorded.")
                return redirect(decision)
    _verdict, reason = judge(decision.purpose_effect, decision.metric_effect)
    return render(request, "charters/decision_detail.html", {
        "team": access.team, "access": access, "decision": decision, "verdict_reason": reason, "form": form,
        "recommended": recommended_outcome(decision.verdict),
    }, status=400 if form.errors else 200)
