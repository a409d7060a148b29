"""Retrospective pages: the team's sessions, one session live for everyone, its summary and exports.

Every action is a plain form post that redirects back to the session (no JavaScript needed);
with htmx the same post answers with the session's `#board` partial, which also polls the
live endpoint every two seconds. A refusal (the phase moved on, the card is someone else's)
re-renders the page or the board with status 400 and what was typed kept in its form.
"""

from __future__ import annotations

import csv
import io
from copy import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from alignment import permissions
from alignment.errors import ActionRefused
from alignment.permissions import Capability, TeamAccess
from reviews import retro_selectors as selectors
from reviews import retro_services as services
from reviews.models import RetroAction
from reviews.retro_forms import (
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

SESSION = "reviews/retro/session.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


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
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    return _render(request, access, _page(access, retro_id))


@login_required
@require_GET
def live(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    """What changed since the version the page shows: 204 when nothing did (one query), else the board."""
    version = selectors.live_version(request.user, org_slug, team_slug, retro_id)
    if version is None:
        raise Http404("No such retrospective")
    if request.GET.get("v") == str(version):
        return HttpResponse(status=204)
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    page = _page(access, retro_id)
    if not request.htmx:
        return redirect(page.urls["retrospective"])
    return _render(request, access, page)


@login_required
@require_POST
def update_settings(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.RUN_RETRO)
    # Validating copies the typed values onto the instance: give it a copy, so the page keeps what is saved.
    form = SettingsForm(request.POST, instance=copy(page.retro), may=page.may)
    return _act(request, access, page, "settings", form, lambda data: services.update_settings(
        retrospective_id=retro_id, team=access.team, actor=request.user, is_anonymous=data["is_anonymous"],
        hide_text_while_collecting=data["hide_text_while_collecting"], votes_per_person=data["votes_per_person"],
    ), done="Settings saved.", anchor="settings")


@login_required
@require_POST
def add_prompt(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.RUN_RETRO)
    form = PromptForm(request.POST, auto_id=f"prompt-{len(page.prompts)}-%s")
    return _act(request, access, page, "prompt", form, lambda data: services.add_prompt(
        retrospective_id=retro_id, team=access.team, actor=request.user, text=data["text"]),
        done="Prompt added.", anchor="prompts")


@login_required
@require_POST
def remove_prompt(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int,
                  prompt_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.RUN_RETRO)
    return _act(request, access, page, "", None, lambda data: services.remove_prompt(
        retrospective_id=retro_id, team=access.team, actor=request.user, prompt_id=prompt_id),
        done="Prompt removed.", anchor="prompts")


@login_required
@require_POST
def move_prompt(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int,
                prompt_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.RUN_RETRO)
    direction = "up" if request.POST.get("direction") == "up" else "down"
    return _act(request, access, page, "", None, lambda data: services.move_prompt(
        retrospective_id=retro_id, team=access.team, actor=request.user, prompt_id=prompt_id, direction=direction),
        done="Prompt moved.", anchor=f"prompt-{prompt_id}")


@login_required
@require_POST
def save_template(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.RUN_RETRO)
    return _act(request, access, page, "template", TemplateForm(request.POST), lambda data: services.save_template(
        retrospective_id=retro_id, team=access.team, actor=request.user, name=data["name"]),
        done="Template saved: the team's next retrospective can start from it.", anchor="prompts")


@login_required
@require_POST
def advance(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.RUN_RETRO)

    def move(data):
        moved = services.advance_phase(retrospective_id=retro_id, team=access.team, actor=request.user,
                                       expected_phase=data["expected_phase"])
        return f"The session is now at “{moved.get_phase_display()}”."

    return _act(request, access, page, "advance", AdvanceForm(request.POST), move, anchor="phase")


@login_required
@require_POST
def review_action(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int,
                  action_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.RUN_RETRO)
    return _act(request, access, page, "", ReviewActionForm(request.POST), lambda data: services.review_action(
        retrospective_id=retro_id, team=access.team, actor=request.user, action_id=action_id,
        review=data["review"]), done="Marked.", anchor=f"last-action-{action_id}")


# Cards and ratings


@login_required
@require_POST
def add_card(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.TAKE_PART_IN_RETRO)
    prompt_id = request.POST.get("prompt", "")
    form = CardForm(request.POST, auto_id=_card_ids(page, int(prompt_id) if prompt_id.isdigit() else 0))
    return _act(request, access, page, f"card-{prompt_id}", form, lambda data: services.add_card(
        retrospective_id=retro_id, team=access.team, author=request.user, prompt_id=data["prompt"],
        text=data["text"], token=data["token"]), done="Card added.", anchor=f"prompt-{prompt_id}")


@login_required
@require_http_methods(["GET", "POST"])
def edit_card(request: HttpRequest, org_slug: str, team_slug: str, retro_id: int, card_key: str) -> HttpResponse:
    """A person's own card, changed or taken back while collecting; anyone else's is not found."""
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.TAKE_PART_IN_RETRO)
    page = _page(access, retro_id)
    card = next((c for view in page.prompts for c in view.cards if c.key == card_key and c.is_mine), None)
    if card is None:
        raise Http404("No card of yours by that name")
    form = CardEditForm(request.POST or None, initial={"text": card.text})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.edit_card(retrospective_id=retro_id, team=access.team, author=request.user,
                                   card_key=card_key, text=form.cleaned_data["text"])
            except ActionRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Card changed.")
                return redirect(page.urls["retrospective"] + f"#prompt-{card.prompt_id}")
        status = 400
    return render(request, "reviews/retro/card_form.html", {
        "team": access.team, "access": access, "page": page, "card": card, "form": form,
    }, status=status)


@login_required
@require_POST
def delete_card(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int,
                card_key: str) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.TAKE_PART_IN_RETRO)
    return _act(request, access, page, "", None, lambda data: services.delete_card(
        retrospective_id=retro_id, team=access.team, author=request.user, card_key=card_key),
        done="Card taken back.", anchor="prompts")


