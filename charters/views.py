"""Charter pages: the working charter, in-place editing, consent and versions.

Every view asks `alignment.permissions` what the reader may do in the team and
`charters.permissions` what they may do with this version, builds the page with
`selectors.charter_page`, and renders it whole or one of its named partials.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from alignment import confirm, permissions, refusals
from alignment.concurrency import conflict
from alignment.errors import ActionRefused, ConcurrentEditError, ItemRemoved
from alignment.permissions import Capability, TeamAccess
from charters import selectors, services
from charters.forms import (
    ITEM_FORMS,
    SECTION_FORMS,
    AmendmentForm,
    AnswerForm,
    CommentForm,
    OrganisationGoalForm,
    OrganisationKeyResultForm,
    OrganisationTagForm,
    ProgressForm,
    ProposeForm,
    QuorumForm,
    ResponseForm,
    organisation_reading_form,
)
from charters.models import (
    ITEM_KINDS,
    Charter,
    CharterItem,
    Comment,
    Goal,
    KeyResult,
    OrganisationGoal,
    OrganisationKeyResult,
    OrganisationTag,
    Response,
    Section,
)
from charters.permissions import (
    OrganisationGoalPermissions,
    for_charter,
    may_edit,
    may_resolve,
    may_see_since_responded,
    organisation_goals_access,
    organisation_tags_access,
)
from charters.tags import add_tag, boundaries_carrying, organisation_tags, remove_tag, rename_tag
from charters.versions import charter_markdown

DETAIL = selectors.DETAIL


def _charter_url(team, anchor: str = "") -> str:
    url = reverse("charters:detail", args=[team.organisation.slug, team.slug])
    return f"{url}#{anchor}" if anchor else url


# A write the product refuses (a version discarded meanwhile...) says why on the charter page.
refusals_explained = refusals.refusals_explained("charters:detail")


def _version(access: TeamAccess, number: int) -> Charter:
    """A version to act on; gone (discarded meanwhile) is a refusal the person is told about."""
    charter = selectors.numbered_version(access.team, number)
    if charter is None:
        raise ActionRefused(services.DISCARDED)
    charter.team = access.team
    return charter


def _readable_version(access: TeamAccess, number: int) -> Charter:
    """A version the reader may see: everything for the team, ratified ones for the organisation."""
    charter = selectors.readable_version(access.team, number, in_team=access.in_team)
    if charter is None:
        raise Http404("No Charter matches the given query.")
    charter.team = access.team
    return charter


def _render(request: HttpRequest, page: selectors.CharterPage, *, partial: str | None = None,
            status: int = 200) -> HttpResponse:
    """The whole page, or for htmx one named partial plus the panels that follow every change."""
    context = page.context()
    if not (partial and request.htmx):
        return render(request, DETAIL, context, status=status)
    html = render_to_string(f"{DETAIL}#{partial}", context, request)
    if page.perms and page.perms.see_workings:
        html += render_to_string(f"{DETAIL}#workings-oob", context, request)
    return HttpResponse(html, status=status)


@login_required
def charter_detail(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.reader_access(request.user, org_slug, team_slug)
    return _render(
        request, selectors.charter_page(access=access, charter=selectors.charter_for_reader(access)))


@login_required
def charter_version(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    access = permissions.reader_access(request.user, org_slug, team_slug)
    return _render(
        request, selectors.charter_page(access=access, charter=_readable_version(access, number),
                                        viewing_version=True))


@login_required
@require_POST
def charter_start(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.STEWARD_CHARTER)
    try:
        services.start_charter(team=access.team, actor=request.user)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Your draft charter is ready. Start with the purpose.")
    return redirect(_charter_url(access.team, "purpose"))


@login_required
@require_POST
def charter_amend(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.STEWARD_CHARTER)
    form = AmendmentForm(request.POST)
    form.is_valid()
    try:
        draft = services.start_amendment(team=access.team, actor=request.user, note=form.cleaned_data.get("note", ""))
    except ActionRefused as exc:
        # Keep the note: show it again on the active version, with the reason.
        form.add_error(None, str(exc))
        active = Charter.objects.select_related("based_on", "ratified_by").active_for(access.team)
        if active is None:
            messages.error(request, str(exc))
            return redirect(_charter_url(access.team))
        active.team = access.team
        return _render(request, selectors.charter_page(access=access, charter=active, viewing_version=True,
                                                       amend_form=form), status=409)
    messages.success(request, f"Amendment started as draft version {draft.number}. The active version "
                              "stays in force until this one is ratified.")
    return redirect(_charter_url(access.team))


@login_required
@require_POST
@refusals_explained
def charter_propose(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    """Put the draft to the team, with an optional closing date for responses, quorum and hidden stances;
    with `change=quorum`, change the quorum of the proposal while its round runs."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.STEWARD_CHARTER)
    charter = _version(access, number)
    if request.POST.get("change") == "quorum":
        return _change_quorum(request, access, charter)
    form = ProposeForm(request.POST, instance=Charter(pk=charter.pk))
    if form.is_valid():
        try:
            services.propose(charter=charter, actor=request.user,
                             responses_close_on=form.cleaned_data["responses_close_on"],
                             quorum_percent=form.cleaned_data["quorum_percent"],
                             stances_hidden=form.cleaned_data["stances_hidden"])
        except ActionRefused as exc:
            form.add_error(None, str(exc))
    if form.errors:
        return _render(request, selectors.charter_page(access=access, charter=charter, propose_form=form),
                       status=400)
    messages.success(request, "Proposed to the team. Members can now comment and consent or object.")
    return redirect(_charter_url(access.team))


