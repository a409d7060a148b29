"""Running a retrospective: keyword-only functions that own their transaction.

Every write locks the session's row first (`reviews.retro.locks.lock_retrospective`), re-reads its
phase, refuses in the person's words when the phase does not allow it
(`Retrospective.refusal_to`), and bumps the session's `version` so that every participant's
page refreshes within one poll. Who may do what is the views' question (capabilities);
these functions check the phase and the objects.

Lock order, as everywhere: team → charter (an amendment draft) → retrospective.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from alignment import audit
from alignment.errors import ActionRefused
from alignment.locks import lock_team
from alignment.models import AuditKind
from alignment.permissions import ARCHIVED_REFUSAL
from charters import services as charter_services
from charters.locks import lock_charter
from charters.models import Charter, Section
from checkins import services as checkin_services
from reviews.models import CycleCommitment, ReviewCycle
from reviews.notices import tell_action_commented, tell_session_started
from reviews.retro.locks import lock_retrospective
from reviews.retro.models import (
    NonNegotiableRating,
    PromptKind,
    PromptTemplate,
    PromptTemplateItem,
    RetroAction,
    RetroCard,
    RetroNote,
    RetroPrompt,
    Retrospective,
    RetroTheme,
    RetroVote,
)
from reviews.webhooks import post_retro_summary

# The "charter review" template: one prompt per element of the charter, then keep / change / try.
# A non-negotiable entry stands for one prompt per non-negotiable of the charter in force.
CHARTER_REVIEW: list[tuple[str, str]] = [
    (PromptKind.PURPOSE, "Is our purpose still right?"),
    (PromptKind.NON_NEGOTIABLE, "Did our non-negotiables hold?"),
    (PromptKind.BOUNDARIES, "Did our boundaries work?"),
    (PromptKind.GOALS, "What did our goals teach us?"),
    (PromptKind.INVESTMENTS, "Were our conscious investments worth it?"),
    (PromptKind.KEEP, "What should we keep doing?"),
    (PromptKind.CHANGE, "What should we change?"),
    (PromptKind.TRY, "What should we try next cycle?"),
]
MAX_PROMPTS = 30
MAX_TIMER_MINUTES = 60
THEME_NAME_LENGTH = 120


def non_negotiable_question(title: str) -> str:
    return f"Did “{title}” hold?"[:200]


def start_retrospective(*, team, actor, template_id: int | None = None,
                        now: datetime | None = None) -> Retrospective:
    """Open the retrospective of the team's open cycle with the charter-review prompts or a saved template.

    One per cycle (constraint `retro_one_per_cycle`): starting twice, or twice at once, returns the
    same session. The team's previous retrospective is linked so that its actions are reviewed first.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked_team = lock_team(team.pk)
        if locked_team is None:
            raise ActionRefused("This team no longer exists.")
        if locked_team.is_archived:
            raise ActionRefused(ARCHIVED_REFUSAL)
        cycle = ReviewCycle.objects.filter(team=team, state=ReviewCycle.State.OPEN).first()
        if cycle is None:
            raise ActionRefused("There is no open cycle to review: a cycle opens when the team's charter is "
                                "ratified.")
        existing = Retrospective.objects.filter(cycle=cycle).first()
        if existing is not None:
            return existing
        template = None
        if template_id is not None:
            template = PromptTemplate.objects.filter(team=team, pk=template_id).first()
            if template is None:
                raise ActionRefused("That template no longer exists; choose another or start with the charter "
                                    "review.")
        previous = (Retrospective.objects.filter(team=team, cycle__number__lt=cycle.number)
                    .order_by("-cycle__number").first())
        retro = Retrospective.objects.create(team=team, cycle=cycle, previous=previous, facilitator=actor,
                                             created_at=now, changed_at=now)
        entries = ([(item.kind, item.text) for item in template.items.all()] if template is not None
                   else CHARTER_REVIEW)
        RetroPrompt.objects.bulk_create(build_prompts(retro, entries, team))
    return retro