@login_required
@require_POST
def rate(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.TAKE_PART_IN_RETRO)
    form = RatingForm(request.POST, non_negotiables=[v.prompt.non_negotiable for v in page.non_negotiable_prompts],
                      auto_id="rating-%s")
    return _act(request, access, page, "rating", form, lambda data: services.rate_non_negotiables(
        retrospective_id=retro_id, team=access.team, participant=request.user, ratings=form.ratings()),
        done="Ratings saved.", anchor="ratings")


# Grouping


@login_required
@require_POST
def group(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.TAKE_PART_IN_RETRO)
    form = GroupForm(request.POST, cards=_all_cards(page), themes=[t.theme for t in page.themes])
    return _act(request, access, page, "group", form, lambda data: services.group_cards(
        retrospective_id=retro_id, team=access.team, actor=request.user, card_keys=data["cards"],
        theme_name=data["name"], theme_id=data["theme"]), done="Cards grouped.", anchor="themes")


@login_required
@require_POST
def move_card(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int, card_key: str) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.TAKE_PART_IN_RETRO)
    form = MoveCardForm(request.POST, themes=[t.theme for t in page.themes], auto_id=f"move-{card_key}-%s")
    return _act(request, access, page, f"move-{card_key}", form, lambda data: services.move_card(
        retrospective_id=retro_id, team=access.team, actor=request.user, card_key=card_key,
        theme_id=data["theme"], theme_name=data["name"]), done="Card moved.", anchor="themes")


@login_required
@require_POST
def rename_theme(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int,
                 theme_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.TAKE_PART_IN_RETRO)
    form = RenameThemeForm(request.POST, auto_id=f"rename-{theme_id}-%s")
    return _act(request, access, page, f"rename-{theme_id}", form, lambda data: services.rename_theme(
        retrospective_id=retro_id, team=access.team, actor=request.user, theme_id=theme_id, name=data["name"]),
        done="Theme renamed.", anchor=f"theme-{theme_id}")