def _change_quorum(request: HttpRequest, access: TeamAccess, charter: Charter) -> HttpResponse:
    form = QuorumForm(request.POST, instance=Charter(pk=charter.pk))
    if form.is_valid():
        try:
            services.set_quorum(charter=charter, actor=request.user, quorum_percent=form.cleaned_data["quorum_percent"])
        except ActionRefused as exc:
            form.add_error(None, str(exc))
    if form.errors:
        return _render(request, selectors.charter_page(access=access, charter=_version(access, charter.number),
                                                       quorum_form=form), partial="consent", status=400)
    quorum = form.cleaned_data["quorum_percent"]
    return _consent_done(request, access, _version(access, charter.number),
                         f"Quorum set to {quorum}% of the team." if quorum else "No quorum: the quorum is removed.")


@login_required
@require_POST
@refusals_explained
def charter_ratify(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    """Ratify; while members' word on the final text is missing, ask the leader to confirm first."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.STEWARD_CHARTER)
    charter = _version(access, number)
    try:
        services.ratify(charter=charter, actor=request.user, despite_gaps=request.POST.get("despite_gaps") == "1")
    except services.GapsNeedConfirmation as exc:
        page = selectors.charter_page(access=access, charter=charter, ratify_gaps=exc.gaps)
        return _render(request, page, status=409)
    messages.success(request, f"Ratified. Version {number} is now the team's active charter.")
    return redirect(_charter_url(access.team))


TRANSITIONS = {
    "withdraw": (services.withdraw, "Taken back to draft."),
    "discard": (services.discard, "Draft discarded."),
}

# What each transition asks first (alignment/confirm.py): the question, the button, what happens.
TRANSITION_QUESTIONS = {
    "withdraw": ("Take version {number} back to draft?", "Yes, take it back to draft", [
        "The consent round stops: nobody can consent or object until you propose it again.",
        "Responses so far are kept for the next proposal.",
    ]),
    "discard": ("Discard the draft of version {number}?", "Yes, discard the draft", [
        "The draft, its comments and everything typed into it are deleted. This cannot be undone.",
    ]),
}


@login_required
@require_POST
@refusals_explained
def charter_transition(request: HttpRequest, org_slug: str, team_slug: str, number: int,
                       action: str) -> HttpResponse:
    """Withdraw or discard; each is a leader's button on the charter page."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.STEWARD_CHARTER)
    if action not in TRANSITIONS:
        raise Http404
    act, success = TRANSITIONS[action]
    charter = _version(access, number)
    question, yes, consequences = TRANSITION_QUESTIONS[action]
    # Asked only when it can happen; otherwise the service refuses in its own words, as before.
    if getattr(for_charter(access, charter), action) and (asked := confirm.ask(
            request, question=question.format(number=number), yes=yes, access=access, consequences=consequences,
            back=_charter_url(access.team))):
        return asked
    act(charter=charter, actor=request.user)
    messages.success(request, success.format(number=number))
    return redirect(_charter_url(access.team))


# Editing ---------------------------------------------------------------------------------------

def _edit_response(request: HttpRequest, *, access: TeamAccess, charter: Charter, form, editor: dict,
                   conflict_shown=None, status: int = 200) -> HttpResponse:
    """Show an edit form: a fragment swapped into place for htmx, a page without JavaScript."""
    context = {"team": access.team, "access": access, "charter": charter, "form": form, "conflict": conflict_shown,
               "charter_url": _charter_url(access.team), **editor}
    if request.htmx:
        response = render(request, "charters/edit_form.html#edit-form", context, status=status)
        if request.method == "POST":
            response = retarget(response, f"#{editor.get('placeholder_id', editor['wrapper_id'])}")
            response = reswap(response, "innerHTML" if "placeholder_id" in editor else "outerHTML")
        return response
    return render(request, "charters/edit_form.html", context, status=status)


def _saved(request: HttpRequest, *, access: TeamAccess, charter: Charter, section: str) -> HttpResponse:
    if request.htmx:
        return _render(request, selectors.charter_page(access=access, charter=charter), partial=section)
    return redirect(_charter_url(access.team, section))


def _save_or_explain(request, *, access, charter, form, editor, save: Callable[[], Charter]) -> HttpResponse:
    """Run a compare-and-set save; on a conflict or refusal, keep what was typed and say why.

    `save` returns the charter as saved, which the re-rendered section shows.
    """
    try:
        saved = save()
    except ConcurrentEditError as exc:
        shown = conflict(type(form), data=request.POST, current=exc.current,
                         version=getattr(exc.current, editor["version_field"]), team=access.team, charter=charter)
        return _edit_response(request, access=access, charter=charter, form=shown.form, editor=editor,
                              conflict_shown=shown, status=409)
    except ActionRefused as exc:  # ratified, discarded or removed since the editor opened
        form.add_error(None, str(exc))
        return _edit_response(request, access=access, charter=charter, form=form, editor=editor, status=409)
    return _saved(request, access=access, charter=saved, section=editor["section"])


def _archived_while_editing(request, *, access, charter, form, editor, reason: str) -> HttpResponse:
    """The team was archived while the editor was open: the typed text stays in the form, with the reason."""
    form.is_valid()
    form.add_error(None, reason)
    return _edit_response(request, access=access, charter=charter, form=form, editor=editor,
                          status=refusals.ARCHIVED_STATUS)


@login_required
@require_http_methods(["GET", "POST"])
@refusals_explained
def section_edit(request: HttpRequest, org_slug: str, team_slug: str, number: int, section: str) -> HttpResponse:
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.STEWARD_CHARTER)
    charter = _version(access, number)
    if section not in SECTION_FORMS:
        raise Http404
    if request.method == "GET" and not may_edit(access, charter):
        raise PermissionDenied(charter.refusal_to_edit())  # a save is refused by the service, keeping the text
    form_class = SECTION_FORMS[section]
    version_field = Charter.section_version_field(section)
    editor = {"wrapper_id": section, "section": section, "title": Section(section).label, "action": request.path,
              "version_field": version_field}
    if request.method == "GET":
        form = form_class(instance=charter, initial={"version": getattr(charter, version_field)})
        return _edit_response(request, access=access, charter=charter, form=form, editor=editor)
    form = form_class(request.POST, instance=Charter(pk=charter.pk))
    if archived:
        return _archived_while_editing(request, access=access, charter=charter, form=form, editor=editor,
                                       reason=archived)
    if not form.is_valid():
        return _edit_response(request, access=access, charter=charter, form=form, editor=editor, status=400)
    values = {name: form.cleaned_data[name] for name in Charter.TEXT_SECTIONS[section]}

    def save() -> Charter:
        return services.UPDATE_SECTION[section](charter=charter, expected_version=form.cleaned_data["version"],
                                                **values)

    return _save_or_explain(request, access=access, charter=charter, form=form, editor=editor, save=save)