def build_prompts(retro: Retrospective, entries: list[tuple[str, str]], team) -> list[RetroPrompt]:
    """Prompts from template entries; a non-negotiable entry becomes one prompt per non-negotiable in force."""
    charter = Charter.objects.active_for(team)
    non_negotiables = list(charter.non_negotiables.all()) if charter is not None else []
    prompts = []
    for kind, text in entries:
        if kind == PromptKind.NON_NEGOTIABLE:
            prompts += [RetroPrompt(retrospective=retro, kind=kind, text=non_negotiable_question(nn.title),
                                    non_negotiable=nn) for nn in non_negotiables]
        else:
            prompts.append(RetroPrompt(retrospective=retro, kind=kind, text=text))
    for position, prompt in enumerate(prompts):
        prompt.position = position
    return prompts


# Setting up -------------------------------------------------------------------------------------

def update_settings(*, retrospective_id: int, team, actor, is_anonymous: bool, hide_text_while_collecting: bool,
                    votes_per_person: int, now: datetime | None = None) -> Retrospective:
    """Anonymity before the start; hiding card text until collecting ends; the votes until voting starts.

    Anonymity follows `Retrospective.refusal_to_set_anonymity`: never turned off once cards exist.
    """
    now = now or timezone.now()
    if not 1 <= votes_per_person <= 10:
        raise ActionRefused("Give each person between 1 and 10 votes.")
    with transaction.atomic():
        retro = _locked(retrospective_id, team)
        changes = {
            "settings": ("is_anonymous", is_anonymous),
            "hide_text": ("hide_text_while_collecting", hide_text_while_collecting),
            "votes_per_person": ("votes_per_person", votes_per_person),
        }
        fields, before = [], {}
        for activity, (field, value) in changes.items():
            if getattr(retro, field) == value:
                continue
            before[field] = getattr(retro, field)
            refusal = (retro.refusal_to_set_anonymity(value) if field == "is_anonymous"
                       else retro.refusal_to(activity))
            if refusal:
                raise ActionRefused(refusal)
            setattr(retro, field, value)
            fields.append(field)
        if fields:
            _changed(retro, now, fields)
        # Who can be named by what they wrote: an anonymity or hiding change is the organisation's to audit.
        private = {field: [before[field], getattr(retro, field)] for field in fields
                   if field in ("is_anonymous", "hide_text_while_collecting")}
        if private:
            audit.record(AuditKind.RETRO_PRIVACY_CHANGED, team=team, actor=actor,
                         summary=f"Retrospective {retro.pk}: " + ", ".join(
                             f"{RETRO_PRIVACY_WORDS[field]} {'on' if value else 'off'}"
                             for field, (_, value) in private.items()),
                         changes={"retrospective": retro.pk, **private})
    return retro


RETRO_PRIVACY_WORDS = {"is_anonymous": "anonymous cards", "hide_text_while_collecting": "text hidden while collecting"}


def add_prompt(*, retrospective_id: int, team, actor, text: str, now: datetime | None = None) -> RetroPrompt:
    text = text.strip()
    if not text:
        raise ActionRefused("Write the question first.")
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "prompts")
        prompts = list(retro.prompts.all())
        if len(prompts) >= MAX_PROMPTS:
            raise ActionRefused(f"A session has at most {MAX_PROMPTS} prompts; remove one first.")
        prompt = RetroPrompt.objects.create(retrospective=retro, kind=PromptKind.CUSTOM, text=text[:200],
                                            position=max((p.position for p in prompts), default=-1) + 1)
        _changed(retro, now)
    return prompt


def remove_prompt(*, retrospective_id: int, team, actor, prompt_id: int, now: datetime | None = None) -> None:
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "prompts")
        removed, _ = RetroPrompt.objects.filter(retrospective=retro, pk=prompt_id).delete()
        if not removed:
            raise ActionRefused("This prompt was already removed.")
        _changed(retro, now)


