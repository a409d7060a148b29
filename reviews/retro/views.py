"""Retrospective pages: the team's sessions, one session live for everyone, its summary and exports.

Every action is a plain form post that redirects back to the session (no JavaScript needed);
with htmx the same post answers with the session's `#board` partial, which also polls the
live endpoint every two seconds. A refusal (the phase moved on, the card is someone else's)
re-renders the page or the board with status 400 and what was typed kept in its form.

Each view names the capability it needs: a post to a session is decorated with
`@session_post(Capability.RUN_RETRO)` or `@session_post(Capability.TAKE_PART_IN_RETRO)`, a page
asks `team_access(..., Capability.READ_TEAM)`; either answers 404 outside the team and 403 without
the capability. Whether the session's phase allows the action is the services' question, asked
under the session's lock. A view that takes a form hands it to `_act` with what it belongs to
(`of=` a prompt, a theme or a card), so that a refusal draws that very form again in its place.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from copy import copy
from dataclasses import astuple, dataclass, replace
from functools import cached_property, partial, wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap

from alignment import confirm, fragments, permissions
from alignment.drawn_alike import PartsAlike
from alignment.drawn_once import drawn_once
from alignment.errors import ActionRefused
from alignment.htmx import HtmxHttpRequest
from alignment.permissions import Capability, TeamAccess
from alignment.templatetags.fragments import FORM_TOKEN_PLACEHOLDER, TOKEN_PLACEHOLDER, with_tokens
from charters.models import NonNegotiable
from reviews.retro import live as live_board
from reviews.retro import quiet, selectors, services
from reviews.retro.forms import (
    ActionForm,
    AdvanceForm,
    CardEditForm,
    CardForm,
    GroupForm,
    MoveCardForm,
    NoteForm,
    PromptForm,
    RatingForm,
    RenameThemeForm,
    ReviewActionForm,
    SettingsForm,
    StartForm,
    TemplateForm,
    TimerForm,
    VoteForm,
)
from reviews.retro.models import RetroAction
from reviews.templatetags.live_board import own_parts

SESSION = "reviews/retro/session.html"


class Session:
    """One session as a reader who may act on it finds it: their access to the team, and the session's page.

    The page is read when first asked for (404 when the team has no such session): a post the service
    refuses or that is answered with the fresh board has no use for the page as it was before the write,
    and a session that does not exist is refused by the service and then found missing (404) all the same.
    """

    def __init__(self, access: TeamAccess, retro_id: int, page: selectors.SessionPage | None = None):
        self.access, self.pk = access, retro_id
        if page is not None:
            self.page = page

    @cached_property
    def page(self) -> selectors.SessionPage:
        return _page(self.access, self.pk)

    @property
    def team(self):
        return self.access.team


def session_post(capability: Capability):
    """A post that changes one session, for people who hold `capability`.

    Logged in and POST only; 404 for someone outside the team (or a session of another team), 403
    without the capability. The view receives the reader's `Session` in place of the team's slugs and
    the session's id; the URL's other arguments (a prompt, a card, a theme) follow as they are.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @require_POST
        @wraps(view)
        def checked(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int,
                    **kwargs) -> HttpResponse:
            return view(request, _session(request, org_slug, team_slug, retro_id, capability), **kwargs)

        return checked

    return decorate


# The team's sessions ------------------------------------------------------------------------------