# Voting and discussing


@login_required
@require_POST
def vote(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.TAKE_PART_IN_RETRO)

    def cast(data):
        if data["vote"] == "remove":
            services.withdraw_vote(retrospective_id=retro_id, team=access.team, voter=request.user,
                                   theme_id=data["theme"])
            return "Vote taken back."
        services.cast_vote(retrospective_id=retro_id, team=access.team, voter=request.user, theme_id=data["theme"])
        return "Vote cast."

    form = VoteForm(request.POST)
    anchor = f"theme-{request.POST.get('theme', '')}"
    return _act(request, access, page, "vote", form, cast, anchor=anchor)


@login_required
@require_POST
def timer(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.RUN_RETRO)

    def run(data):
        common = {"retrospective_id": retro_id, "team": access.team, "actor": request.user}
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

    return _act(request, access, page, "timer", TimerForm(request.POST), run, anchor="timer")


@login_required
@require_POST
def add_note(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int, theme_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.TAKE_PART_IN_RETRO)
    form = NoteForm(request.POST, auto_id=_note_ids(page, theme_id))
    return _act(request, access, page, f"note-{theme_id}", form, lambda data: services.add_note(
        retrospective_id=retro_id, team=access.team, author=request.user, theme_id=theme_id, text=data["text"],
        token=data["token"]), done="Note added.", anchor=f"theme-{theme_id}")