def move_prompt(*, retrospective_id: int, team, actor, prompt_id: int, direction: str,
                now: datetime | None = None) -> None:
    """Swap a prompt with its neighbour above or below; positions are renumbered 0…n on the way."""
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "prompts")
        prompts = list(retro.prompts.all())
        index = next((i for i, p in enumerate(prompts) if p.pk == prompt_id), None)
        if index is None:
            raise ActionRefused("This prompt was removed meanwhile.")
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(prompts):
            prompts[index], prompts[other] = prompts[other], prompts[index]
        for position, prompt in enumerate(prompts):
            prompt.position = position
        RetroPrompt.objects.bulk_update(prompts, ["position"])
        _changed(retro, now)


def save_template(*, retrospective_id: int, team, actor, name: str, now: datetime | None = None) -> PromptTemplate:
    """Keep this session's prompts as a team template under `name` (the same name replaces it).

    The non-negotiables' prompts are kept as one entry: the next session asks about each
    non-negotiable of the charter then in force.
    """
    now = now or timezone.now()
    name = name.strip()[:80]
    if not name:
        raise ActionRefused("Name the template.")
    with transaction.atomic():
        retro = _locked(retrospective_id, team)
        entries, seen_non_negotiables = [], False
        for prompt in retro.prompts.all():
            if prompt.kind == PromptKind.NON_NEGOTIABLE:
                if seen_non_negotiables:
                    continue
                seen_non_negotiables = True
                entries.append((prompt.kind, "Did our non-negotiables hold?"))
            else:
                entries.append((prompt.kind, prompt.text))
        if not entries:
            raise ActionRefused("This session has no prompts to save.")
        template, _ = PromptTemplate.objects.update_or_create(
            team=team, name=name, defaults={"created_by": actor, "updated_at": now})
        template.items.all().delete()
        PromptTemplateItem.objects.bulk_create(PromptTemplateItem(template=template, position=i, kind=kind, text=text)
                                               for i, (kind, text) in enumerate(entries))
    return template


# Phases -----------------------------------------------------------------------------------------

def advance_phase(*, retrospective_id: int, team, actor, expected_phase: str,
                  now: datetime | None = None) -> Retrospective:
    """Move the session to its next phase, once: the facilitator's page says which phase they saw.

    Two facilitators pressing at once: the first moves it on; the second is told who did, and
    nothing more changes. Entering the vote, every card not yet in a theme becomes a theme of
    its own, so that everything can be voted on.
    """
    now = now or timezone.now()
    with transaction.atomic():
        retro = _locked(retrospective_id, team)
        if retro.phase != expected_phase:
            who = retro.phase_changed_by.name if retro.phase_changed_by else "Someone"
            if retro.is_closed:
                raise ActionRefused(f"{who} already closed this retrospective.")
            raise ActionRefused(f"{who} already moved the session on to “{retro.get_phase_display()}”. "
                                "Nothing else was changed.")
        if retro.is_closed:
            raise ActionRefused("This retrospective is already closed.")
        if retro.phase == Retrospective.Phase.REVIEW_ACTIONS and retro.previous_id:
            left = RetroAction.objects.filter(retrospective_id=retro.previous_id, review="").count()
            if left:
                raise ActionRefused(f"Mark each of last session's actions done, not done or dropped first: "
                                    f"{left} still to review.")
        retro.phase = retro.next_phase
        retro.phase_changed_by = actor
        fields = ["phase", "phase_changed_by"]
        starting = retro.phase == Retrospective.Phase.REVIEW_ACTIONS
        if starting:
            retro.started_at = now
            fields.append("started_at")
        if retro.phase == Retrospective.Phase.VOTE:
            _theme_every_lone_card(retro, now)
        if retro.phase == Retrospective.Phase.ACTIONS:
            retro.timer_ends_at, retro.discussing = None, None
            fields += ["timer_ends_at", "discussing"]
        if retro.phase == Retrospective.Phase.CLOSED:
            retro.closed_at = now
            fields.append("closed_at")
        _changed(retro, now, fields)
        if starting:
            retro.team = team
            tell_session_started(retro, actor=actor, now=now)
        if retro.is_closed:
            retro.team = team
            post_retro_summary(retro)  # to the team's chat webhooks, once this commits
    return retro


