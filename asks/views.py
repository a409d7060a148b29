"""Requests between teams: a team's list, asking another team, one ask with its answer, input and withdrawal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment import confirm, form_keys
from alignment import permissions as core_permissions
from alignment.errors import ActionRefused
from alignment.permissions import Capability, TeamAccess
from asks import permissions, selectors, services
from asks.forms import AnswerForm, AskForm, CommentForm


@login_required
@require_GET
def ask_list(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """The team's requests received and sent, for its people; and whom to ask next."""
    access = core_permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    page = selectors.team_asks_page(access.team, received_page=request.GET.get("received"),
                                    sent_page=request.GET.get("sent"))
    received_pages = _page_links(request, "received", page.received_page)
    sent_pages = _page_links(request, "sent", page.sent_page)
    chosen = request.GET.get("to", "")
    if any(slug == chosen for slug, _name in page.other_teams):  # the "Ask another team" chooser, a GET form
        return redirect("asks:create", org_slug, chosen)
    return render(request, "asks/ask_list.html", {"team": access.team, "access": access, "page": page,
                                                   "received_pages": received_pages, "sent_pages": sent_pages})


def _page_links(request: HttpRequest, param: str, paged) -> tuple[str, str]:
    """The Newer and Older addresses of one of the lists ("" where there is none), the other list's page kept."""
    def to(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}"
    return (to(paged.previous_page_number) if paged.has_previous else "",
            to(paged.next_page_number) if paged.has_next else "")


@login_required
@require_http_methods(["GET", "POST"])
def ask_create(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """Ask this team for something, from one of the reader's own teams, routed by its boundaries in force."""
    access = core_permissions.reader_access(request.user, org_slug, team_slug)
    asking_teams = permissions.require_may_ask(access)
    team = access.team
    charter, boundaries = selectors.boundaries_in_force(team)
    today = timezone.localdate(timezone=team.zone)
    key = None
    if request.method == "GET":
        key = form_keys.key_in_address(request)
        if key is None:  # the empty form's key goes in its address, so a resubmit is known
            return form_keys.address_with_new_key(request)
    form = AskForm(request.POST if request.method == "POST" else None, asking_teams=asking_teams,
                   boundaries=boundaries, today=today, initial={"idempotency_key": key})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            asking_team = next(t for t in asking_teams if t.pk == data["asking_team"])
            try:
                ask = services.send_ask(
                    asker=request.user, asking_team=asking_team, receiving_team=team, kind=data["kind"],
                    title=data["title"], body=data["body"], boundary=data["boundary"], due_on=data["due_on"],
                    purpose_effect=data["purpose_effect"], metric_effect=data["metric_effect"],
                    idempotency_key=data["idempotency_key"])
            except services.AlreadyAsked as already:
                messages.info(request, str(already))
                return redirect(already.ask)
            except ActionRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Asked. {ask.route_in_words}")
                return redirect(ask)
    return render(request, "asks/ask_form.html", {"team": team, "access": access, "form": form,
                                                  "charter": charter}, status=status)


def _ask_and_access(request: HttpRequest, org_slug: str, team_slug: str, ask_id: int):
    """The ask (filed under its receiving team) and the reader's access to it; 404 unless they read it."""
    if not request.user.is_authenticated:
        raise Http404
    ask = get_object_or_404(selectors.asks_for_page(), pk=ask_id, receiving_team__slug=team_slug,
                            receiving_team__organisation__slug=org_slug)
    mine = core_permissions.memberships_of(request.user)
    return ask, permissions.ask_access(request.user, ask, memberships=mine), mine


def _page(request, access, mine, *, answer_form=None, comment_form=None, status=200) -> HttpResponse:
    page = selectors.ask_page(access)
    ask = access.ask
    if answer_form is None and access.may_answer:
        answer_form = AnswerForm()
    if comment_form is None and access.may_comment:
        comment_form = CommentForm()
    # The header's team tabs are those of the reader's own side of the request.
    side = TeamAccess(team=ask.receiving_team if access.receiving else ask.asking_team, user=request.user,
                      membership=access.receiving or access.asking, memberships_of_user=tuple(mine))
    return render(request, "asks/ask_detail.html", {
        "ask": ask, "page": page, "ask_access": access, "access": side, "team": side.team,
        "answer_form": answer_form, "comment_form": comment_form,
    }, status=status)


@login_required
@require_GET
def ask_detail(request: HttpRequest, org_slug: str, team_slug: str, ask_id: int) -> HttpResponse:
    _ask, access, mine = _ask_and_access(request, org_slug, team_slug, ask_id)
    return _page(request, access, mine)


@login_required
@require_POST
def ask_answer(request: HttpRequest, org_slug: str, team_slug: str, ask_id: int) -> HttpResponse:
    """The receiving team's leaders answer; a second answer (another leader's, at once) is refused as typed."""
    ask, access, mine = _ask_and_access(request, org_slug, team_slug, ask_id)
    access.require_answer()
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _page(request, access, mine, answer_form=form, status=400)
    try:
        services.answer_ask(ask=ask, actor=request.user, state=form.cleaned_data["state"],
                            answer=form.cleaned_data["answer"])
    except ActionRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, access, mine, answer_form=form, status=409)
    messages.success(request, f"Answered. {ask.asked_by.name if ask.asked_by else 'The asker'} is told.")
    return redirect(ask)


@login_required
@require_POST
def ask_comment(request: HttpRequest, org_slug: str, team_slug: str, ask_id: int) -> HttpResponse:
    """Consultation input on the ask, from either team; refused in place (text kept) once it is closed."""
    ask, access, mine = _ask_and_access(request, org_slug, team_slug, ask_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _page(request, access, mine, comment_form=form, status=400)
    try:
        comment = services.add_comment(ask=ask, author=request.user, body=form.cleaned_data["body"])
    except ActionRefused as exc:
        form.add_error(None, str(exc))
        return _page(request, access, mine, comment_form=form, status=409)
    messages.success(request, "Added.")
    return redirect(comment)


@login_required
@require_POST
def ask_withdraw(request: HttpRequest, org_slug: str, team_slug: str, ask_id: int) -> HttpResponse:
    """The asker takes the request back, after confirming."""
    ask, access, mine = _ask_and_access(request, org_slug, team_slug, ask_id)
    if not access.is_asker:
        raise PermissionDenied("Only who asked may withdraw the request.")
    if question := confirm.ask(request, question=f"Withdraw “{ask.title}”?", yes="Yes, withdraw it",
                               back=ask.get_absolute_url(),
                               consequences=[f"{ask.receiving_team.name}'s leaders are told nothing more is asked.",
                                             "The request stays listed as withdrawn; it cannot be reopened."]):
        return question
    try:
        services.withdraw_ask(ask=ask, actor=request.user)
    except ActionRefused as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, "Withdrawn.")
    return redirect(reverse("asks:list", args=[ask.asking_team.organisation.slug, ask.asking_team.slug]))