@login_required
@require_POST
def add_action(request: HtmxHttpRequest, org_slug: str, team_slug: str, retro_id: int) -> HttpResponse:
    access, page = _for(request, org_slug, team_slug, retro_id, Capability.RUN_RETRO)
    form = ActionForm(request.POST, people=page.people, themes=[t.theme for t in page.themes],
                      auto_id=f"action-{len(page.actions)}-%s")

    def agree(data):
        action = services.add_action(
            retrospective_id=retro_id, team=access.team, actor=request.user, kind=data["kind"], title=data["title"],
            owner=data["owner"], due_on=data["due_on"], token=data["token"], standard=data["standard"],
            proposed_change=data["proposed_change"], section=data["section"], theme_id=data["theme"])
        if action.is_amendment:
            return (f"Amendment noted in charter version {action.amendment_charter.number}, for the leader to "
                    "take forward.")
        asked = "" if action.owner_id == request.user.pk else f" {action.owner.name} is asked to accept it."
        return f"Commitment created for the next cycle.{asked}"

    return _act(request, access, page, "action", form, agree, anchor="actions")


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
    """
    access = permissions.team_access(request.user, org_slug, team_slug, Capability.READ_TEAM)
    page = _summary(access, retro_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["record", "prompt or theme", "text", "author or owner", "votes", "detail", "due", "state"])
    prompts = {view.prompt.pk: view.prompt.text for view in page.prompts}
    themes = {view.theme.pk: view.theme.name for view in page.themes}
    for view in page.prompts:
        for card in view.cards:
            writer.writerow(["card", prompts.get(card.prompt_id, ""), _cell(card.text), card.author_name, "",
                             themes.get(card.theme_id, ""), "", ""])
    for view in page.themes:
        writer.writerow(["theme", view.theme.name, "", "", "" if view.votes is None else view.votes,
                         f"{len(view.cards)} cards", "", ""])
        for note in view.notes:
            writer.writerow(["note", view.theme.name, _cell(note.text), "", "", "", "", ""])
    for view in page.non_negotiable_prompts:
        tally = view.tally
        if tally is not None:
            for rating, count in (("held", tally.held), ("strained", tally.strained), ("broken", tally.broken)):
                writer.writerow(["rating", view.prompt.non_negotiable.title, rating, "", "", count, "", ""])
    for action in page.actions:
        writer.writerow(["action", action.theme.name if action.theme else "", _cell(action.title),
                         action.owner.name if action.owner else "", "", _cell(action.standard or action.proposed_change),
                         action.due_on.isoformat(), action.get_kind_display()])
    for action in page.reviewed:
        writer.writerow(["last action", "", _cell(action.title), action.owner.name if action.owner else "", "", "",
                         action.due_on.isoformat(), action.get_review_display() or "not reviewed"])
    for person in page.participation:
        writer.writerow(["participation", "", "", person.name, person.votes,
                         f"{person.ratings} ratings" + ("" if person.cards is None else f", {person.cards} cards"),
                         "", ""])
    return _download(out.getvalue(), "text/csv", _filename(page, "csv"))


def _cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, - or @ would be read as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _filename(page: selectors.SummaryPage, extension: str) -> str:
    return f"{page.retro.team.slug}-cycle-{page.retro.cycle.number}-retrospective.{extension}"


def _download(text: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(text, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Helpers ----------------------------------------------------------------------------------------

def _page(access: TeamAccess, retro_id: int) -> selectors.SessionPage:
    page = selectors.session_page(access, retro_id)
    if page is None:
        raise Http404("No such retrospective")
    return page


def _summary(access: TeamAccess, retro_id: int) -> selectors.SummaryPage:
    page = selectors.summary_page(access, retro_id)
    if page is None:
        raise Http404("No such retrospective")
    return page


def _for(request, org_slug: str, team_slug: str, retro_id: int, capability: Capability):
    access = permissions.team_access(request.user, org_slug, team_slug, capability)
    return access, _page(access, retro_id)


def _all_cards(page: selectors.SessionPage) -> list[selectors.CardView]:
    return [card for view in page.prompts for card in view.cards]


def _act(request: HtmxHttpRequest, access: TeamAccess, page: selectors.SessionPage, key: str, form, action, *,
         done: str = "", anchor: str = "") -> HttpResponse:
    """Validate `form`, run `action(cleaned_data)` (it may return the message to show), and answer.

    Success: a redirect back to the session (or, with htmx, the fresh board). Refused: the page or
    the board again, status 400, with the form as typed and the reason in words.
    """
    if form is not None and not form.is_valid():
        shown = _displays(page, key)
        return _render(request, access, page, status=400, forms={key: form} if shown else {},
                       error="" if shown else _first_error(form), kept="" if shown else _typed(form))
    try:
        said = action(form.cleaned_data if form is not None else {})
    except ActionRefused as exc:
        # The page as it is now: the phase may have moved on, and the form with it.
        fresh = _page(access, page.retro.pk)
        shown = form is not None and _displays(fresh, key)
        if shown:
            form.add_error(None, str(exc))
        return _render(request, access, fresh, status=400, forms={key: form} if shown else {},
                       error="" if shown else str(exc), kept="" if shown or form is None else _typed(form))
    message = said if isinstance(said, str) else done
    if request.htmx:
        return _render(request, access, _page(access, page.retro.pk), notice=message)
    messages.success(request, message)
    return redirect(page.urls["retrospective"] + (f"#{anchor}" if anchor else ""))


# Which of the reader's permissions puts a form on the board: a refused form is shown again with its
# errors where it stands; one the board no longer shows (the phase moved on) is said above the board.
FORM_SHOWN_BY = {"card-": "add_cards", "note-": "note", "rename-": "group", "move-": "group", "group": "group",
                 "settings": "change_settings", "prompt": "edit_prompts", "template": "edit_prompts",
                 "rating": "rate", "action": "add_actions", "timer": "time"}


def _displays(page: selectors.SessionPage, key: str) -> bool:
    for prefix, permission in FORM_SHOWN_BY.items():
        if key == prefix or (prefix.endswith("-") and key.startswith(prefix)):
            return getattr(page.may, permission)
    return False


def _typed(form) -> str:
    """What the person typed in a form the board no longer shows, so they can copy it."""
    return str(form.data.get("text", "")).strip()


def _first_error(form) -> str:
    for errors in form.errors.values():
        return str(errors[0])
    return "Check the form and try again."


def _render(request: HtmxHttpRequest, access: TeamAccess, page: selectors.SessionPage, *, status: int = 200,
            forms: dict | None = None, notice: str = "", error: str = "", kept: str = "") -> HttpResponse:
    _attach_forms(page, forms or {})
    template = f"{SESSION}#board" if request.htmx else SESSION
    return render(request, template, {
        "team": access.team, "access": access, "page": page, "retro": page.retro, "may": page.may,
        "notice": notice, "error": error, "kept": kept, "server_now": timezone.now(),
    }, status=status)


def _attach_forms(page: selectors.SessionPage, given: dict) -> None:
    """Give the page its forms: the ones just posted (with what was typed and why it was refused), fresh ones
    for the rest. A card form's field ids count the reader's cards under its prompt, so that once a card is
    added the board's fresh, empty field replaces the one htmx preserves while people type."""
    may = page.may
    for view in page.prompts:
        view.form = given.get(f"card-{view.prompt.pk}") or CardForm(
            initial={"prompt": view.prompt.pk}, auto_id=_card_ids(page, view.prompt.pk))
    themes = [view.theme for view in page.themes]
    for view in page.themes:
        pk = view.theme.pk
        view.note_form = given.get(f"note-{pk}") or NoteForm(auto_id=_note_ids(page, pk))
        view.rename_form = given.get(f"rename-{pk}") or RenameThemeForm(initial={"name": view.theme.name},
                                                                         auto_id=f"rename-{pk}-%s")
        # Each card of a theme with its "move to…" control, while grouping.
        view.card_rows = [(card, given.get(f"move-{card.key}") or MoveCardForm(
            themes=themes, auto_id=f"move-{card.key}-%s") if may.group else None) for card in view.cards]
    rating = given.get("rating") or RatingForm(
        non_negotiables=[view.prompt.non_negotiable for view in page.non_negotiable_prompts],
        initial={f"nn_{view.prompt.non_negotiable_id}": view.my_rating for view in page.non_negotiable_prompts},
        auto_id="rating-%s")
    for view in page.non_negotiable_prompts:
        view.rating_field = rating.field_for(view.prompt.non_negotiable_id)
    action = given.get("action") or ActionForm(people=page.people, themes=themes, initial={
        "due_on": page.retro.cycle.end_date, "kind": RetroAction.Kind.COMMITMENT},
        auto_id=f"action-{len(page.actions)}-%s")
    prompt = given.get("prompt") or PromptForm(auto_id=f"prompt-{len(page.prompts)}-%s")
    for form in (action, prompt):
        _preserved_while_typing(form)
    page.forms = {
        "settings": given.get("settings") or SettingsForm(instance=page.retro, may=may),
        "prompt": prompt,
        "template": given.get("template") or TemplateForm(),
        "rating": rating,
        "group": given.get("group") or GroupForm(cards=page.lone_cards, themes=themes),
        "action": action,
        "timer": given.get("timer") or TimerForm(initial={"minutes": 5}),
        "start": StartForm(templates=page.templates),
    }


def _card_ids(page: selectors.SessionPage, prompt_id: int) -> str:
    """A card form's field ids: they count the reader's cards under the prompt, the same when its post is
    refused (htmx keeps the typed text) and new once it is saved (the fresh, empty field replaces it)."""
    mine = sum(card.is_mine for view in page.prompts if view.prompt.pk == prompt_id for card in view.cards)
    return f"card-{prompt_id}-{mine}-%s"


def _note_ids(page: selectors.SessionPage, theme_id: int) -> str:
    notes = sum(len(view.notes) for view in page.themes if view.theme.pk == theme_id)
    return f"note-{theme_id}-{notes}-%s"


def _preserved_while_typing(form) -> None:
    """Keep what someone is typing in this form when the live board is swapped around it (htmx's hx-preserve).

    Its ids change once the form's post succeeds (the caller counts what it created), so the fresh
    board's empty fields then replace the preserved ones.
    """
    for field in form.fields.values():
        if not field.widget.is_hidden:
            field.widget.attrs["hx-preserve"] = "true"