def _theme_every_lone_card(retro: Retrospective, now: datetime) -> None:
    RetroTheme.objects.filter(retrospective=retro, cards__isnull=True).delete()
    lone = list(RetroCard.objects.filter(retrospective=retro, theme__isnull=True))
    themes = RetroTheme.objects.bulk_create(
        RetroTheme(retrospective=retro, name=_theme_name(card.text), created_at=now) for card in lone)
    for card, theme in zip(lone, themes, strict=True):
        card.theme = theme
    RetroCard.objects.bulk_update(lone, ["theme"])


def _theme_name(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= THEME_NAME_LENGTH else line[:THEME_NAME_LENGTH - 1] + "…"


def review_action(*, retrospective_id: int, team, actor, action_id: int, review: str,
                  now: datetime | None = None) -> RetroAction:
    """Mark one of the previous session's actions done, not done or dropped."""
    now = now or timezone.now()
    if review not in RetroAction.Review.values:
        raise ActionRefused("Say whether it was done, not done or dropped.")
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "review")
        action = RetroAction.objects.filter(pk=action_id, retrospective_id=retro.previous_id).first() \
            if retro.previous_id else None
        if action is None:
            raise ActionRefused("That action is not one of last session's.")
        action.review, action.reviewed_at, action.reviewed_by = review, now, actor
        action.save(update_fields=["review", "reviewed_at", "reviewed_by"])
        _changed(retro, now)
    return action


# Cards and ratings ------------------------------------------------------------------------------

def add_card(*, retrospective_id: int, team, author, prompt_id: int, text: str, token,
             now: datetime | None = None) -> RetroCard:
    """Write a card under a prompt. The same form sent twice (its token) writes one card."""
    return _write_once(RetroCard, retrospective_id=retrospective_id, team=team, author=author, text=text,
                       token=token, now=now, activity="cards", empty="Write something on the card first.",
                       under=(RetroPrompt, "prompt", prompt_id),
                       gone="That prompt was removed. Your card is below: add it under another prompt.")


def _write_once(model, *, retrospective_id: int, team, author, text: str, token, now: datetime | None,
                activity: str, empty: str, under: tuple, gone: str):
    """Write a card or a note once per form (its token): `under` is (its parent's model, field, id)."""
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ActionRefused(empty)
    parent_model, field, parent_id = under
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, activity)
        already = model.objects.filter(retrospective=retro, token=token).first()
        if already is not None:
            return already
        parent = parent_model.objects.filter(retrospective=retro, pk=parent_id).first()
        if parent is None:
            raise ActionRefused(gone)
        written = model.objects.create(retrospective=retro, author=author, text=text, token=token, created_at=now,
                                       **{field: parent})
        _changed(retro, now)
    return written


def edit_card(*, retrospective_id: int, team, author, card_key: str, text: str,
              now: datetime | None = None) -> RetroCard:
    text = text.strip()
    if not text:
        raise ActionRefused("A card needs some words; take it back instead if you no longer want it.")
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "cards")
        card = _own_card(retro, author, card_key)
        card.text = text
        card.save(update_fields=["text"])
        _changed(retro, now)
    return card


def delete_card(*, retrospective_id: int, team, author, card_key: str, now: datetime | None = None) -> None:
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "cards")
        _own_card(retro, author, card_key).delete()
        _changed(retro, now)


def _own_card(retro: Retrospective, author, card_key: str) -> RetroCard:
    card = RetroCard.objects.filter(retrospective=retro, key=card_key).first()
    if card is None:
        raise ActionRefused("This card no longer exists.")
    if card.author_id != author.pk:
        raise ActionRefused("Only a card's author can change it.")
    return card