def _item(charter: Charter, model: type[CharterItem], item_id: int) -> CharterItem:
    item = model.in_charter(charter).filter(pk=item_id).first()
    if item is None:
        raise ItemRemoved(f"This {model.kind_label} is no longer in version {charter.number}: "
                          "it was removed meanwhile.")
    return item


def _removed_while_editing(request, *, access, charter, model, wrapper_id: str, reason: str,
                           adding: bool = False) -> HttpResponse:
    """What the person was editing (or adding to) was removed before this save arrived: show the typed text
    with the reason."""
    form = ITEM_FORMS[model.kind](request.POST, instance=model(), team=access.team, charter=charter)
    form.is_valid()
    form.add_error(None, f"{reason} Your text is below: copy it, or add it again as a new item.")
    editor = {"section": model.section, "action": request.path, "adding": adding, "version_field": "version",
              "title": f"{'Add' if adding else 'Edit'} {model.kind_label}", "wrapper_id": wrapper_id}
    return _edit_response(request, access=access, charter=charter, form=form, editor=editor, status=409)


@login_required
@require_http_methods(["GET", "POST"])
@refusals_explained
def item_edit(request: HttpRequest, org_slug: str, team_slug: str, number: int, kind: str,
              item_id: int | None = None, goal_id: int | None = None) -> HttpResponse:
    """Add or edit a non-negotiable, boundary, goal or key result."""
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.STEWARD_CHARTER)
    charter = _version(access, number)
    if kind not in ITEM_KINDS:
        raise Http404
    if request.method == "GET" and not may_edit(access, charter):
        raise PermissionDenied(charter.refusal_to_edit())  # a save is refused by the service, keeping the text
    model, form_class = ITEM_KINDS[kind], ITEM_FORMS[kind]
    try:
        item = _item(charter, model, item_id) if item_id else None
    except ItemRemoved as exc:
        if request.method == "GET":
            raise
        return _removed_while_editing(request, access=access, charter=charter, model=model,
                                      wrapper_id=f"{model.kind}-{item_id}", reason=str(exc))
    # A new item hangs from the charter, or (a key result) from one of its goals.
    adding = item is None
    parent = charter
    if adding and model.parent_field == "goal":
        if goal_id is None:
            raise Http404("A key result is added to a goal.")
        parent = Goal.objects.filter(pk=goal_id, charter=charter).first()
        if parent is None:  # removed meanwhile (or never in this version)
            reason = f"The goal you were adding this key result to is no longer in version {charter.number}."
            if request.method == "GET":
                raise ItemRemoved(reason)
            return _removed_while_editing(request, access=access, charter=charter, model=model,
                                          wrapper_id=f"{model.kind}-new-{goal_id}-form", reason=reason, adding=True)
    dom_id = (f"{kind}-new-{goal_id}" if goal_id else f"{kind}-new") if adding else item.dom_id
    editor = {
        "section": model.section, "action": request.path, "adding": adding, "version_field": "version",
        "title": ("Add " if adding else "Edit ") + str(model.kind_label),
        # An add form is swapped into its placeholder, so it needs an id of its own.
        "wrapper_id": f"{dom_id}-form" if adding else dom_id,
        **({"placeholder_id": dom_id} if adding else {}),
    }
    if request.method == "GET":
        form = form_class(instance=item, initial={"version": item.version if item else 1}, team=access.team, charter=charter)
        return _edit_response(request, access=access, charter=charter, form=form, editor=editor)
    instance = model(**{model.parent_field: parent}) if adding else item
    form = form_class(request.POST, instance=instance, team=access.team, charter=charter)
    if archived:
        return _archived_while_editing(request, access=access, charter=charter, form=form, editor=editor,
                                       reason=archived)
    if not form.is_valid():
        return _edit_response(request, access=access, charter=charter, form=form, editor=editor, status=400)

    def save() -> Charter:
        tags = form.cleaned_data.get("tags")  # a boundary's, from the organisation's list
        if adding:
            services.add_item(charter=charter, item=form.instance, actor=request.user, tags=tags)
        else:
            services.update_item(charter=charter, item=form.instance, expected_version=form.cleaned_data["version"],
                                 actor=request.user, tags=tags)
        charter.refresh_from_db(fields=["revision", "edited_at"])
        return charter

    return _save_or_explain(request, access=access, charter=charter, form=form, editor=editor, save=save)