@login_required
@require_GET
def retrospectives(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    page = selectors.retrospectives_page(access)
    return render(request, "reviews/retro/retrospective_list.html", {
        "team": access.team, "access": access, "page": page, "start_form": StartForm(templates=page.templates),
    })


@login_required
@require_POST
def start(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.RUN_RETRO)
    page = selectors.retrospectives_page(access)
    form = StartForm(request.POST, templates=page.templates)
    if form.is_valid():
        try:
            retro = services.start_retrospective(team=access.team, actor=request.user,
                                                 template_id=form.cleaned_data["template"])
        except ActionRefused as exc:
            form.add_error(None, str(exc))
        else:
            if retro.is_setup:
                messages.success(request, "The retrospective is ready. Choose anonymity and the prompts, then start it.")
            else:
                messages.info(request, "This cycle's retrospective is already running: here it is.")
            return redirect(retro.get_absolute_url())
    return render(request, "reviews/retro/retrospective_list.html", {
        "team": access.team, "access": access, "page": page, "start_form": form,
    }, status=400)


# One session ------------------------------------------------------------------------------------

@login_required
@require_GET
def retrospective(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    session = _session(request, org_slug, team_slug, retro_id, Capability.READ_TEAM)
    _attach_forms(session.page)
    return _render(request, session)


@login_required
@require_GET
def live(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    """What changed since the board the page shows (`?v=` its version, `&b=` its digests, `&s=` when it was drawn).

    Nothing: 204 and no body, after one query that reads the version for a member of the team only
    (404 for anyone else, signed-out people are sent to log in); a board drawn more than
    `live.RECHECK_SECONDS` ago is drawn again and compared, for what changed outside the session.
    htmx's configuration (templates/base.html) swaps nothing on a 204; a 304 would need the browser to
    keep the board, which signed-in pages forbid (`Cache-Control: no-store`), and a 304 to a script is
    handed to it as the kept 200, swapped in again.
    Something: the regions of the board that changed, out of band (`reviews.retro.live`), or the whole
    board when its skeleton changed (another phase, a prompt or theme added).
    """
    version = quiet.version_read(request, org_slug, team_slug, retro_id)
    if version is None:
        version = selectors.live_version(request.user, org_slug, team_slug, retro_id)
    if version is None:
        raise Http404("No such retrospective")
    if live_board.nothing_new(request.GET, version, timezone.now().timestamp()):
        return HttpResponse(status=204)
    session = _session(request, org_slug, team_slug, retro_id, Capability.READ_TEAM)
    if not request.htmx:
        return redirect(session.page.urls["retrospective"])
    _attach_forms(session.page)
    board = _draw(request, session, board_only=True)
    changed = board.changed_since(request.GET.get("b", ""))
    if changed is None:
        return HttpResponse(board.html)
    return reswap(HttpResponse("".join(region.out_of_band() for region in changed)), "none")


# Running it

@session_post(Capability.RUN_RETRO)
def update_settings(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    # Validating copies the typed values onto the instance: give it a copy, so the page keeps what is saved.
    form = SettingsForm(request.POST, instance=copy(session.page.retro), may=session.page.may)
    return _act(request, session, form, lambda data: services.update_settings(
        retrospective_id=session.pk, team=session.team, actor=request.user, is_anonymous=data["is_anonymous"],
        hide_text_while_collecting=data["hide_text_while_collecting"], votes_per_person=data["votes_per_person"],
    ), done="Settings saved.", anchor="settings")


@session_post(Capability.RUN_RETRO)
def add_prompt(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    return _act(request, session, PromptForm(request.POST), lambda data: services.add_prompt(
        retrospective_id=session.pk, team=session.team, actor=request.user, text=data["text"]),
        done="Prompt added.", anchor="prompts")


@session_post(Capability.RUN_RETRO)
def remove_prompt(request: HtmxHttpRequest, session: Session, prompt_id: int) -> HttpResponse:
    text = next((view.prompt.text for view in session.page.prompts if view.prompt.pk == prompt_id), None)
    # Asked only about a prompt that is there; one removed meanwhile is the service's refusal, in words.
    if text is not None and (question := confirm.ask(
            request, question=f"Remove the prompt “{text}”?", yes="Yes, remove the prompt", access=session.access,
            back=session.page.urls["retrospective"] + "#prompts",
            consequences=["Cards written under it are deleted with it."])):
        return question
    return _act(request, session, None, lambda data: services.remove_prompt(
        retrospective_id=session.pk, team=session.team, actor=request.user, prompt_id=prompt_id),
        done="Prompt removed.", anchor="prompts")


@session_post(Capability.RUN_RETRO)
def move_prompt(request: HtmxHttpRequest, session: Session, prompt_id: int) -> HttpResponse:
    direction = "up" if request.POST.get("direction") == "up" else "down"
    return _act(request, session, None, lambda data: services.move_prompt(
        retrospective_id=session.pk, team=session.team, actor=request.user, prompt_id=prompt_id,
        direction=direction), done="Prompt moved.", anchor=f"prompt-{prompt_id}")


@session_post(Capability.RUN_RETRO)
def save_template(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    return _act(request, session, TemplateForm(request.POST), lambda data: services.save_template(
        retrospective_id=session.pk, team=session.team, actor=request.user, name=data["name"]),
        done="Template saved: the team's next retrospective can start from it.", anchor="prompts")


@session_post(Capability.RUN_RETRO)
def advance(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    def move(data):
        moved = services.advance_phase(retrospective_id=session.pk, team=session.team, actor=request.user,
                                       expected_phase=data["expected_phase"])
        return f"The session is now at “{moved.get_phase_display()}”."

    return _act(request, session, AdvanceForm(request.POST), move, anchor="phase")


@session_post(Capability.RUN_RETRO)
def review_action(request: HtmxHttpRequest, session: Session, action_id: int) -> HttpResponse:
    return _act(request, session, ReviewActionForm(request.POST), lambda data: services.review_action(
        retrospective_id=session.pk, team=session.team, actor=request.user, action_id=action_id,
        review=data["review"]), done="Marked.", anchor=f"last-action-{action_id}")


# Cards and ratings

@session_post(Capability.TAKE_PART_IN_RETRO)
def add_card(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    prompt = request.POST.get("prompt", "")
    prompt_id = int(prompt) if prompt.isdigit() else None
    form = CardForm(request.POST, prompt_id=prompt_id)
    return _act(request, session, form, lambda data: services.add_card(
        retrospective_id=session.pk, team=session.team, author=request.user, prompt_id=data["prompt"],
        text=data["text"], token=data["token"]), of=prompt_id, done="Card added.", anchor=f"prompt-{prompt}")


@login_required
@require_http_methods(["GET", "POST"])
def edit_card(request: HttpRequest, org_slug: str, team_slug: str, retro_id: int, card_key: str) -> HttpResponse:
    """A person's own card, changed or taken back while collecting; anyone else's is not found."""
    session = _session(request, org_slug, team_slug, retro_id, Capability.TAKE_PART_IN_RETRO)
    page = session.page
    card = next((c for view in page.prompts for c in view.cards if c.key == card_key and c.is_mine), None)
    if card is None:
        raise Http404("No card of yours by that name")
    form = CardEditForm(request.POST or None, card_key=card_key, initial={"text": card.text})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_card(retrospective_id=session.pk, team=session.team, author=request.user,
                                   card_key=card_key, text=form.cleaned_data["text"])
            except ActionRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Card changed.")
                return redirect(page.urls["retrospective"] + f"#prompt-{card.prompt_id}")
        status = 400
    return render(request, "reviews/retro/card_form.html", {
        "team": session.team, "access": session.access, "page": page, "card": card, "form": form,
    }, status=status)


@session_post(Capability.TAKE_PART_IN_RETRO)
def delete_card(request: HtmxHttpRequest, session: Session, card_key: str) -> HttpResponse:
    mine = any(card.key == card_key and card.is_mine for card in session.page.cards)
    # Someone else's card (or one gone meanwhile) is the service's refusal, in words: nothing to ask.
    if mine and (question := confirm.ask(request, question="Take back your card?", yes="Yes, take it back",
                                         access=session.access, back=session.page.urls["retrospective"] + "#prompts",
                                         consequences=["It leaves the board and its words are deleted."])):
        return question
    return _act(request, session, None, lambda data: services.delete_card(
        retrospective_id=session.pk, team=session.team, author=request.user, card_key=card_key),
        done="Card taken back.", anchor="prompts")


@session_post(Capability.TAKE_PART_IN_RETRO)
def rate(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    form = RatingForm(request.POST, non_negotiables=_asked_non_negotiables(session.page))
    return _act(request, session, form, lambda data: services.rate_non_negotiables(
        retrospective_id=session.pk, team=session.team, participant=request.user, ratings=form.ratings()),
        done="Ratings saved.", anchor="ratings")


# Grouping

@session_post(Capability.TAKE_PART_IN_RETRO)
def group(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    page = session.page
    form = GroupForm(request.POST, cards=[card for view in page.prompts for card in view.cards],
                     themes=_themes(page))
    return _act(request, session, form, lambda data: services.group_cards(
        retrospective_id=session.pk, team=session.team, actor=request.user, card_keys=data["cards"],
        theme_name=data["name"], theme_id=data["theme"]), done="Cards grouped.", anchor="themes")


@session_post(Capability.TAKE_PART_IN_RETRO)
def move_card(request: HtmxHttpRequest, session: Session, card_key: str) -> HttpResponse:
    form = MoveCardForm(request.POST, card_key=card_key, themes=_themes(session.page))
    return _act(request, session, form, lambda data: services.move_card(
        retrospective_id=session.pk, team=session.team, actor=request.user, card_key=card_key,
        theme_id=data["theme"], theme_name=data["name"]), of=card_key, done="Card moved.", anchor="themes")


@session_post(Capability.TAKE_PART_IN_RETRO)
def rename_theme(request: HtmxHttpRequest, session: Session, theme_id: int) -> HttpResponse:
    form = RenameThemeForm(request.POST, theme_id=theme_id)
    return _act(request, session, form, lambda data: services.rename_theme(
        retrospective_id=session.pk, team=session.team, actor=request.user, theme_id=theme_id, name=data["name"]),
        of=theme_id, done="Theme renamed.", anchor=f"theme-{theme_id}")


# Voting and discussing

@session_post(Capability.TAKE_PART_IN_RETRO)
def vote(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    def cast(data):
        if data["vote"] == "remove":
            services.withdraw_vote(retrospective_id=session.pk, team=session.team, voter=request.user,
                                   theme_id=data["theme"])
            return "Vote taken back."
        services.cast_vote(retrospective_id=session.pk, team=session.team, voter=request.user,
                           theme_id=data["theme"])
        return "Vote cast."

    anchor = f"theme-{request.POST.get('theme', '')}"
    return _act(request, session, VoteForm(request.POST), cast, anchor=anchor)


@session_post(Capability.RUN_RETRO)
def timer(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    def run(data):
        common = {"retrospective_id": session.pk, "team": session.team, "actor": request.user}
        if data["timer"] == "stop":
            services.stop_timer(**common)
            return "Timer stopped."
        if data["timer"] == "add":
            services.add_time(**common, minutes=data["minutes"] or 2)
            return "More time on the clock."
        if not data["theme"]:
            raise ActionRefused("Choose the theme to discuss.")
        services.start_timer(**common, theme_id=data["theme"], minutes=data["minutes"] or 5)
        return "Timer started."

    return _act(request, session, TimerForm(request.POST), run, anchor="timer")


@session_post(Capability.TAKE_PART_IN_RETRO)
def add_note(request: HtmxHttpRequest, session: Session, theme_id: int) -> HttpResponse:
    form = NoteForm(request.POST, theme_id=theme_id)
    return _act(request, session, form, lambda data: services.add_note(
        retrospective_id=session.pk, team=session.team, author=request.user, theme_id=theme_id, text=data["text"],
        token=data["token"]), of=theme_id, done="Note added.", anchor=f"theme-{theme_id}")


@session_post(Capability.RUN_RETRO)
def add_action(request: HtmxHttpRequest, session: Session) -> HttpResponse:
    form = ActionForm(request.POST, people=session.page.people, themes=_themes(session.page))

    def agree(data):
        action = services.add_action(
            retrospective_id=session.pk, team=session.team, actor=request.user, kind=data["kind"],
            title=data["title"], owner=data["owner"], due_on=data["due_on"], token=data["token"],
            standard=data["standard"], proposed_change=data["proposed_change"], section=data["section"],
            theme_id=data["theme"])
        if action.is_amendment:
            return (f"Amendment noted in charter version {action.amendment_charter.number}, for the leader to "
                    "take forward.")
        asked = "" if action.owner_id == request.user.pk else f" {action.owner.name} is asked to accept it."
        return f"Commitment created for the next cycle.{asked}"

    return _act(request, session, form, agree, anchor="actions")


# Summary and exports --------------------------------------------------------------------------------

@login_required
@require_GET
def summary(request: HttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    page = _summary(access, retro_id)
    return render(request, "reviews/retro/summary.html", {"team": access.team, "access": access, "page": page})


@login_required
@require_GET
def export_markdown(request: HttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    page = _summary(access, retro_id)
    text = render_to_string("reviews/retro/summary.md", {"team": access.team, "page": page}, request=None)
    return _download(text, "text/markdown", _filename(page, "md"))


@login_required
@require_GET
def export_csv(request: HttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    """One table of everything the session produced, one row per item, its kind in the first column.

    Cards carry no author in an anonymous session; votes are counted per theme, never per voter.
    Every cell goes through `safe_cell`: prompts, themes and people's names are typed by people too.
    """
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    page = _summary(access, retro_id)
    out = io.StringIO()
    writer = csv.writer(out)

    def row(*cells) -> None:
        writer.writerow([safe_cell(cell) for cell in cells])

    row("record", "prompt or theme", "text", "author or owner", "votes", "detail", "due", "state")
    prompts = {view.prompt.pk: view.prompt.text for view in page.prompts}
    themes = {view.theme.pk: view.theme.name for view in page.themes}
    for view in page.prompts:
        for card in view.cards:
            row("card", prompts.get(card.prompt_id, ""), card.text, card.author_name, "",
                themes.get(card.theme_id, ""), "", "")
    for view in page.themes:
        row("theme", view.theme.name, "", "", "" if view.votes is None else view.votes, f"{len(view.cards)} cards",
            "", "")
        for note in view.notes:
            row("note", view.theme.name, note.text, "", "", "", "", "")
    for view in page.non_negotiable_prompts:
        tally = view.tally
        if tally is not None:
            for rating, count in (("held", tally.held), ("strained", tally.strained), ("broken", tally.broken)):
                row("rating", view.prompt.non_negotiable.title, rating, "", "", str(count), "", "")
    for action in page.actions:
        row("action", action.theme.name if action.theme else "", action.title,
            action.owner.name if action.owner else "", "", action.standard or action.proposed_change,
            action.due_on.isoformat(), action.get_kind_display())
    for action in page.reviewed:
        row("last action", "", action.title, action.owner.name if action.owner else "", "", "",
            action.due_on.isoformat(), action.get_review_display() or "not reviewed")
    for person in page.participation:
        row("participation", "", "", person.name, person.votes,
            f"{person.ratings} ratings" + ("" if person.cards is None else f", {person.cards} cards"), "", "")
    return _download(out.getvalue(), "text/csv", _filename(page, "csv"))


# What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection"): a tab or a carriage
# return first is skipped by some spreadsheets, which then read the formula behind it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A CSV cell a spreadsheet shows as text and never runs: text that could start a formula gets a `'`.

    Numbers and other values pass unchanged; they are data, whatever their sign.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _filename(page: selectors.SummaryPage, extension: str) -> str:
    return f"{page.retro.team.slug}-cycle-{page.retro.cycle.number}-retrospective.{extension}"


def _download(text: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Helpers ----------------------------------------------------------------------------------------

def _session(request: HttpRequest, org_slug: str, team_slug: str, retro_id: int, capability: Capability) -> Session:
    """The reader's access (404 outside the team, 403 without `capability`) and the session's page (404)."""
    access = permissions.team_access(request.user, org_slug, team_slug, capability)
    return Session(access, retro_id)


def _page(access: TeamAccess, retro_id: int) -> selectors.SessionPage:
    page = selectors.session_page(access, retro_id)
    if page is None:
        raise Http404("No such retrospective")
    return page


def _summary(access: TeamAccess, retro_id: int) -> selectors.SummaryPage:
    page = selectors.summary_page(access, retro_id)  # small counts read "fewer than 3" (`RatingTally.as_shown`)
    if page is None:
        raise Http404("No such retrospective")
    return page


def _themes(page: selectors.SessionPage) -> list:
    return [view.theme for view in page.themes]


def _asked_non_negotiables(page: selectors.SessionPage) -> list:
    return [view.prompt.non_negotiable for view in page.non_negotiable_prompts]


@dataclass(frozen=True)
class Sent:
    """A form someone sent from the board, and the prompt, theme or card it belongs to (None: the session's own)."""

    form: forms.Form
    of: int | str | None = None


def _act(request: HtmxHttpRequest, session: Session, form: forms.Form | None, action, *,
         of: int | str | None = None, done: str = "", anchor: str = "") -> HttpResponse:
    """Validate `form`, run `action(cleaned_data)` (it may return the message to show), and answer.

    Success: a redirect back to the session (or, with htmx, the fresh board, where the form just sent
    comes back empty). Refused: the page or the board again, status 400, with the form as typed and the
    reason in words (`_refused`).
    """
    sent = Sent(form, of) if form is not None else None
    if form is not None and not form.is_valid():
        return _refused(request, session, sent, _first_error(form))
    try:
        said = action(form.cleaned_data if form is not None else {})
    except ActionRefused as exc:
        # The page as it is now: the phase may have moved on, and the form with it.
        return _refused(request, _fresh(session), sent, str(exc), in_form=True)
    message = said if isinstance(said, str) else done
    if request.htmx:
        fresh = _fresh(session)
        _attach_forms(fresh.page, sent, saved=True)
        return _render(request, fresh, notice=message)
    messages.success(request, message)
    return redirect(session.page.urls["retrospective"] + (f"#{anchor}" if anchor else ""))


def _fresh(session: Session) -> Session:
    """The session re-read after a write (or a refusal): what everyone's next poll will show."""
    return Session(session.access, session.pk, _page(session.access, session.pk))


def _refused(request: HtmxHttpRequest, session: Session, sent: Sent | None, reason: str, *,
             in_form: bool = False) -> HttpResponse:
    """The page or the board again, status 400. Where the board draws the sent form, the form says why
    (`in_form`: a refusal of the service, added to the form's own errors); where it no longer does (the
    phase moved on), the reason is said above the board, with what was typed to copy."""
    if _attach_forms(session.page, sent):
        if in_form:
            sent.form.add_error(None, reason)
        return _render(request, session, status=400)
    return _render(request, session, status=400, error=reason, kept=_typed(sent.form) if sent is not None else "")


def _typed(form) -> str:
    """What the person typed in a form the board no longer shows, so they can copy it."""
    return str(form.data.get("text", "")).strip()


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return "Check the form and try again."


def _render(request: HtmxHttpRequest, session: Session, *, status: int = 200, notice: str = "", error: str = "",
            kept: str = "") -> HttpResponse:
    """The session's page, or with htmx its `#board` alone; its forms attached first (`_attach_forms`)."""
    board = _draw(request, session, board_only=request.htmx, notice=notice, error=error, kept=kept)
    return HttpResponse(board.html, status=status)


def _draw(request: HttpRequest, session: Session, *, board_only: bool, notice: str = "", error: str = "",
          kept: str = "") -> live_board.DrawnBoard:
    """The page or its board for this reader, with the parts everyone else reads alike taken as kept: the board
    as everyone with the reader's permissions reads this version of it, with the reader's own parts drawn in
    (`_shared_board`), unless it shows what the reader just sent and was refused or saved (drawn for them alone).
    Every form on it gets this reader's CSRF token and a token of its own for this reading (`with_tokens`)."""
    page = session.page
    _share_card_forms(page)  # the forms are the reader's own parts, blank as kept for everyone
    _share_note_forms(page)
    context = {
        "team": session.team, "access": session.access, "page": page, "retro": page.retro, "may": page.may,
        "notice": notice, "error": error, "kept": kept, "live_regions": True, "live_digests": live_board.DIGESTS,
        "live_drawn_at": live_board.DRAWN_AT,
    }
    if _shareable(page, error=error, kept=kept):
        context["board_html"] = _shared_board(page, session.team, notice)
    else:
        _share_cards(page)
        _share_move_rows(page)
    if board_only and "board_html" in context:
        drawn = context["board_html"]
    else:
        drawn = render_to_string(f"{SESSION}#board" if board_only else SESSION, context, request)
    return live_board.read(with_tokens(drawn, get_token(request)), timezone.now().timestamp())


def _shareable(page: selectors.SessionPage, *, error: str, kept: str) -> bool:
    """Whether this reader's board is the one everyone with their permissions reads, but for their own parts: not
    when it says why what they sent was refused, nor when it draws a form they just sent outside their own parts."""
    return not (error or kept or page.drawn_alone)


def _shared_board(page: selectors.SessionPage, team, notice: str) -> str:
    """The board as everyone with the reader's permissions reads this version of it, kept for them all (every
    form with the placeholders `with_tokens` fills), and the reader's own parts drawn into it (`{% own %}`)."""
    def draw() -> str:
        _share_move_rows(page)  # in the board as everyone who may group reads them
        return render_to_string(f"{SESSION}#board", {
            "team": team, "page": page, "retro": page.retro, "may": page.may, "notice": "", "error": "", "kept": "",
            "live_regions": True, "live_digests": live_board.DIGESTS, "live_drawn_at": live_board.DRAWN_AT,
            "board_for_all": True,
            "csrf_token": TOKEN_PLACEHOLDER, "alike": {"card": _cards_as_others_see_them(page, page.cards)}})

    board = fragments.shared("retro-board", (page.retro.pk, astuple(page.may), selectors.board_version(page, team)),
                             draw, timeout=BOARD_KEPT_FOR)
    drawing = get_template(SESSION).template
    parts = own_parts(drawing)
    context = Context({"team": team, "page": page, "retro": page.retro, "may": page.may, "notice": notice,
                       "csrf_token": TOKEN_PLACEHOLDER})
    cards = {card.key: card for card in page.cards}
    prompts = {str(view.prompt.pk): view for view in page.prompts}
    themes = {str(view.theme.pk): view for view in page.themes}

    def draw_own(name: str, what: str, alike: str) -> str:
        if name == "card":
            if not cards[what].is_mine:  # someone else's, as everyone but its author reads it, kept in the board
                return alike
            scope = {"card": cards[what]}
        else:
            scope = {"view": prompts[what]} if name in PROMPT_PARTS else {"view": themes[what]} \
                if name in THEME_PARTS else {}
        with context.push(scope):
            return parts[name].nodelist.render(context)

    with context.render_context.push_state(drawing), context.bind_template(drawing):
        return mark_safe(live_board.fill_own(board, draw_own))  # noqa: S308 — our own templates, escaped there


# How long a version of the board is kept unread: its readers poll every few seconds, and the next change makes
# another version, so it needs minutes, not the week other parts are kept (a busy session draws hundreds).
BOARD_KEPT_FOR = 10 * 60
# The reader's own parts of the board (`{% own %}`) drawn for a prompt, and for a theme, by its id.
PROMPT_PARTS = ("rating", "card-form")
THEME_PARTS = ("my-votes", "vote-form", "note-form")


def _share_cards(page: selectors.SessionPage) -> None:
    """Give each card that is not the reader's own its drawing as everyone but its author sees it, for a board
    drawn for its reader alone. The reader's own cards are drawn for them alone, around these."""
    drawn = _cards_as_others_see_them(page, [card for card in page.cards if not card.is_mine])
    for card in page.cards:
        if not card.is_mine:
            card.shared = drawn[card.key]


def _cards_as_others_see_them(page: selectors.SessionPage, cards: list) -> dict[str, str]:
    """Each of `cards` drawn as everyone but its author sees it, by key, kept per card under what it draws
    (`CardView.drawn_for_others`): one cache round trip for the board, and only new or changed cards drawn."""
    seen = {card.key: card.as_others_see_it(page.retro) for card in cards}
    if not seen:
        return {}
    return fragments.shared_many(
        "retro-card", {key: (page.retro.pk, *card.drawn_for_others) for key, card in seen.items()},
        lambda keys: {key: render_to_string(f"{SESSION}#card", {"card": seen[key]}) for key in keys})


# A prompt no session has, standing for each prompt in the session's one kept blank card form while it is drawn.
PROMPT_SLOT = 2_147_480_001
PROMPT_TEXT_SLOT = "__text-of-the-prompt__"


def _share_card_forms(page: selectors.SessionPage) -> None:
    """Draw each prompt's blank card form from the session's kept one (the same for everyone who may write
    cards, drawn once for all its prompts: each is given its prompt); a form just sent is drawn as sent."""
    views = [view for view in page.prompts if page.may.add_cards and view.form is None]
    if not views:
        return
    add_url = page.urls["retro_card_add"]

    def draw() -> str:
        form = CardForm(prompt_id=PROMPT_SLOT, initial={"token": FORM_TOKEN_PLACEHOLDER})
        _preserved_while_typing(form)
        return render_to_string(f"{SESSION}#card-form", {
            "form": form, "csrf_token": TOKEN_PLACEHOLDER, "page": {"urls": {"retro_card_add": add_url}},
            "view": {"prompt": {"text": PROMPT_TEXT_SLOT}}})

    blank = fragments.shared("retro-card-form", (add_url,), draw)
    for view in views:  # each form given its tokens with the board's (a token is what makes a card count once)
        html = blank.replace(str(PROMPT_SLOT), str(view.prompt.pk))
        view.form_html = mark_safe(html.replace(PROMPT_TEXT_SLOT, conditional_escape(view.prompt.text)))  # noqa: S308


def _share_note_forms(page: selectors.SessionPage) -> None:
    """Draw each theme's blank note form from the kept one (the same for everyone who may take notes); a form
    just sent is drawn as sent."""
    views = {view.theme.pk: view for view in page.themes if page.may.note and view.note_form is None}

    def draw(pk: int) -> str:
        form = NoteForm(theme_id=pk, initial={"token": FORM_TOKEN_PLACEHOLDER})
        _preserved_while_typing(form)
        view = views[pk]
        return render_to_string(f"{SESSION}#note-form", {
            "form": form, "csrf_token": TOKEN_PLACEHOLDER,
            "view": {"urls": {"retro_note_add": view.urls["retro_note_add"]}, "theme": {"name": view.theme.name}}})

    kept = _blank_forms("retro-note-form", {pk: (view.urls["retro_note_add"], pk, view.theme.name)
                                                     for pk, view in views.items()}, draw)
    for pk, view in views.items():
        view.note_form_html = kept[pk]


def _blank_forms(name: str, versions: dict, draw: Callable[[object], str]) -> dict:
    """Blank forms as kept for everyone who may send them (`draw(key)` draws one with the placeholders), which
    the board's reading fills with its reader's CSRF token and a token of its own for each form (`_draw`), so
    that what it sends counts once."""
    if not versions:
        return {}
    return fragments.shared_many(name, versions, lambda keys: {key: draw(key) for key in keys})


@dataclass
class MoveRow:
    """A card of a theme while grouping, with its "move to…" form: drawn alike for everyone who may group
    (`shared`), except the form someone just sent, drawn as sent (`form`)."""

    card: selectors.CardView
    form: forms.Form | None = None
    shared: str = ""


def _share_move_rows(page: selectors.SessionPage) -> None:
    """Draw the grouping rows nobody just sent from the kept ones: a row draws its card (every card's words
    show once collecting ended) and a form offering the session's themes, nothing of its reader."""
    rows = {row.card.key: row for view in page.themes for row in view.card_rows if row.form is None}
    themes = fragments.digest((view.theme.pk, view.theme.name) for view in page.themes)

    def draw(key: str) -> str:
        card = replace(rows[key].card, is_mine=False, edit_url="", delete_url="", shared="")
        return render_to_string(f"{SESSION}#move-row", {"row": MoveRow(
            card, MoveCardForm(card_key=key, themes=_themes(page))), "csrf_token": TOKEN_PLACEHOLDER})

    kept = _blank_forms("retro-move-row", {key: (
        page.retro.pk, row.card.key, row.card.text, row.card.prompt_text, row.card.author_name, row.card.move_url,
        themes) for key, row in rows.items()}, draw)
    for key, row in rows.items():
        row.shared = kept[key]


def _attach_forms(page: selectors.SessionPage, sent: Sent | None = None, *, saved: bool = False) -> bool:
    """Give the board the forms it draws for this reader now, each where their permissions (`page.may`) draw it.

    The form just sent stands in its own place: as sent (what was typed, and why it was refused), or
    fresh once it was saved. Every other form is fresh, and those people type into keep what is being
    typed while the live board is swapped around them (hx-preserve, by their ids); the one just sent
    does not, so that the answer's copy replaces it, emptied once saved. Returns whether the board draws
    the sent form: a refusal of one it no longer draws is said above the board instead.
    """
    may = page.may
    themes = _themes(page)
    drawn = False

    def place(form_class: type[forms.Form], make: Callable[[], forms.Form], of: int | str | None = None, *,
              keeps_typing: bool = False) -> forms.Form:
        nonlocal drawn
        if sent is not None and type(sent.form) is form_class and sent.of == of:
            drawn = True
            return make() if saved else sent.form
        fresh = make()
        if keeps_typing:
            _preserved_while_typing(fresh)
        return fresh

    def sent_here(form_class: type[forms.Form], make: Callable[[], forms.Form], of: int | str) -> forms.Form | None:
        """The form just sent, where it stands (as sent, or fresh once saved); None for every other."""
        nonlocal drawn
        if sent is not None and type(sent.form) is form_class and sent.of == of:
            drawn = True
            return make() if saved else sent.form
        return None

    page.forms = {}
    if page.in_setup and may.run:
        page.forms["settings"] = place(SettingsForm, lambda: SettingsForm(instance=page.retro, may=may))
    if may.edit_prompts:
        page.forms["prompt"] = place(PromptForm, PromptForm, keeps_typing=True)
        page.forms["template"] = place(TemplateForm, TemplateForm)
    if may.add_cards:
        # Blank, each prompt's card form is drawn alike for everyone who may write cards (`_share_card_forms`).
        for view in page.prompts:
            view.form = sent_here(CardForm, partial(CardForm, prompt_id=view.prompt.pk), view.prompt.pk)
    if may.rate and sent is not None and type(sent.form) is RatingForm:
        rating = place(RatingForm, lambda: RatingForm(non_negotiables=_asked_non_negotiables(page), initial={
            f"nn_{view.prompt.non_negotiable_id}": view.my_rating for view in page.non_negotiable_prompts}))
        for view in page.non_negotiable_prompts:
            view.rating_field = rating.field_for(view.prompt.non_negotiable_id)
    elif may.rate:  # blank, each rating written into the one drawing of its choice (`_blank_rating`)
        ratings = PartsAlike(lambda rating, **stand_ins: _blank_rating(rating, tuple(stand_ins.items())),
                             nn=NON_NEGOTIABLE_STAND_IN)
        for view in page.non_negotiable_prompts:
            view.rating_field = DrawnRating(ratings(view.my_rating, nn=view.prompt.non_negotiable_id))
    if may.group and page.lone_cards:
        page.forms["group"] = place(GroupForm, lambda: GroupForm(cards=page.lone_cards, themes=themes))
    for view in page.themes:
        pk = view.theme.pk
        if may.group:
            view.rename_form = place(RenameThemeForm, partial(RenameThemeForm, theme_id=pk,
                                                              initial={"name": view.theme.name}),
                                     pk, keeps_typing=True)
            # Each card of a theme with its "move to…" control, while grouping: drawn alike for everyone who
            # may group (`_share_move_rows`), but for the form just sent.
            view.card_rows = [MoveRow(card, sent_here(MoveCardForm, partial(MoveCardForm, card_key=card.key,
                                                                             themes=themes), card.key))
                              for card in view.cards]
        if may.note:  # blank, drawn alike for everyone who may take notes (`_share_note_forms`)
            view.note_form = sent_here(NoteForm, partial(NoteForm, theme_id=pk), pk)
    if may.add_actions:
        page.forms["action"] = place(ActionForm, lambda: ActionForm(people=page.people, themes=themes, initial={
            "due_on": page.retro.cycle.end_date, "kind": RetroAction.Kind.COMMITMENT, "token": FORM_TOKEN_PLACEHOLDER}),
            keeps_typing=True)
    # The form just sent is drawn for its sender alone, but where it is one of their own parts of the board.
    page.drawn_alone = drawn and type(sent.form) not in (CardForm, NoteForm, RatingForm)
    return drawn


# Stands for each non-negotiable's id in the drawing of a blank rating (`_blank_rating`): in its field's name and ids.
NON_NEGOTIABLE_STAND_IN = "_stand-in-non-negotiable_"


@dataclass(frozen=True)
class DrawnRating:
    """A blank rating's field as drawn, written where the board writes a rating form's field (no errors)."""

    html: str
    errors = ()

    def __html__(self) -> str:
        return self.html

    __str__ = __html__


@drawn_once(maxsize=8, of_code_alone=True)
def _blank_rating(rating: str, stand_ins: tuple[tuple[str, str], ...]) -> str:
    """A rating's field as `RatingForm` draws it, blank but for the reader's `rating` (none, held, strained or broken:
    its shape), for the stand-in non-negotiable: drawn once per process for each choice, rather than a form per reader
    (the live board draws one per non-negotiable for each reader, at every change). Every field of the form is drawn
    alike but for its name, which is the non-negotiable's id (`PartsAlike` writes it in)."""
    nn = dict(stand_ins)["nn"]
    form = RatingForm(non_negotiables=[NonNegotiable(pk=nn, title="")], initial={f"nn_{nn}": rating})
    return str(form.field_for(nn))


def _preserved_while_typing(form: forms.Form) -> None:
    """Keep what someone is typing in this form when the live board is swapped around it (htmx's hx-preserve)."""
    for field in form.fields.values():
        if not field.widget.is_hidden:
            field.widget.attrs["hx-preserve"] = "true"