def rate_non_negotiables(*, retrospective_id: int, team, participant, ratings: dict[int, str],
                         now: datetime | None = None) -> list[NonNegotiableRating]:
    """Say how each non-negotiable held this cycle: held, strained or broken; a second rating replaces the first.

    Ratings are hidden until collecting ends, so nobody else's page changes: the version stays.
    """
    now = now or timezone.now()
    if any(value not in NonNegotiableRating.Rating.values for value in ratings.values()):
        raise ActionRefused("Rate each non-negotiable held, strained or broken.")
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "ratings")
        asked = set(retro.prompts.filter(non_negotiable__isnull=False).values_list("non_negotiable_id", flat=True))
        unknown = set(ratings) - asked
        if unknown:
            raise ActionRefused("One of these non-negotiables is no longer asked about in this session.")
        saved = []
        for non_negotiable_id, value in ratings.items():
            rating, _ = NonNegotiableRating.objects.update_or_create(
                retrospective=retro, non_negotiable_id=non_negotiable_id, participant=participant,
                defaults={"rating": value, "rated_at": now})
            saved.append(rating)
    return saved


# Grouping ---------------------------------------------------------------------------------------

def group_cards(*, retrospective_id: int, team, actor, card_keys: list[str], theme_name: str = "",
                theme_id: int | None = None, now: datetime | None = None) -> RetroTheme:
    """Put the chosen cards into a theme: an existing one, or a new one named `theme_name`."""
    now = now or timezone.now()
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "grouping")
        cards = list(RetroCard.objects.filter(retrospective=retro, key__in=card_keys))
        if not cards:
            raise ActionRefused("Tick the cards to put into the theme first.")
        theme = _theme_for(retro, theme_id=theme_id, theme_name=theme_name, now=now)
        RetroCard.objects.filter(pk__in=[card.pk for card in cards]).update(theme=theme)
        _drop_empty_themes(retro)
        _changed(retro, now)
    return theme


def move_card(*, retrospective_id: int, team, actor, card_key: str, theme_id: int | None,
              theme_name: str = "", now: datetime | None = None) -> None:
    """Move one card to a theme, to a new theme, or (no theme, no name) back out of its theme."""
    now = now or timezone.now()
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "grouping")
        card = RetroCard.objects.filter(retrospective=retro, key=card_key).first()
        if card is None:
            raise ActionRefused("This card no longer exists.")
        theme = None
        if theme_id is not None or theme_name.strip():
            theme = _theme_for(retro, theme_id=theme_id, theme_name=theme_name, now=now)
        card.theme = theme
        card.save(update_fields=["theme"])
        _drop_empty_themes(retro)
        _changed(retro, now)


def rename_theme(*, retrospective_id: int, team, actor, theme_id: int, name: str,
                 now: datetime | None = None) -> RetroTheme:
    name = " ".join(name.split())[:THEME_NAME_LENGTH]
    if not name:
        raise ActionRefused("Give the theme a name.")
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "grouping")
        theme = RetroTheme.objects.filter(retrospective=retro, pk=theme_id).first()
        if theme is None:
            raise ActionRefused("This theme no longer exists: its cards were moved elsewhere.")
        theme.name = name
        theme.save(update_fields=["name"])
        _changed(retro, now)
    return theme


def _theme_for(retro: Retrospective, *, theme_id: int | None, theme_name: str, now: datetime) -> RetroTheme:
    if theme_id is not None:
        theme = RetroTheme.objects.filter(retrospective=retro, pk=theme_id).first()
        if theme is None:
            raise ActionRefused("That theme no longer exists: its cards were moved elsewhere. Choose another.")
        return theme
    name = " ".join(theme_name.split())[:THEME_NAME_LENGTH]
    if not name:
        raise ActionRefused("Name the new theme, or choose a theme to add the cards to.")
    return RetroTheme.objects.create(retrospective=retro, name=name, created_at=now)


def _drop_empty_themes(retro: Retrospective) -> None:
    RetroTheme.objects.filter(retrospective=retro, cards__isnull=True).delete()


# Voting -----------------------------------------------------------------------------------------