@login_required
@require_POST
@refusals_explained
def item_action(request: HttpRequest, org_slug: str, team_slug: str, number: int, kind: str, item_id: int,
                action: str) -> HttpResponse:
    """Delete an item or move it up or down its list."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.STEWARD_CHARTER)
    charter = _version(access, number)
    if kind not in ITEM_KINDS or action not in ("delete", "up", "down"):
        raise Http404
    model = ITEM_KINDS[kind]
    if action == "delete":
        item = model.in_charter(charter).filter(pk=item_id).first()
        if item is not None and may_edit(access, charter) and (asked := confirm.ask(
                request, question=f"Remove “{getattr(item, 'area', item)}”?", yes="Yes, remove it", access=access,
                back=_charter_url(access.team, model.section),
                consequences=[f"It leaves version {charter.number} of the charter."])):
            return asked
        if item is not None:  # already removed (a double click): nothing more to do
            services.delete_item(charter=charter, item=item)
    else:
        services.move_item(charter=charter, item=_item(charter, model, item_id), direction=action)
    # The service raised the revision on its own locked copy: the section is drawn (and kept) under the new one.
    charter.refresh_from_db(fields=["revision", "edited_at"])
    return _saved(request, access=access, charter=charter, section=model.section)


# Key-result progress ---------------------------------------------------------------------------

@login_required
@require_POST
@refusals_explained
def record_progress(request: HttpRequest, org_slug: str, team_slug: str, number: int,
                    key_result_id: int) -> HttpResponse:
    """A leader records where a key result of the active version stands, outside a check-in."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.RECORD_PROGRESS)
    charter = _version(access, number)
    key_result = get_object_or_404(KeyResult, pk=key_result_id, goal__charter=charter)
    form = ProgressForm.for_key_result(key_result, request.POST)
    if form.is_valid():
        try:
            services.record_progress(key_result=key_result, actor=request.user, value=form.cleaned_data["value"],
                                     confidence=form.cleaned_data["confidence"], note=form.cleaned_data["note"])
        except ActionRefused as exc:  # superseded or archived meanwhile: keep what was typed, say why
            form.add_error(None, str(exc))
            charter.refresh_from_db(fields=["state", "superseded_at"])
    if form.errors:
        page = selectors.charter_page(access=access, charter=charter, viewing_version=True,
                                      progress_form=(key_result.pk, form))
        return _render(request, page, partial="goals", status=400)
    if request.htmx:
        return _render(request, selectors.charter_page(access=access, charter=charter), partial="goals")
    messages.success(request, f"Progress recorded for “{key_result.metric}”.")
    return redirect(f"{charter.get_absolute_url()}#{key_result.dom_id}")


# Discussion and consent ------------------------------------------------------------------------

def _render_comments(request: HttpRequest, page: selectors.CharterPage, section: str, *,
                     status: int = 200) -> HttpResponse:
    """One section's comment threads, the `comments` partial the htmx forms swap."""
    context = {**page.context(), "section_key": section, "section_threads": page.threads.get(section, []),
               "comment_form": page.comment_forms.get(section),
               "comments_version": page.shared_versions.get("comments", {}).get(section)}
    return render(request, f"{DETAIL}#comments", context, status=status)


