"""Check-in pages: this week's check-in for the person writing it, and the week for leaders and facilitators."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_GET, require_POST

from alignment import confirm, permissions, refusals
from alignment.concurrency import conflict
from alignment.errors import ActionRefused, ConcurrentEditError
from alignment.htmx import HtmxHttpRequest
from alignment.next_page import local_path
from alignment.permissions import ARCHIVED_REFUSAL, Capability
from alignment.weeks import current_week, week_starting
from checkins import permissions as checkin_permissions
from checkins import selectors, services
from checkins.content import vouched
from checkins.forms import (
    CheckInForm,
    CommitmentForm,
    DecideRenegotiationForm,
    OverloadForm,
    RenegotiationForm,
    ReplyForm,
    ResolveBlockerForm,
    initial_for,
    posted_carried,
    posted_choices,
)


@login_required
@require_GET
def this_week(request: HtmxHttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.CHECK_IN)
    page = selectors.this_week_page(access, current_week(access.team))
    # "Add a blocker" without JavaScript comes back here asking for one more row.
    asked = request.GET.get("rows", "")
    rows = max(page.blocker_rows, int(asked) if asked.isdigit() else 0)
    form = _form(page, rows=rows, initial=initial_for(page.checkin, week=page.week, blocker_rows=rows,
                                                      blockers=page.open_blockers, updates=page.key_result_updates,
                                                      carried=page.carried_blockers, fingerprint=page.fingerprint,
                                                      named=page.vouched(team=access.team.pk, author=request.user.pk)))
    return _page(request, access, page, form)


@login_required
@require_POST
def save_draft(request: HtmxHttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """Saved as the person types (htmx, answered with a status line) or by the "Save draft" button."""
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.CHECK_IN)
    return _save(request, access, submitting=False, archived=archived)


@login_required
@require_POST
def submit(request: HtmxHttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.CHECK_IN)
    return _save(request, access, submitting=True, archived=archived)


def _save(request: HtmxHttpRequest, access, *, submitting: bool, archived: str | None) -> HttpResponse:
    """Read the post (`_read`), save it, and answer: a status line to htmx, else a redirect. Only a refusal
    without JavaScript loads the whole page, to show the form as typed."""
    if archived:  # archived while the page was open: their text stays on it, with the reason
        if request.htmx:
            return _status(request, error=f"Not saved: {archived}", status=refusals.ARCHIVED_STATUS)
        return _as_typed(request, access, submitting=submitting, refusal=archived, status=refusals.ARCHIVED_STATUS)
    now = timezone.now()
    adding_row = "add_blocker" in request.POST and not submitting
    form, checked = _read(request, access, submitting=submitting)
    if not form.is_valid():
        if request.htmx:  # saving as they type: say so and leave the page, with their text, alone
            return _status(request, status=400,
                           error="Not saved yet: a field needs fixing. Press “Save draft” to see which.")
        return _as_typed(request, access, submitting=submitting, status=400)
    week = week_starting(access.team, form.cleaned_data["week"]) if form.cleaned_data["week"].weekday() == 0 \
        else current_week(access.team, now)
    saving = {"team": access.team, "author": request.user, "week": week,
              "expected_version": form.cleaned_data["version"], "content": form.content(), "now": now}
    try:
        if submitting:
            saved = services.submit_checkin(**saving)
        else:
            saved = services.save_draft(**saving, fingerprint=form.cleaned_data["fingerprint"] or None)
    except ActionRefused as exc:
        if request.htmx:
            return _status(request, error=str(exc), status=400)
        return _as_typed(request, access, submitting=submitting, refusal=str(exc), status=400)
    except ConcurrentEditError as exc:
        if request.htmx:
            return _status(request, status=409, error=(
                "Not saved: this check-in was changed in another tab or window. Press “Save draft” "
                "to compare it with what you typed here."))
        page = selectors.this_week_page(access, current_week(access.team, now))
        # What is saved now goes with the version saved now: a knowing second save writes all that is typed.
        data = request.POST.copy()
        data["fingerprint"] = page.fingerprint
        data["named"] = page.vouched(team=access.team.pk, author=request.user.pk)
        clash = conflict(CheckInForm, data=data, current=exc.current, version=exc.current.version,
                         **_form_kwargs(page, submitting=submitting))
        return _page(request, access, page, clash.form, conflict=clash, status=409)
    if request.htmx:
        # Ids just checked against what may be chosen: the server's word for them goes with the next save.
        named = vouched(team=access.team.pk, author=request.user.pk, week=week.monday,
                        ids=saving["content"].named()) if checked else ""
        return _status(request, saved=saved, named=named)
    if adding_row:
        query = f"?rows={form.blocker_count + 1}"
        return redirect(reverse("checkins:this_week", args=[access.team.organisation.slug, access.team.slug]) + query)
    if submitting:
        late = " It came in after the team's check-in time, so it is marked late." if saved.is_late else ""
        messages.success(request, f"Check-in submitted. Your team's leaders and facilitators can read it now.{late}")
    else:
        messages.success(request, f"Draft saved at {timezone.localtime(saved.updated_at):%H:%M}.")
    return redirect("checkins:this_week", access.team.organisation.slug, access.team.slug)


def _read(request: HtmxHttpRequest, access, *, submitting: bool) -> tuple[CheckInForm, bool]:
    """The posted check-in, and whether its ids were checked now against what the charter in force and the team
    offer (one query). A draft is read without that query when its choices are as saved (its fingerprint says
    so: none of them is written), or when every id it names is one the server vouched for (`content.vouched`)."""
    # Earlier weeks' blockers as answered: every save keeps the answers, only submitting acts on them (the
    # service checks each is theirs).
    carried = posted_carried(request.POST)
    if not submitting:
        form = CheckInForm(request.POST, **posted_choices(request.POST), carried=carried)
        if form.is_valid():
            content, data = form.content(), form.cleaned_data
            if content.fingerprint() == data["fingerprint"] or constant_time_compare(data["named"], vouched(
                    team=access.team.pk, author=request.user.pk, week=data["week"], ids=content.named())):
                return form, False
    choices = selectors.checkin_choices(access.team, request.user)
    return CheckInForm(request.POST, non_negotiables=choices.non_negotiables, key_results=choices.key_results,
                       people=choices.people, goals=choices.goals, submitting=submitting, carried=carried), True


def _as_typed(request: HtmxHttpRequest, access, *, submitting: bool, refusal: str | None = None,
              status: int) -> HttpResponse:
    """The whole page with the form as it was posted: its errors, or the reason it was refused."""
    page = selectors.this_week_page(access, current_week(access.team))
    form = _form(page, data=request.POST, submitting=submitting)
    if refusal:
        refusals.refuse_as_typed(form, refusal)
    return _page(request, access, page, form, status=status)


def _form_kwargs(page: selectors.ThisWeekPage, *, submitting: bool = False, rows: int | None = None) -> dict:
    return {"non_negotiables": page.non_negotiables, "key_results": page.key_results, "people": page.people,
            "goals": page.goals, "blocker_rows": rows or page.blocker_rows, "submitting": submitting,
            "carried": page.carried_blockers}


def _form(page: selectors.ThisWeekPage, *, data=None, initial=None, submitting: bool = False,
          rows: int | None = None) -> CheckInForm:
    return CheckInForm(data, initial=initial, **_form_kwargs(page, submitting=submitting, rows=rows))


def _page(request: HtmxHttpRequest, access, page, form: CheckInForm, *, conflict=None, status: int = 200):
    refusal = page.checkin.refusal_to_edit(timezone.now()) if page.checkin else None
    return render(request, "checkins/checkin_form.html", {
        "team": access.team, "access": access, "page": page, "form": form, "conflict": conflict,
        "refusal": refusal, "reply_form": ReplyForm(),
    }, status=status)


def _status(request: HtmxHttpRequest, *, saved=None, named: str = "", error: str = "", status: int = 200) -> HttpResponse:
    """The status line beside the form's buttons; a save also sends the version (and rows) the next save starts from,
    and the server's word for ids it checked (`named`)."""
    # Drawn from these values alone: no context processor (the header's, the bell's) has anything to add to it.
    return HttpResponse(render_to_string("checkins/checkin_form.html#draft-status", {
        "saved": saved, "named": named, "error": error, "saved_at": saved.updated_at if saved else None,
    }), status=status)