def cast_vote(*, retrospective_id: int, team, voter, theme_id: int, now: datetime | None = None) -> RetroVote:
    """One of the voter's N votes on a theme (several may go to one theme).

    The session's lock serialises votes, so a person's last vote sent twice at once counts once;
    the unique (session, voter, slot) constraint is the database's own guard.
    """
    now = now or timezone.now()
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "votes")
        theme = RetroTheme.objects.filter(retrospective=retro, pk=theme_id).first()
        if theme is None:
            raise ActionRefused("That theme no longer exists.")
        used = set(RetroVote.objects.filter(retrospective=retro, voter=voter).values_list("slot", flat=True))
        free = [slot for slot in range(retro.votes_per_person) if slot not in used]
        if not free:
            raise ActionRefused(f"You have used all {retro.votes_per_person} of your votes. Take one back to vote "
                                "for something else.")
        try:
            with transaction.atomic():
                vote = RetroVote.objects.create(retrospective=retro, voter=voter, theme=theme, slot=free[0],
                                                created_at=now)
        except IntegrityError:
            raise ActionRefused("That vote was already counted.") from None
        _changed(retro, now)
    return vote


def withdraw_vote(*, retrospective_id: int, team, voter, theme_id: int, now: datetime | None = None) -> None:
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "votes")
        vote = RetroVote.objects.filter(retrospective=retro, voter=voter, theme_id=theme_id).order_by("-slot").first()
        if vote is None:
            raise ActionRefused("You have no vote on that theme to take back.")
        vote.delete()
        _changed(retro, now)


# Discussing -------------------------------------------------------------------------------------

def start_timer(*, retrospective_id: int, team, actor, theme_id: int, minutes: int,
                now: datetime | None = None) -> Retrospective:
    """Discuss a theme for `minutes`: the end instant is stored, and every page counts down to it."""
    now = now or timezone.now()
    if not 1 <= minutes <= MAX_TIMER_MINUTES:
        raise ActionRefused(f"Set the timer between 1 and {MAX_TIMER_MINUTES} minutes.")
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "timer")
        theme = RetroTheme.objects.filter(retrospective=retro, pk=theme_id).first()
        if theme is None:
            raise ActionRefused("That theme no longer exists.")
        retro.discussing, retro.timer_ends_at = theme, now + timedelta(minutes=minutes)
        _changed(retro, now, ["discussing", "timer_ends_at"])
    return retro


def add_time(*, retrospective_id: int, team, actor, minutes: int, now: datetime | None = None) -> Retrospective:
    """More time for the theme under discussion: from its end, or from now if it already ran out."""
    now = now or timezone.now()
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "timer")
        if retro.discussing_id is None:
            raise ActionRefused("Start the timer on a theme first.")
        base = max(retro.timer_ends_at or now, now)
        retro.timer_ends_at = min(base + timedelta(minutes=minutes), now + timedelta(minutes=MAX_TIMER_MINUTES))
        _changed(retro, now, ["timer_ends_at"])
    return retro


def stop_timer(*, retrospective_id: int, team, actor, now: datetime | None = None) -> Retrospective:
    with transaction.atomic():
        retro = _locked_for(retrospective_id, team, "timer")
        retro.timer_ends_at = None
        _changed(retro, now, ["timer_ends_at"])
    return retro


def add_note(*, retrospective_id: int, team, author, theme_id: int, text: str, token,
             now: datetime | None = None) -> RetroNote:
    """Take a note under a theme being discussed. The same form sent twice (its token) writes one note."""
    return _write_once(RetroNote, retrospective_id=retrospective_id, team=team, author=author, text=text,
                       token=token, now=now, activity="notes", empty="Write the note first.",
                       under=(RetroTheme, "theme", theme_id), gone="That theme no longer exists.")


# Actions ----------------------------------------------------------------------------------------