@login_required
@require_POST
@refusals_explained
def comment_create(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.DISCUSS_CHARTER)
    section = request.POST.get("section", "")
    if section not in Section.values:
        raise Http404
    charter = _version(access, number)
    form = CommentForm.for_section(section, request.POST)
    if archived:
        refusals.refuse_as_typed(form, archived, field="body")
    elif form.is_valid():
        parent = None
        if form.cleaned_data["parent"]:
            parent = get_object_or_404(Comment, pk=form.cleaned_data["parent"], charter=charter)
        try:
            comment = services.add_comment(charter=charter, section=section, author=request.user,
                                           body=form.cleaned_data["body"], parent=parent)
        except ActionRefused as exc:
            form.add_error("body", str(exc))
        else:
            section = comment.section  # a reply belongs to its thread's section
    failed = form if form.errors else None
    status = refusals.ARCHIVED_STATUS if archived else 400 if failed else 200
    if request.htmx:
        page = selectors.comments_page(access=access, charter=charter, comment_form=failed)
        return _render_comments(request, page, section, status=status)
    if failed and form.data.get("body", "").strip():  # refused with text typed: the page keeps it, with why
        return _render(request, selectors.charter_page(access=access, charter=charter, comment_form=failed),
                       status=status)
    if failed:
        messages.error(request, " ".join(e for errors in failed.errors.values() for e in errors))
    return redirect(_charter_url(access.team, f"comments-{section}"))


@login_required
@require_POST
@refusals_explained
def comment_resolve(request: HttpRequest, org_slug: str, team_slug: str, number: int, comment_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.DISCUSS_CHARTER)
    charter = _version(access, number)
    comment = get_object_or_404(Comment.objects.select_related("parent"), pk=comment_id, charter=charter)
    thread = comment.parent or comment
    if not may_resolve(access, thread):
        raise PermissionDenied("Only a leader or the thread's author can resolve it.")
    services.set_thread_resolved(comment=comment, actor=request.user, resolved=request.POST.get("resolved") != "0")
    if request.htmx:
        return _render_comments(request, selectors.comments_page(access=access, charter=charter), thread.section)
    return redirect(_charter_url(access.team, f"comments-{thread.section}"))


def _consent_done(request: HttpRequest, access: TeamAccess, charter: Charter, message: str) -> HttpResponse:
    """After a change to the consent round: the refreshed panel for htmx, else the page with a message."""
    if request.htmx:
        return _render(request, selectors.charter_page(access=access, charter=charter), partial="consent")
    messages.success(request, message)
    return redirect(_charter_url(access.team, "consent"))


@login_required
@require_POST
@refusals_explained
def respond(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.RESPOND_TO_CHARTER)
    charter = _version(access, number)
    form = ResponseForm(request.POST)
    if archived:
        refusals.refuse_as_typed(form, archived)
    elif form.is_valid():
        try:
            services.respond(charter=charter, member=request.user, kind=form.cleaned_data["kind"],
                             reason=form.cleaned_data["reason"], seen_revision=form.cleaned_data["revision"])
        except ActionRefused as exc:
            form.add_error(None, str(exc))
            # Answer against the text as it is now: a second submit, made knowingly, is counted.
            form.data = form.data.copy()
            form.data["revision"] = Charter.objects.filter(pk=charter.pk).values_list("revision", flat=True).first()
    if form.errors:
        page = selectors.charter_page(access=access, charter=_version(access, number), response_form=form)
        return _render(request, page, partial="consent", status=refusals.ARCHIVED_STATUS if archived else 400)
    return _consent_done(request, access, charter,
                         "Your response is recorded. You can change it until the charter is ratified.")


@login_required
@require_POST
@refusals_explained
def answer_objection(request: HttpRequest, org_slug: str, team_slug: str, number: int,
                     response_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.STEWARD_CHARTER)
    charter = _version(access, number)
    response = get_object_or_404(Response.objects.select_related("member"), pk=response_id, charter=charter)
    form = AnswerForm.for_objection(response, request.POST)
    error = None
    if form.is_valid():
        try:
            services.answer_objection(response=response, actor=request.user, answer=form.cleaned_data["answer"],
                                      text=form.cleaned_data["text"],
                                      seen_reason=form.cleaned_data["seen_reason"] or None)
        except ActionRefused as exc:
            error = str(exc)
    else:
        error = "Choose an answer and explain it."
    if error:
        page = selectors.charter_page(access=access, charter=charter, consent_error=error,
                                      answer_form=(response.pk, form))
        return _render(request, page, partial="consent", status=400)
    return _consent_done(request, access, charter, f"Answered {response.member.name}'s objection.")


@login_required
@require_POST
@refusals_explained
def resolve_objection(request: HttpRequest, org_slug: str, team_slug: str, number: int,
                      response_id: int) -> HttpResponse:
    """The objector says whether the leader's amendment resolves their objection."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.RESPOND_TO_CHARTER)
    charter = _version(access, number)
    response = get_object_or_404(Response, pk=response_id, charter=charter, member=request.user)
    resolved = request.POST.get("resolved") == "1"
    services.resolve_amended_objection(response=response, member=request.user, resolved=resolved)
    return _consent_done(request, access, charter,
                         "Thank you: your objection is resolved, and counted as consent." if resolved else
                         "Your objection stands again; the leader will answer it before ratifying.")


@login_required
@require_POST
@refusals_explained
def remind_missing_word(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    """A leader reminds everyone whose word is missing; a second reminder the same day is refused in place."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.STEWARD_CHARTER)
    charter = _version(access, number)
    try:
        told = services.remind_missing_word(charter=charter, actor=request.user)
    except ActionRefused as exc:
        page = selectors.charter_page(access=access, charter=_version(access, number), consent_error=str(exc))
        return _render(request, page, partial="consent", status=400)
    names = ", ".join(person.name for person in told)
    return _consent_done(request, access, _version(access, number), f"Reminded {names}: each is told once, with a link to the "
                                                   "charter.")