@login_required
@require_GET
def week(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """The team's week: everyone in the team sees the summary, readers of check-ins their words too; an
    organisation admin outside the team sees what a member sees when check-ins are not open to the team."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_SUMMARY)

    def render_page() -> HttpResponse:
        now = timezone.now()
        the_week = _week_asked(access.team, request.GET.get("week", ""), now)
        page = selectors.team_week_page(access, the_week, today=timezone.localtime(now, access.team.zone).date(),
                                         with_pulse=True)
        here, reply_form = request.get_full_path(), ReplyForm()
        return render(request, "checkins/team_week.html", {
            "team": access.team, "access": access, "page": page, "resolve_form": ResolveBlockerForm(),
            "is_current": the_week == current_week(access.team, now), "reply_form": reply_form,
            "here": here, "shared_ahead": page.shared_ahead(here, reply_form),
        })

    return render_page()


@login_required
@require_GET
def trends(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    return render(
        request, "checkins/trends.html", {
            "team": access.team, "access": access,
            "page": selectors.trends_page(access.team, _window_asked(access.team, request.GET.get("until", ""))),
        })


@login_required
@require_GET
def person(request: HttpRequest, org_slug: str, team_slug: str, person_id: int) -> HttpResponse:
    """A person's past check-ins: their own, or anyone's for those who read the team's check-ins."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    if not checkin_permissions.may_read_checkins_of(access, person_id):
        raise PermissionDenied(permissions.REFUSALS[Capability.READ_CHECKINS])

    def render_page() -> HttpResponse:
        window = _window_asked(access.team, request.GET.get("until", ""))
        page = selectors.person_history_page(access, person_id, window)
        if page is None:
            raise Http404("Nobody by that id is in this team.")
        return render(request, "checkins/person.html", {"team": access.team, "access": access, "page": page,
                                                        "shared_ahead": page.shared_ahead})

    return render_page()


def _window_asked(team, value: str) -> selectors.Window:
    now = timezone.now()
    return selectors.window_ending(_week_asked(team, value, now), current_week(team, now))


@login_required
@require_GET
def checkin(request: HttpRequest, org_slug: str, team_slug: str, checkin_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    return _checkin_page(request, access, checkin_id)


def _checkin_page(request, access, checkin_id: int, *, form=None, status: int = 200) -> HttpResponse:
    page = selectors.checkin_page(access, checkin_id)
    if page is None:
        raise Http404("No such check-in")
    if not checkin_permissions.may_read_checkin(access, page.checkin):
        raise PermissionDenied(permissions.REFUSALS[Capability.READ_CHECKINS])
    return render(request, "checkins/checkin_detail.html", {
        "team": access.team, "access": access, "page": page, "checkin": page.checkin,
        "replies": page.replies, "reply_form": form or ReplyForm(),
    }, status=status)


@login_required
@require_POST
def reply(request: HtmxHttpRequest, org_slug: str, team_slug: str, checkin_id: int) -> HttpResponse:
    """A reply in the thread under a check-in: in place with htmx, else back to the page it was sent from."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    page = selectors.checkin_page(access, checkin_id)
    if page is None:
        raise Http404("No such check-in")
    form = ReplyForm(request.POST)
    if not checkin_permissions.may_reply(access, page.checkin):
        if not checkin_permissions.may_see_replies(access, page.checkin):
            raise PermissionDenied(permissions.REFUSALS[Capability.ANSWER_CHECKINS])
        # One of the thread's two sides, refused only because the team was archived while they wrote.
        form.is_valid()
        form.add_error(None, ARCHIVED_REFUSAL)
        if request.htmx:
            return _thread(request, access, page, form=form, status=refusals.ARCHIVED_STATUS)
        return _checkin_page(request, access, checkin_id, form=form, status=refusals.ARCHIVED_STATUS)
    if form.is_valid():
        try:
            services.reply(checkin_id=checkin_id, team=access.team, actor=request.user,
                           body=form.cleaned_data["body"], token=form.cleaned_data["token"])
        except ActionRefused as exc:
            form.add_error(None, str(exc))
    if not form.is_valid():
        if request.htmx:
            return _thread(request, access, page, form=form, status=400)
        return _checkin_page(request, access, checkin_id, form=form, status=400)
    if request.htmx:
        return _thread(request, access, selectors.checkin_page(access, checkin_id))
    messages.success(request, "Reply sent.")
    return redirect(_back(request, page.checkin.page_url) + f"#thread-{checkin_id}")


def _thread(request, access, page, *, form=None, status: int = 200) -> HttpResponse:
    return render(request, "checkins/thread.html#thread", {
        "team": access.team, "access": access, "checkin": page.checkin, "replies": page.replies,
        "reply_form": form or ReplyForm(), "here": local_path(request.POST.get("next")) or "",
    }, status=status)


def _back(request, fallback: str) -> str:
    """The page the form's `next` asked to go back to (its anchor dropped), if a path on this site; else `fallback`."""
    asked = local_path(request.POST.get("next"))
    return asked.split("#")[0] if asked else fallback


@login_required
@require_POST
def acknowledge(request: HtmxHttpRequest, org_slug: str, team_slug: str, checkin_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.ANSWER_CHECKINS)
    fallback = reverse("checkins:checkin", args=[org_slug, team_slug, checkin_id])
    return refusals.act(
        request, lambda: services.acknowledge(checkin_id=checkin_id, team=access.team, actor=request.user),
        done=lambda acknowledged: f"Acknowledged {acknowledged.author.name}’s check-in.",
        back=_back(request, fallback) + f"#checkin-{checkin_id}")


def _week_asked(team, value: str, now):
    if not value:
        return current_week(team, now)
    try:
        return week_starting(team, date.fromisoformat(value))
    except ValueError:
        raise Http404("A week is named by its Monday, as YYYY-MM-DD.") from None


# Who may resolve a blocker, said when someone else tries.
MAY_NOT_RESOLVE = "A blocker is resolved by the team's leaders, whoever raised it, or the person it names as who could help."


@login_required
@require_POST
def resolve_blocker(request: HttpRequest, org_slug: str, team_slug: str, blocker_id: int) -> HttpResponse:
    """The team's leaders, whoever raised it or whoever it names as who could help say it is resolved, and how."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    blocker = selectors.blocker_of(access.team, blocker_id)
    if blocker is None:
        raise Http404("No such blocker")
    if not checkin_permissions.may_resolve_blocker(access, blocker):
        raise PermissionDenied(ARCHIVED_REFUSAL if access.team.is_archived else MAY_NOT_RESOLVE)
    form = ResolveBlockerForm(request.POST)
    back = reverse("checkins:week", args=[org_slug, team_slug])
    if request.POST.get("week"):
        back += f"?week={request.POST['week']}"
    back = _back(request, back)
    if not form.is_valid():
        messages.error(request, "The note is too long; keep it under 2,000 characters.")
        return redirect(back)
    return refusals.act(
        request, lambda: services.resolve_blocker(blocker_id=blocker_id, team=access.team, actor=request.user,
                                                  resolution=form.cleaned_data["resolution"]),
        done=lambda blocker: f"Resolved: “{blocker.what}”.", back=back)


# Commitments: a team's page of who agreed to what, and one page per commitment with its history.


@login_required
@require_GET
def commitments(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    return _commitments_page(request, access)


def _commitments_page(request, access, *, form=None, ask_form=None, overload_form=None,
                      status: int = 200) -> HttpResponse:
    """The team's commitments and the forms to add one; a new commitment kept for its author comes back typed."""
    page = selectors.commitments_page(access.team)
    kept = _kept(request, access.team) if access.may_check_in else {}
    if not kept.get("fields"):
        kept = {}
    if form is None and kept:
        form = CommitmentForm(initial=kept["fields"], goals=page.goals)
    if overload_form is None and kept.get("renegotiated"):
        overload_form = _after_renegotiating(kept)
    return render(request, "checkins/commitment_list.html", {
        "team": access.team, "access": access, "page": page, "kept": kept, "overload_form": overload_form,
        "form": form or CommitmentForm(goals=page.goals),
        "ask_form": ask_form or CommitmentForm(goals=page.goals, people=page.people, auto_id="ask_%s"),
    }, status=status)


@login_required
@require_POST
def create_commitment(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """Commit to something oneself; when overloaded, first asked which commitment to renegotiate."""
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.CHECK_IN)
    if "discard_kept" in request.POST:
        if question := confirm.ask(request, question="Discard the commitment you had kept?", yes="Yes, discard it",
                                   back=reverse("checkins:commitments", args=[org_slug, team_slug]) + "#new-title",
                                   access=access, consequences=["What you typed for it is gone."]):
            return question
        _forget(request, access.team)
        messages.info(request, "The commitment you had kept is discarded.")
        return redirect("checkins:commitments", org_slug, team_slug)
    page = selectors.commitments_page(access.team)
    form = CommitmentForm(request.POST, goals=page.goals)
    # The overload question, answered on this form after renegotiating: kept with the text on a refusal.
    overload_form = OverloadForm(request.POST) if "overload_seen" in request.POST else None
    if archived:
        refusals.refuse_as_typed(form, archived)
        return _commitments_page(request, access, form=form, overload_form=overload_form,
                                 status=refusals.ARCHIVED_STATUS)
    if not form.is_valid():
        return _commitments_page(request, access, form=form, overload_form=overload_form, status=400)
    data = form.cleaned_data
    prompt = _overload_prompt(request, access, action=reverse("checkins:create_commitment",
                                                              args=[org_slug, team_slug]), keep={
        "title": data["title"], "fields": {name: form.data.get(name, "") for name in form.fields},
        "back": reverse("checkins:commitments", args=[org_slug, team_slug]) + "#new-title",
    })
    if prompt is not None:
        return prompt
    try:
        commitment = services.create_commitment(
            team=access.team, owner=request.user, actor=request.user, title=data["title"],
            standard=data["standard"], due_on=data["due_on"], goal=data["goal"],
            overload_note=_overload_note(request))
    except ActionRefused as exc:
        form.add_error(None, str(exc))
        return _commitments_page(request, access, form=form, overload_form=overload_form, status=400)
    _forget(request, access.team)
    messages.success(request, f"You committed to “{commitment.title}”.")
    return redirect(commitment.get_absolute_url())


@login_required
@require_POST
def ask_commitment(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """A leader asks someone to commit; it is theirs once they accept."""
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.ANSWER_CHECKINS)
    page = selectors.commitments_page(access.team)
    form = CommitmentForm(request.POST, goals=page.goals, people=page.people, auto_id="ask_%s")
    if archived:
        refusals.refuse_as_typed(form, archived)
        return _commitments_page(request, access, ask_form=form, status=refusals.ARCHIVED_STATUS)
    if not form.is_valid():
        return _commitments_page(request, access, ask_form=form, status=400)
    data = form.cleaned_data
    owner = data["owner"]
    overloaded = selectors.asking_an_overloaded_person(access.team, owner, request.user)
    # Warned about this very person (the leader may have chosen someone else on the warning page).
    warned = request.POST.get("overload_warned_for") == str(owner.pk)
    if overloaded and not warned:
        return _ask_overload_warning(request, access, form, owner)
    try:
        commitment = services.create_commitment(
            team=access.team, owner=owner, actor=request.user, title=data["title"],
            standard=data["standard"], due_on=data["due_on"], goal=data["goal"],
            asked_while_overloaded=overloaded)
    except ActionRefused as exc:
        form.add_error(None, str(exc))
        return _commitments_page(request, access, ask_form=form, status=400)
    anyway = " Their latest check-in says they are overloaded; that you asked anyway is recorded." if overloaded else ""
    messages.success(request, f"You asked {commitment.owner.name} to commit to “{commitment.title}”.{anyway}")
    return redirect(commitment.get_absolute_url())


def _ask_overload_warning(request, access, form: CommitmentForm, owner) -> HttpResponse:
    """Before asking an overloaded person: what they carry already, and the request as typed, to send anyway
    or change (another person, a later date)."""
    return render(request, "checkins/ask_overload_warning.html", {
        "team": access.team, "access": access, "owner": owner, "ask_form": form,
        "open_commitments": selectors.open_commitments_of(access.team, owner),
    })


def _overload_prompt(request, access, *, action: str, keep: dict) -> HttpResponse | None:
    """The intermediate page for an overloaded person taking on more; None once they answered it or are not.

    What they were taking on is kept for them (`keep`: see `_kept`), so that following "Renegotiate this
    one" brings them back to it afterwards instead of throwing it away.
    """
    if "overload_seen" in request.POST or not selectors.is_overloaded(access.team, request.user):
        return None
    _keep(request, access.team, keep)
    carried = [(name, value) for name, value in request.POST.items() if name != "csrfmiddlewaretoken"]
    return render(request, "checkins/overload_prompt.html", {
        "team": access.team, "access": access, "action": action, "carried": carried, "taking_on": keep,
        "form": OverloadForm(), "open_commitments": selectors.open_commitments_of(access.team, request.user),
    })


def _overload_note(request) -> str | None:
    if "overload_seen" not in request.POST:
        return None
    form = OverloadForm(request.POST)
    return form.cleaned_data["overload_note"] if form.is_valid() else ""


# What an overloaded person was taking on when the prompt sent them to renegotiate another commitment
# first, kept in their session for the team: `title`, `fields` (a new commitment, as typed) or
# `accepting` (a request's id), `back` (where to return) and, once asked, `renegotiated` (its title).


def _kept_key(team) -> str:
    return f"checkins:kept-commitment:{team.pk}"


def _kept(request, team) -> dict:
    return request.session.get(_kept_key(team)) or {}


def _keep(request, team, kept: dict) -> None:
    request.session[_kept_key(team)] = kept


def _forget(request, team) -> None:
    request.session.pop(_kept_key(team), None)


def _after_renegotiating(kept: dict) -> OverloadForm:
    """The overload question, already answered by renegotiating: recorded with what is taken on."""
    return OverloadForm(initial={"overload_note": f"Asked to renegotiate “{kept['renegotiated']}” first."})


@login_required
@require_GET
def commitment(request: HttpRequest, org_slug: str, team_slug: str, commitment_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    return _commitment_page(request, access, commitment_id)


def _commitment_page(request, access, commitment_id: int, *, form=None, status: int = 200) -> HttpResponse:
    page = selectors.commitment_page(access, commitment_id)
    if page is None:
        raise Http404("No such commitment")
    kept = _kept(request, access.team)
    # Sent here by the overload prompt: after asking, back to what they were taking on.
    coming_back = kept if kept and (request.POST.get("come_back") or request.GET.get("come_back")) else None
    answered = kept.get("accepting") == commitment_id and "renegotiated" in kept
    return render(request, "checkins/commitment_detail.html", {
        "team": access.team, "access": access, "page": page, "coming_back": coming_back,
        "form": form or RenegotiationForm(people=page.people), "decide_form": DecideRenegotiationForm(),
        "overload_form": _after_renegotiating(kept) if answered else None,
    }, status=status)


@login_required
@require_POST
def renegotiate(request: HttpRequest, org_slug: str, team_slug: str, commitment_id: int) -> HttpResponse:
    access, archived = refusals.form_access(request, org_slug, team_slug, Capability.CHECK_IN)
    page = selectors.commitment_page(access, commitment_id)
    if page is None:
        raise Http404("No such commitment")
    form = RenegotiationForm(request.POST, people=page.people)
    if archived:
        refusals.refuse_as_typed(form, archived)
        return _commitment_page(request, access, commitment_id, form=form, status=refusals.ARCHIVED_STATUS)
    if not form.is_valid():
        return _commitment_page(request, access, commitment_id, form=form, status=400)
    data = form.cleaned_data
    try:
        services.ask_to_renegotiate(
            commitment_id=commitment_id, team=access.team, actor=request.user, kind=data["kind"],
            reason=data["reason"], due_on=data["proposed_due_on"], standard=data["proposed_standard"],
            new_owner=data["proposed_owner"])
    except ActionRefused as exc:
        form.add_error(None, str(exc))
        return _commitment_page(request, access, commitment_id, form=form, status=400)
    kept = _kept(request, access.team)
    if kept and request.POST.get("come_back"):
        _keep(request, access.team, kept | {"renegotiated": page.commitment.title})
        then = (f"Your new commitment “{kept['title']}” is below, as you typed it." if "fields" in kept
                else "You can answer the request now.")
        messages.success(request, f"Asked. Your team's leader will accept or decline it. {then}")
        return redirect(local_path(kept.get("back")) or page.commitment.get_absolute_url())
    messages.success(request, "Asked. Your team's leader will accept or decline it.")
    return redirect(page.commitment.get_absolute_url())


@login_required
@require_POST
def mark_done(request: HttpRequest, org_slug: str, team_slug: str, commitment_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.CHECK_IN)
    version = request.POST.get("version", "")
    return refusals.act(
        request, lambda: services.mark_commitment_done(commitment_id=commitment_id, team=access.team,
                                                       actor=request.user,
                                                       expected_version=int(version) if version.isdigit() else -1),
        done=lambda done: f"Done: “{done.title}”.",
        back=reverse("checkins:commitment", args=[org_slug, team_slug, commitment_id]))


@login_required
@require_POST
def answer_request(request: HttpRequest, org_slug: str, team_slug: str, commitment_id: int) -> HttpResponse:
    """The person asked accepts (asked first which commitment to renegotiate, if overloaded) or declines."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.CHECK_IN)
    accept = request.POST.get("answer") == "accept"
    here = reverse("checkins:commitment", args=[org_slug, team_slug, commitment_id])
    if accept:
        prompt = _overload_prompt(request, access, action=reverse(
            "checkins:answer_request", args=[org_slug, team_slug, commitment_id]), keep={
            "accepting": commitment_id, "back": f"{here}#answer-title"})
        if prompt is not None:
            return prompt
    if _kept(request, access.team).get("accepting") == commitment_id:
        _forget(request, access.team)
    return refusals.act(
        request, lambda: services.answer_request(commitment_id=commitment_id, team=access.team, actor=request.user,
                                                 accept=accept,
                                                 overload_note=_overload_note(request) if accept else None),
        done=lambda answered: f"{'Accepted' if accept else 'Declined'}: “{answered.title}”.", back=here)


@login_required
@require_POST
def decide_renegotiation(request: HttpRequest, org_slug: str, team_slug: str, renegotiation_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.ANSWER_CHECKINS)
    form = DecideRenegotiationForm(request.POST)
    back = _back(request, reverse("checkins:week", args=[org_slug, team_slug]))
    if not form.is_valid():
        messages.error(request, "The comment is too long; keep it under 2,000 characters.")
        return redirect(back)
    accept = request.POST.get("decision") == "accept"
    return refusals.act(
        request, lambda: services.decide_renegotiation(renegotiation_id=renegotiation_id, team=access.team,
                                                       actor=request.user, accept=accept,
                                                       comment=form.cleaned_data["comment"]),
        done=lambda decided: f"{decided.get_state_display().capitalize()}: {decided}.", back=back)