def add_action(*, retrospective_id: int, team, actor, kind: str, title: str, owner, due_on: date, token,
               standard: str = "", proposed_change: str = "", section: str = "", theme_id: int | None = None,
               now: datetime | None = None) -> RetroAction:
    """Agree an action. A commitment becomes the owner's commitment (asked of them, if someone else) in
    the team's commitments and joins this cycle's work, to carry over into the next; an amendment
    opens an amendment draft of the charter for the leader with the proposed change as its note,
    or adds the change to the draft already open, as a comment on its section.

    The same form sent twice (its token) agrees one action.
    """
    now = now or timezone.now()
    title, standard, proposed_change = title.strip(), standard.strip(), proposed_change.strip()
    if kind not in RetroAction.Kind.values:
        raise ActionRefused("Choose whether it is a commitment or a charter amendment.")
    if not title:
        raise ActionRefused("Say what will be done.")
    if kind == RetroAction.Kind.COMMITMENT and not standard:
        raise ActionRefused("A commitment needs its standard of completion: what done looks like.")
    if kind == RetroAction.Kind.AMENDMENT and not proposed_change:
        raise ActionRefused("Write the change proposed to the charter.")
    if kind == RetroAction.Kind.AMENDMENT and section not in Section.values:
        raise ActionRefused("Choose the part of the charter the change is about.")
    with transaction.atomic():
        # The project's lock order: the team (an amendment draft starts under it), its charter, then the session.
        if lock_team(team.pk) is None:
            raise ActionRefused("This team no longer exists.")
        working = Charter.objects.filter(team=team).working().first()
        if kind == RetroAction.Kind.AMENDMENT and working is not None:
            lock_charter(working.pk)
        retro = _locked_for(retrospective_id, team, "actions")
        already = RetroAction.objects.filter(retrospective=retro, token=token).first()
        if already is not None:
            return already
        theme = RetroTheme.objects.filter(retrospective=retro, pk=theme_id).first() if theme_id else None
        action = RetroAction(retrospective=retro, theme=theme, kind=kind, title=title, owner=owner, due_on=due_on,
                             standard=standard if kind == RetroAction.Kind.COMMITMENT else "",
                             proposed_change=proposed_change if kind == RetroAction.Kind.AMENDMENT else "",
                             section=section if kind == RetroAction.Kind.AMENDMENT else "",
                             created_by=actor, created_at=now, token=token)
        if action.is_commitment:
            action.commitment = checkin_services.create_commitment(
                team=team, owner=owner, actor=actor, title=title, standard=standard, due_on=due_on, now=now)
        else:
            action.amendment_charter = _propose_amendment(team=team, actor=actor, retro=retro, action=action)
        action.save()
        if action.is_amendment:
            tell_action_commented(action, comment=action.amendment_comment, team=team, actor=actor, now=now)
        if action.commitment is not None:
            CycleCommitment.objects.get_or_create(cycle=retro.cycle, commitment=action.commitment,
                                                  defaults={"carry_over": True, "from_action": action})
        _changed(retro, now)
    return action


def _propose_amendment(*, team, actor, retro: Retrospective, action: RetroAction) -> Charter:
    """The charter's working copy, opened from the version in force if there is none, with the change noted."""
    note = (f"From the retrospective of cycle {retro.cycle.number}: {action.title}.\n\n"
            f"{action.proposed_change}")
    working = Charter.objects.filter(team=team).working().first()
    if working is None:
        working = charter_services.start_amendment(team=team, actor=actor, note=note)
    # Kept on the action (not a field) for the leaders' notice, told once the action is saved (in its words,
    # instead of the notice of any comment: one notice for one action).
    action.amendment_comment = charter_services.add_comment(charter=working, section=action.section, author=actor,
                                                            body=note, tell_leaders=False)
    return working


# Helpers ----------------------------------------------------------------------------------------

def _locked(retrospective_id: int, team) -> Retrospective:
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    retro = lock_retrospective(retrospective_id, team=team)
    if retro is None:
        raise ActionRefused("This retrospective no longer exists.")
    return retro


def _locked_for(retrospective_id: int, team, activity: str) -> Retrospective:
    """The session, locked, re-read, and in a phase that allows `activity`."""
    retro = _locked(retrospective_id, team)
    refusal = retro.refusal_to(activity)
    if refusal:
        raise ActionRefused(refusal)
    return retro


def _changed(retro: Retrospective, now: datetime | None, fields: list[str] = ()) -> None:
    """Save `fields` and tell every participant's page that something changed."""
    retro.version += 1
    retro.changed_at = now or timezone.now()
    retro.save(update_fields=[*fields, "version", "changed_at"])