@login_required
def since_responded(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    """What changed in the text since the reader responded to it: their response's text against today's."""
    access = permissions.team_access(request.user, org_slug, team_slug)
    if not may_see_since_responded(access):
        raise PermissionDenied("Only people who give their word on the charter have a response to compare with.")
    charter = _readable_version(access, number)
    response = Response.objects.filter(charter=charter, member=request.user).first()
    if response is None:
        messages.info(request, f"You have not responded to version {number} yet: read it, then give your word.")
        return redirect(_charter_url(access.team, "consent"))
    response.charter = charter
    sections = selectors.since_response(response)
    return render(request, "charters/since_responded.html", {
        "team": access.team, "access": access, "charter": charter, "response": response, "sections": sections,
        "unchanged": [str(s.section.label) for s in sections or [] if not s.changed],
    })


# Versions --------------------------------------------------------------------------------------

@login_required
def history(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.reader_access(request.user, org_slug, team_slug)

    def page() -> HttpResponse:
        versions = selectors.readable_versions(access.team, in_team=access.in_team)
        return render(request, "charters/charter_history.html",
                      {"team": access.team, "access": access, "versions": versions})

    return page()


@login_required
def diff(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.reader_access(request.user, org_slug, team_slug)
    try:
        a, b = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        messages.error(request, "Choose two versions to compare.")
        return redirect("charters:history", org_slug, team_slug)
    return _comparison(request, access, a, b)


def _comparison(request: HttpRequest, access: TeamAccess, a: int, b: int) -> HttpResponse:
    versions = {c.number: c for c in selectors.readable_versions(access.team, in_team=access.in_team,
                                                                 numbers=sorted({a, b}))}
    if a not in versions or b not in versions:
        raise Http404("No such version")
    old, new = (versions[n] for n in sorted((a, b)))
    for version in (old, new):
        version.team = access.team
    sections = selectors.comparison(old, new)
    return render(request, "charters/charter_diff.html",
                  {"team": access.team, "access": access, "old": old, "new": new, "sections": sections})


@login_required
def version_print(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    access = permissions.reader_access(request.user, org_slug, team_slug)
    charter = _readable_version(access, number)
    return render(request, "charters/charter_print.html",
                  {"team": access.team, "charter": charter, "content": selectors.load_content(charter)})


@login_required
def version_markdown(request: HttpRequest, org_slug: str, team_slug: str, number: int) -> HttpResponse:
    access = permissions.reader_access(request.user, org_slug, team_slug)
    charter = _readable_version(access, number)
    response = HttpResponse(charter_markdown(selectors.load_content(charter)),
                            content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{access.team.slug}-charter-v{charter.number}.md"'
    return response


# The organisation's goals ----------------------------------------------------------------------
# Everyone in the organisation reads them; its admins set them (`charters.permissions.organisation_goals_access`).

ORG_GOALS = "charters/organisation_goal_list.html"
ORG_GOAL = "charters/organisation_goal_detail.html"
ORG_GOAL_FORM = "charters/organisation_goal_form.html"


def _organisation_goal(perms: OrganisationGoalPermissions, goal_id: int) -> OrganisationGoal:
    """One of the organisation's goals (with its owner); 404 for any other."""
    goal = get_object_or_404(OrganisationGoal.objects.select_related("owner"), organisation=perms.organisation,
                             pk=goal_id)
    goal.organisation = perms.organisation
    return goal


@login_required
@require_GET
def organisation_goals(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's goals, a page at a time, each with the team goals contributing to it."""
    perms = organisation_goals_access(request.user, org_slug)
    page = selectors.organisation_goals_page(perms, page=request.GET.get("page"),
                                             closed=request.GET.get("show") == "closed")
    return render(request, ORG_GOALS, page.context())


@login_required
@require_GET
def organisation_goal(request: HttpRequest, org_slug: str, goal_id: int) -> HttpResponse:
    """One organisation goal: its key results and every team goal contributing to it, a page at a time."""
    perms = organisation_goals_access(request.user, org_slug)
    goal = _organisation_goal(perms, goal_id)
    return render(request, ORG_GOAL, selectors.organisation_goal_page(perms, goal, page=request.GET.get("page"))
                  .context())


def _goal_form_page(request, *, perms, form, title: str, back: str, conflict_shown=None, status: int = 200):
    return render(request, ORG_GOAL_FORM, {"organisation": perms.organisation, "form": form, "title": title,
                                           "back": back, "conflict": conflict_shown, "action": request.path},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_goal_edit(request: HttpRequest, org_slug: str, goal_id: int | None = None) -> HttpResponse:
    """Add an organisation goal, or edit one: its objective, the part of the purpose it advances, its owner."""
    perms = organisation_goals_access(request.user, org_slug, manage=True)
    goal = _organisation_goal(perms, goal_id) if goal_id else None
    title = f"Edit “{goal.objective}”" if goal else "New organisation goal"
    back = goal.get_absolute_url() if goal else reverse("charters:org_goals", args=[org_slug])
    kwargs = {"organisation": perms.organisation}
    if request.method == "GET":
        form = OrganisationGoalForm(instance=goal, initial={"version": goal.version if goal else 1}, **kwargs)
        if goal is not None and goal.refusal_to_change():
            form.add_error(None, goal.refusal_to_change())
            return _goal_form_page(request, perms=perms, form=form, title=title, back=back, status=409)
        return _goal_form_page(request, perms=perms, form=form, title=title, back=back)
    form = OrganisationGoalForm(request.POST, instance=goal or OrganisationGoal(organisation=perms.organisation),
                                **kwargs)
    if not form.is_valid():
        return _goal_form_page(request, perms=perms, form=form, title=title, back=back, status=400)
    typed = {name: form.cleaned_data[name] for name in ("objective", "purpose_part", "owner")}
    try:
        if goal is None:
            saved = services.create_organisation_goal(organisation=perms.organisation, actor=request.user, **typed)
        else:
            saved = services.update_organisation_goal(goal=goal, expected_version=form.cleaned_data["version"],
                                                      **typed)
    except ConcurrentEditError as exc:
        shown = conflict(OrganisationGoalForm, data=request.POST, current=exc.current, version=exc.current.version,
                         **kwargs)
        return _goal_form_page(request, perms=perms, form=shown.form, title=title, back=back, conflict_shown=shown,
                               status=409)
    except ActionRefused as exc:  # closed or gone since the form was opened: the typed text stays
        form.add_error(None, str(exc))
        return _goal_form_page(request, perms=perms, form=form, title=title, back=back, status=409)
    messages.success(request, "Organisation goal saved." if goal else "Organisation goal added.")
    saved.organisation = perms.organisation
    return redirect(saved)


@login_required
@require_POST
def organisation_goal_action(request: HttpRequest, org_slug: str, goal_id: int, action: str) -> HttpResponse:
    """Close or reopen an organisation goal, or move it up or down the organisation's order."""
    perms = organisation_goals_access(request.user, org_slug, manage=True)
    if action not in ("close", "reopen", "up", "down"):
        raise Http404
    goal = _organisation_goal(perms, goal_id)
    goals_url = reverse("charters:org_goals", args=[org_slug])
    back = goal.get_absolute_url() if action in ("close", "reopen") else goals_url
    try:
        if action == "close":
            if not goal.is_closed and (asked := confirm.ask(
                    request, question=f"Close “{goal.objective}”?", yes="Yes, close it", back=goal.get_absolute_url(),
                    consequences=["It leaves the alignment map, and no team goal can newly name it.",
                                  "Team goals that name it keep the link; you can reopen it later."])):
                return asked
            services.close_organisation_goal(goal=goal, actor=request.user)
            messages.success(request, f"“{goal.objective}” is closed.")
        elif action == "reopen":
            services.reopen_organisation_goal(goal=goal, actor=request.user)
            messages.success(request, f"“{goal.objective}” is open again.")
        else:
            services.move_organisation_goal(goal=goal, direction=action)
    except ActionRefused as exc:
        messages.error(request, str(exc))
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_key_result_edit(request: HttpRequest, org_slug: str, goal_id: int,
                                 key_result_id: int | None = None) -> HttpResponse:
    """Add a key result to an organisation goal, or edit one's metric, unit, start and target."""
    perms = organisation_goals_access(request.user, org_slug, manage=True)
    goal = _organisation_goal(perms, goal_id)
    key_result = get_object_or_404(goal.key_results, pk=key_result_id) if key_result_id else None
    if key_result is not None:
        key_result.goal = goal
    title = f"Edit key result “{key_result.metric}”" if key_result else f"Add a key result to “{goal.objective}”"
    back = goal.get_absolute_url()
    if request.method == "GET":
        form = OrganisationKeyResultForm(instance=key_result, initial={"version": key_result.version if key_result else 1})
        if goal.refusal_to_change():
            form.add_error(None, goal.refusal_to_change())
            return _goal_form_page(request, perms=perms, form=form, title=title, back=back, status=409)
        return _goal_form_page(request, perms=perms, form=form, title=title, back=back)
    form = OrganisationKeyResultForm(request.POST, instance=key_result or OrganisationKeyResult(goal=goal))
    if not form.is_valid():
        return _goal_form_page(request, perms=perms, form=form, title=title, back=back, status=400)
    typed = {name: form.cleaned_data[name] for name in ("metric", "unit", "start_value", "target_value")}
    try:
        if key_result is None:
            services.add_organisation_key_result(goal=goal, **typed)
        else:
            services.update_organisation_key_result(key_result=key_result,
                                                    expected_version=form.cleaned_data["version"], **typed)
    except ConcurrentEditError as exc:
        shown = conflict(OrganisationKeyResultForm, data=request.POST, current=exc.current,
                         version=exc.current.version)
        return _goal_form_page(request, perms=perms, form=shown.form, title=title, back=back, conflict_shown=shown,
                               status=409)
    except ActionRefused as exc:
        form.add_error(None, str(exc))
        return _goal_form_page(request, perms=perms, form=form, title=title, back=back, status=409)
    messages.success(request, "Key result saved." if key_result else "Key result added.")
    return redirect(back + "#key-results")


@login_required
@require_POST
def organisation_reading(request: HttpRequest, org_slug: str, goal_id: int, key_result_id: int) -> HttpResponse:
    """Record where an organisation key result stands now: its value and confidence, with a note."""
    perms = organisation_goals_access(request.user, org_slug, manage=True)
    goal = _organisation_goal(perms, goal_id)
    key_result = get_object_or_404(goal.key_results, pk=key_result_id)
    key_result.goal = goal
    form = organisation_reading_form(key_result, request.POST)
    status = 400
    if form.is_valid():
        try:
            services.record_organisation_reading(key_result=key_result, actor=request.user, **form.cleaned_data)
        except ActionRefused as exc:
            form.add_error(None, str(exc))
            status = 409
        else:
            messages.success(request, f"Reading recorded for “{key_result.metric}”.")
            return redirect(goal.get_absolute_url() + f"#org-kr-{key_result.pk}")
    page = selectors.organisation_goal_page(perms, goal, reading_forms={key_result.pk: form})
    return render(request, ORG_GOAL, page.context(), status=status)


# The organisation's tags ------------------------------------------------------------------------

ORG_TAGS = "charters/organisation_tag_list.html"


def _tags_page(request, perms, *, form=None, renaming=None, rename_form=None, status: int = 200) -> HttpResponse:
    tags = list(organisation_tags(perms.organisation))  # query: the list, with how many boundaries carry each
    return render(request, ORG_TAGS, {"organisation": perms.organisation, "perms": perms, "tags": tags,
                                      "form": form or (OrganisationTagForm() if perms.add else None),
                                      "renaming": renaming, "rename_form": rename_form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_tags_view(request: HttpRequest, org_slug: str) -> HttpResponse:
    """The organisation's tags: everyone in it reads the list; its admins and teams' leaders add to it."""
    perms = organisation_tags_access(request.user, org_slug, add=request.method == "POST")
    if request.method == "GET":
        return _tags_page(request, perms)
    form = OrganisationTagForm(request.POST)
    if not form.is_valid():
        return _tags_page(request, perms, form=form, status=400)
    try:
        tag = add_tag(organisation=perms.organisation, name=form.cleaned_data["name"])
    except ActionRefused as exc:
        form.add_error("name", str(exc))
        return _tags_page(request, perms, form=form, status=409)
    messages.success(request, f"“{tag.name}” is on the list.")
    return redirect("charters:tags", org_slug)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_tag(request: HttpRequest, org_slug: str, tag_id: int) -> HttpResponse:
    """Rename a tag (the organisation's admins): every boundary carrying it shows the new name."""
    perms = organisation_tags_access(request.user, org_slug, manage=True)
    tag = get_object_or_404(OrganisationTag, pk=tag_id, organisation=perms.organisation)
    if request.method == "GET":
        return _tags_page(request, perms, renaming=tag, rename_form=OrganisationTagForm(initial={"name": tag.name}))
    form = OrganisationTagForm(request.POST)
    if form.is_valid():
        try:
            rename_tag(tag=tag, name=form.cleaned_data["name"])
        except ActionRefused as exc:
            form.add_error("name", str(exc))
    if form.errors:
        return _tags_page(request, perms, renaming=tag, rename_form=form, status=400)
    messages.success(request, f"Renamed to “{tag.name}”.")
    return redirect("charters:tags", org_slug)


@login_required
@require_POST
def organisation_tag_remove(request: HttpRequest, org_slug: str, tag_id: int) -> HttpResponse:
    """Remove a tag from the list and from every boundary carrying it, once the admin confirmed."""
    perms = organisation_tags_access(request.user, org_slug, manage=True)
    tag = OrganisationTag.objects.filter(pk=tag_id, organisation=perms.organisation).first()
    back = reverse("charters:tags", args=[org_slug])
    if tag is None:  # removed already (a double click): nothing more to do
        return redirect(back)
    carried = boundaries_carrying(tag)
    consequences = [f"{carried} boundar{pluralize(carried, 'y,ies')} of charters in force or being drafted "
                    f"carr{pluralize(carried, 'ies,y')} it and will lose it; the alignment map stops comparing teams "
                    "by it." if carried else "No boundary of a charter in force or being drafted carries it.",
                    "Earlier versions lose it too. Leaders cannot choose it again unless it is added back."]
    if asked := confirm.ask(request, question=f"Remove the tag “{tag.name}”?", yes="Yes, remove it", back=back,
                            consequences=consequences):
        return asked
    remove_tag(tag=tag)
    messages.success(request, f"“{tag.name}” is no longer on the list.")
    return redirect(back)
