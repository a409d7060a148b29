"""Read-only queries for retrospectives: a session is loaded for its reader in a fixed number of queries.

Anonymity lives here. Templates never receive a card's model: they get `CardView`s, which
carry an author's name only when the session is not anonymous, mark the reader's own cards,
and are named by each card's random key (never its id), in the key's random order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from alignment.models import Membership, Organisation, Team, User
from alignment.one_query import Read, fetch, read_shaped, reading_ahead
from alignment.permissions import TeamAccess
from alignment.privacy import ShownCount, shown_count
from alignment.row_urls import RowUrls
from charters.models import Charter, KeyResult
from charters.selectors import active_key_results_at, key_results_at_reads
from charts import svg as charts
from checkins.models import CheckIn
from checkins.permissions import may_read_checkins
from decisions.models import Decision
from reviews.models import ReviewCycle
from reviews.permissions import RetroPermissions, may_run_retrospectives, retro_permissions
from reviews.retro.models import (
    NonNegotiableRating,
    PromptTemplate,
    RetroAction,
    RetroCard,
    RetroNote,
    RetroPrompt,
    Retrospective,
    RetroTheme,
    RetroVote,
)

URL_PREFIX = "reviews:"


@dataclass
class CardView:
    """A card as one reader may see it. `author_name` is empty in an anonymous session, whoever reads."""

    key: str
    prompt_id: int
    prompt_text: str
    theme_id: int | None
    text: str  # empty while the reader may not read it yet
    is_hidden: bool
    is_mine: bool
    author_name: str
    author_left: bool = False  # named, and no longer in the team: marked "former member"
    edit_url: str = ""  # the author's own card only, while cards may change
    delete_url: str = ""
    move_url: str = ""
    # Someone else's card as drawn for everyone but its author, kept and attached by the view (`_share_cards`).
    shared: str = ""

    @property
    def drawn_for_others(self) -> tuple:
        """What the board draws of a card for everyone but its author: the same for all of them.

        Whether its words show, and whose it is, follow the session's settings and phase, never the
        reader (`_card_views`); only the author's own card differs ("Yours", their words, their controls).
        """
        return self.key, self.text, self.is_hidden, self.author_name, self.author_left

    def as_others_see_it(self, retro: Retrospective) -> CardView:
        """This card, the reader's own too, as everyone but its author sees it: its words only once the session
        shows everyone's (`_card_views`), its author's name as the session's setting has it, no controls."""
        shown = retro.reveals_text
        return replace(self, text=self.text if shown else "", is_hidden=not shown, is_mine=False, edit_url="",
                       delete_url="", move_url="", shared="")


@dataclass(frozen=True)
class RatingTally:
    held: int
    strained: int
    broken: int

    @property
    def total(self) -> int:
        return self.held + self.strained + self.broken

    def as_shown(self, team) -> RatingTally:
        """The tally as the team's small-team privacy lets it be shown: "fewer than 3" for a small count
        (`alignment.privacy`), wherever it is shown: the session, its summary and exports, the health trend."""
        return RatingTally(*(shown_count(team, n) for n in (self.held, self.strained, self.broken)))


@dataclass
class PromptView:
    prompt: RetroPrompt
    cards: list[CardView]
    # Check-ins of the cycle that named this non-negotiable as strained, as they may be shown (`alignment.privacy`).
    strained_in_checkins: ShownCount | None = None
    my_rating: str = ""
    tally: RatingTally | None = None  # shown once collecting ends, as it may be shown (`RatingTally.as_shown`)
    form: object = None  # the card form, attached by the view
    form_html: str = ""  # or, blank, as kept for everyone who may write cards (`_share_card_forms`)
    rating_field: object = None  # the reader's rating of its non-negotiable, attached by the view

    @property
    def dom_id(self) -> str:
        return f"prompt-{self.prompt.pk}"

    @property
    def cards_dom_id(self) -> str:
        return f"prompt-{self.prompt.pk}-cards"


@dataclass
class ThemeView:
    theme: RetroTheme
    cards: list[CardView]
    votes: int | None  # None while votes are hidden
    my_votes: int
    notes: list[RetroNote]
    is_discussing: bool
    urls: dict[str, str] = field(default_factory=dict)
    # Attached by the view, where the reader's permissions draw them.
    note_form: object = None
    note_form_html: str = ""  # or, blank, as kept for everyone who may take notes (`_share_note_forms`)
    rename_form: object = None
    card_rows: list = field(default_factory=list)  # each card with its "move to…" form, while grouping

    @property
    def dom_id(self) -> str:
        return f"theme-{self.theme.pk}"

    # The theme's parts a poll may send on their own (`reviews.retro.live`).
    @property
    def head_dom_id(self) -> str:
        return f"theme-{self.theme.pk}-head"

    @property
    def cards_dom_id(self) -> str:
        return f"theme-{self.theme.pk}-cards"

    @property
    def notes_dom_id(self) -> str:
        return f"theme-{self.theme.pk}-notes"


@dataclass(frozen=True)
class Step:
    label: str
    is_done: bool
    is_current: bool


@dataclass
class CycleContext:
    """What the charter-review prompts show beside them: the charter and how the cycle went."""

    charter: Charter | None
    key_results: list[KeyResult]
    investments: list[Decision]
    strains: dict[str, int]  # non-negotiable title → check-ins that named it strained
    boundary_questions: list[str]  # only for readers of the team's check-ins
    boundary_question_count: int


@dataclass
class SessionPage:
    """One retrospective for one reader, in every phase."""

    retro: Retrospective
    may: RetroPermissions
    steps: list[Step]
    prompts: list[PromptView]
    lone_cards: list[CardView]
    themes: list[ThemeView]
    context: CycleContext | None
    previous_actions: list[RetroAction]
    actions: list[RetroAction]
    people: list
    templates: list[PromptTemplate]
    votes_cast: int
    voters: int
    my_votes_left: int
    card_count: int
    now: datetime
    urls: dict[str, str]
    cards: list[CardView] = field(default_factory=list)  # every card, as this reader may see it
    forms: dict[str, object] = field(default_factory=dict)
    drawn_alone: bool = False  # the board shows a form the reader just sent, outside their own parts

    @property
    def cycle(self) -> ReviewCycle:
        return self.retro.cycle

    @property
    def phase(self) -> str:
        return self.retro.phase

    @property
    def timer_seconds_left(self) -> int | None:
        if self.retro.timer_ends_at is None:
            return None
        return max(int((self.retro.timer_ends_at - self.now).total_seconds()), 0)

    @property
    def timer_label(self) -> str:
        seconds = self.timer_seconds_left
        if seconds is None:
            return ""
        return f"{seconds // 60}:{seconds % 60:02d}"

    @property
    def unreviewed_count(self) -> int:
        return sum(not action.is_reviewed for action in self.previous_actions)

    @property
    def discussing(self) -> ThemeView | None:
        return next((theme for theme in self.themes if theme.is_discussing), None)

    @property
    def non_negotiable_prompts(self) -> list[PromptView]:
        return [view for view in self.prompts if view.prompt.is_non_negotiable]

    @property
    def my_cards(self) -> int:
        return sum(card.is_mine for view in self.prompts for card in view.cards)

    # Which phase, as properties: templates ask these rather than compare strings.
    @property
    def in_setup(self) -> bool:
        return self.phase == Retrospective.Phase.SETUP

    @property
    def in_review(self) -> bool:
        return self.phase == Retrospective.Phase.REVIEW_ACTIONS

    @property
    def in_collect(self) -> bool:
        return self.phase == Retrospective.Phase.COLLECT

    @property
    def in_group(self) -> bool:
        return self.phase == Retrospective.Phase.GROUP

    @property
    def in_vote(self) -> bool:
        return self.phase == Retrospective.Phase.VOTE

    @property
    def in_discuss(self) -> bool:
        return self.phase == Retrospective.Phase.DISCUSS

    @property
    def in_actions(self) -> bool:
        return self.phase == Retrospective.Phase.ACTIONS

    @property
    def is_closed(self) -> bool:
        return self.retro.is_closed

    @property
    def shows_prompts(self) -> bool:
        """Prompts with their cards: while setting up and collecting (later, cards live in themes)."""
        return self.phase in (Retrospective.Phase.SETUP, Retrospective.Phase.REVIEW_ACTIONS,
                              Retrospective.Phase.COLLECT)

    @property
    def shows_themes(self) -> bool:
        return self.retro.is_past(Retrospective.Phase.COLLECT)


# The session's own URLs, by name.
SESSION_URLS = ("retrospective", "retro_live", "retro_settings", "retro_prompt_add", "retro_template_save",
                "retro_advance", "retro_card_add", "retro_rate", "retro_group", "retro_vote", "retro_timer",
                "retro_action_add", "retro_summary", "retro_export_markdown", "retro_export_csv")


def retro_urls(team, retro_id: int) -> dict[str, str]:
    """The session's own URLs, each reversed once per process for the team (`RowUrls`): every poll that finds
    news and every card posted draws the board with them."""
    slugs = (team.organisation.slug, team.slug)
    return {name: RowUrls(URL_PREFIX + name, *slugs).of(retro_id) for name in SESSION_URLS}


def session_page(access: TeamAccess, retrospective_id: int, *, now: datetime | None = None,
                 with_tallies: bool = False) -> SessionPage | None:
    """The session for its reader in at most fourteen queries, with 10 cards or 200, 2 people or 30.

    Queries: the session with its cycle, facilitator and the theme under discussion; its prompts with
    their non-negotiables; its cards; its themes; its votes (theme and voter only); the reader's own
    ratings while collecting, or everyone's counted (`with_tallies`, the summary: the board shows prompts
    no more once collecting ended); its notes; its actions with owners; the previous session's actions
    with owners; the team's people (owners to choose from); the team's saved templates (while setting
    up); and, while collecting, what the prompts show: the charter in force, its key results with their
    latest reading, the conscious investments of the cycle, the check-ins that named a strained
    non-negotiable or asked who decides. Queries a phase has no use for are skipped. After the session, those that
    depend on nothing else are sent together (`_phase_reads`; while collecting, the reader's ratings and the key
    results of the charter in force too): the board waits for the database twice, not once a query (three times
    for the summary's tallies).
    """
    now = now or timezone.now()
    team = access.team
    found = read_shaped(_session, team=team.pk, retrospective=retrospective_id)
    if not found:
        return None
    retro = found[0]
    retro.team = retro.cycle.team = team
    may = retro_permissions(access, retro)
    user_id = access.user.pk
    phase = Retrospective.Phase
    org, slug = team.organisation.slug, team.slug

    # What this phase shows, asked of the database together: one wait, not one a query. What depends on another's
    # rows is asked so that it need not wait for them: the reader's ratings by the session (asked for only when a
    # prompt is a non-negotiable's), the key results of the charter in force by the team.
    reads = _phase_reads(retro, team, may, reader=user_id, now=now)
    with reading_ahead(list(reads.values())):
        prompts = reads["prompts"].rows()
        cards = _card_views(access, retro, prompts, may)
        themes_loaded, votes, notes, actions, previous_actions, owners, templates = (
            reads[name].rows() if name in reads else []
            for name in ("themes", "votes", "notes", "actions", "previous_actions", "owners", "templates"))
        context = cycle_context(access, retro.cycle, now=now) if retro.phase == phase.COLLECT else None
        nn_ids = [p.non_negotiable_id for p in prompts if p.non_negotiable_id]
        if nn_ids and retro.phase == phase.COLLECT:
            ratings = read_shaped(_ratings_of, retrospective=retro.pk, participant=user_id)
        elif nn_ids and with_tallies and retro.reveals_ratings:
            ratings = read_shaped(_ratings_of, retrospective=retro.pk, participant=None)
        else:
            ratings = []
    people = [m.user for m in owners]

    # Prompts with their cards, ratings and pulse.
    by_prompt: dict[int, list[CardView]] = defaultdict(list)
    for card in cards:
        by_prompt[card.prompt_id].append(card)
    tallies: dict[int, Counter] = defaultdict(Counter)
    mine: dict[int, str] = {}
    for nn_id, participant_id, rating in ratings:
        tallies[nn_id][rating] += 1
        if participant_id == user_id:
            mine[nn_id] = rating
    prompt_views = []
    for prompt in prompts:
        view = PromptView(prompt, by_prompt.get(prompt.pk, []))
        if prompt.is_non_negotiable:
            view.my_rating = mine.get(prompt.non_negotiable_id, "")
            if retro.reveals_ratings:
                counted = tallies[prompt.non_negotiable_id]
                view.tally = RatingTally(counted["held"], counted["strained"], counted["broken"]).as_shown(team)
            if context is not None:
                view.strained_in_checkins = shown_count(team, context.strains.get(prompt.non_negotiable.title, 0))
        prompt_views.append(view)

    # Themes, in the order the team discusses them once votes are counted.
    cards_by_theme: dict[int, list[CardView]] = defaultdict(list)
    for card in cards:
        if card.theme_id is not None:
            cards_by_theme[card.theme_id].append(card)
    vote_counts = Counter(theme_id for theme_id, _ in votes)
    my_votes = Counter(theme_id for theme_id, voter_id in votes if voter_id == user_id)
    notes_by_theme: dict[int, list[RetroNote]] = defaultdict(list)
    for note in notes:
        notes_by_theme[note.theme_id].append(note)
    theme_urls = {name: RowUrls(URL_PREFIX + name, org, slug, retro.pk)
                  for name in ("retro_theme_rename", "retro_note_add")}
    themes = [ThemeView(theme=theme, cards=cards_by_theme.get(theme.pk, []),
                        votes=vote_counts.get(theme.pk, 0) if retro.reveals_votes else None,
                        my_votes=my_votes.get(theme.pk, 0), notes=notes_by_theme.get(theme.pk, []),
                        is_discussing=theme.pk == retro.discussing_id,
                        urls={name: urls.of(theme.pk) for name, urls in theme_urls.items()})
              for theme in themes_loaded]
    if retro.reveals_votes:
        themes.sort(key=lambda view: (-view.votes, view.theme.pk))

    order = Retrospective.phase_order()
    steps = [Step(label=str(Retrospective.Phase(value).label), is_done=order.index(value) < retro.phase_index,
                  is_current=value == retro.phase) for value in order]
    return SessionPage(
        retro=retro, may=may, steps=steps, prompts=prompt_views,
        lone_cards=[card for card in cards if card.theme_id is None] if retro.is_past(phase.COLLECT) else [],
        themes=themes, context=context, previous_actions=previous_actions, actions=actions, people=people,
        templates=templates, votes_cast=len(votes), voters=len({voter for _, voter in votes}),
        my_votes_left=max(retro.votes_per_person - sum(my_votes.values()), 0), card_count=len(cards), now=now,
        urls=retro_urls(team, retro.pk), cards=cards,
    )


def board_version(page: SessionPage, team) -> tuple:
    """What the board draws for everyone who reads it alike, as a version for the board kept once per version
    (reviews/retro/views.py): the session's own rows change its `version` (every write bumps it), and what the
    board shows from outside the session is named here, so a renamed facilitator or owner, a member who left,
    a commitment kept or broken and the cycle's check-ins draw it again (and reach an open board at its next
    poll after `live.RECHECK_SECONDS`). Nothing of one reader's is in it: a card's words only where everyone reads
    them, no card's "yours", no vote or rating of the reader's."""
    retro, context = page.retro, page.context
    reveals = retro.reveals_text
    return (
        retro.pk, retro.version, retro.phase, retro.is_anonymous, retro.hide_text_while_collecting,
        retro.votes_per_person, retro.timer_ends_at, retro.discussing_id, retro.previous_id, retro.closed_at,
        retro.cycle_id, retro.cycle.number, retro.cycle.start_date, retro.cycle.end_date,
        team.organisation.slug, team.slug, page.urls.get("retrospective"),
        retro.facilitator.name if retro.facilitator else "",
        tuple((card.key, card.prompt_id, card.theme_id, card.text if reveals else "", card.author_name,
               card.author_left) for card in page.cards),
        tuple((view.prompt.pk, view.prompt.text, view.tally, view.strained_in_checkins,
               _non_negotiable_shown(view.prompt.non_negotiable) if view.prompt.non_negotiable_id else None)
              for view in page.prompts),
        tuple((view.theme.pk, view.theme.name, view.votes, view.is_discussing,
               tuple(note.text for note in view.notes)) for view in page.themes),
        tuple(_action_shown(action) for action in page.actions),
        tuple((*_action_shown(action), action.review, action.reviewed_at) for action in page.previous_actions),
        tuple((person.pk, person.name) for person in page.people),
        tuple((template.pk, template.name) for template in page.templates),
        _context_shown(context) if context is not None else None,
        page.votes_cast, page.voters, page.card_count,
    )


def _non_negotiable_shown(non_negotiable) -> tuple:
    return non_negotiable.pk, non_negotiable.title, non_negotiable.standard


def _action_shown(action: RetroAction) -> tuple:
    commitment = action.commitment if action.commitment_id else None
    return (action.pk, action.title, action.kind, action.owner.name if action.owner_id else "", action.due_on,
            action.standard, action.proposed_change, action.amendment_charter_id,
            (commitment.pk, commitment.state) if commitment is not None else None)


def _reading_shown(reading) -> tuple | None:
    return (reading.value, reading.confidence) if reading is not None else None


def _context_shown(context: CycleContext) -> tuple:
    charter = context.charter
    return (
        (charter.pk, charter.purpose_statement, charter.purpose_serves, charter.purpose_outcome,
         charter.purpose_refuses) if charter is not None else None,
        tuple((kr.pk, kr.goal.objective, kr.metric, kr.start_value, kr.target_value, kr.unit,
               _reading_shown(kr.readings.get("now")))
              for kr in context.key_results),
        tuple((decision.pk, decision.title, decision.key_result.metric if decision.key_result_id else None,
               decision.investment_amount, decision.investment_until) for decision in context.investments),
        tuple(sorted(context.strains.items())), tuple(context.boundary_questions), context.boundary_question_count,
    )


def _session(team: int, retrospective: int):
    """query: the session with its cycle, facilitator and the theme under discussion"""
    return (Retrospective.objects.filter(team_id=team, pk=retrospective)
            .select_related("cycle", "facilitator", "discussing").order_by("pk")[:1])


def _prompts(retrospective: int):
    """query: the session's prompts with their non-negotiables"""
    return RetroPrompt.objects.filter(retrospective_id=retrospective).select_related("non_negotiable")


def _themes(retrospective: int):
    """query: the session's themes"""
    return RetroTheme.objects.filter(retrospective_id=retrospective)


def _votes(retrospective: int):
    """query: the session's votes, their themes and voters alone"""
    return RetroVote.objects.filter(retrospective_id=retrospective).values_list("theme_id", "voter_id")


def _ratings_of(retrospective: int, participant: int | None):
    """query: the session's ratings of its non-negotiables, one participant's (None: everyone's)"""
    ratings = NonNegotiableRating.objects.filter(retrospective_id=retrospective)
    if participant is not None:
        ratings = ratings.filter(participant_id=participant)
    return ratings.values_list("non_negotiable_id", "participant_id", "rating")


def _notes(retrospective: int):
    """query: the session's notes"""
    return RetroNote.objects.filter(retrospective_id=retrospective)


def _actions(retrospective: int):
    """query: the session's actions with their owners and commitments"""
    return RetroAction.objects.filter(retrospective_id=retrospective).select_related("owner", "commitment")


def _previous_actions(retrospective: int):
    """query: the previous session's actions with their owners, commitments and who reviewed each"""
    return (RetroAction.objects.filter(retrospective_id=retrospective)
            .select_related("owner", "commitment", "reviewed_by"))


def _owners_to_choose(team: int):
    """query: the team's people, by email"""
    return Membership.objects.filter(team_id=team).select_related("user").order_by("user__email")


def _templates(team: int):
    """query: the team's saved prompt templates"""
    return PromptTemplate.objects.filter(team_id=team)


def _cards(retrospective: int, named: bool):
    """query: the session's cards in their random order, with their authors' names where `named`"""
    rows = RetroCard.objects.filter(retrospective_id=retrospective).order_by("key")
    fields = ["key", "prompt_id", "theme_id", "text", "author_id"]
    return rows.values_list(*fields, "author__display_name", "author__email") if named else rows.values_list(*fields)


def _cards_read(retro: Retrospective) -> Read:
    """The session's cards, the author's name only when the session is not anonymous."""
    return Read(_cards, {"retrospective": retro.pk, "named": not retro.is_anonymous})


def _card_views(access: TeamAccess, retro: Retrospective, prompts: list[RetroPrompt],
                may: RetroPermissions) -> list[CardView]:
    """Every card of the session as this reader may see it (1 query), in the cards' random order.

    The author's name is loaded only when the session is not anonymous; in an anonymous one
    nothing but "is it yours?" is ever derived from the author.
    """
    # Plain rows, not models: a board holds a couple of hundred cards. The name only where it may show.
    rows = _cards_read(retro).rows()
    team, user_id = access.team, access.user.pk
    edit_prefix = _card_url_prefix(team, retro.pk)
    prompt_texts = {prompt.pk: prompt.text for prompt in prompts}
    reveals_text, named, add_cards = retro.reveals_text, not retro.is_anonymous, may.add_cards
    people = access.team_people  # read with the access: whose cards are a former member's costs no query
    views = []
    for key, prompt_id, theme_id, text, author_id, *author in rows:
        is_mine = author_id is not None and author_id == user_id
        visible = reveals_text or is_mine
        views.append(CardView(
            key=key, prompt_id=prompt_id, prompt_text=prompt_texts.get(prompt_id, ""), theme_id=theme_id,
            text=text if visible else "", is_hidden=not visible, is_mine=is_mine,
            author_name=User.name_of(*author) if named and author_id is not None else "",
            author_left=named and author_id is not None and people is not None and author_id not in people,
            edit_url=f"{edit_prefix}{key}/edit/" if is_mine and add_cards else "",
            delete_url=f"{edit_prefix}{key}/delete/" if is_mine and add_cards else "",
            move_url=f"{edit_prefix}{key}/move/" if may.group else "",
        ))
    return views


def _card_url_prefix(team, retro_id: int) -> str:
    """The path every card's own URLs start with, reversed once (a card is named by its key, not its id)."""
    from django.urls import reverse

    url = reverse(URL_PREFIX + "retro_card_edit", args=[team.organisation.slug, team.slug, retro_id, "KEY"])
    return url.removesuffix("KEY/edit/")


def cycle_context(access: TeamAccess, cycle: ReviewCycle, *, now: datetime) -> CycleContext:
    """What the charter-review prompts show, for a cycle: four queries.

    Queries: the charter in force; its key results with their goals and latest readings; the
    conscious investments logged during the cycle; the cycle's check-ins that named a strained
    non-negotiable or asked who decides (the questions' words only for readers of the team's
    check-ins; a count for everyone else).
    """
    team = cycle.team
    reads = _context_reads(cycle, now)
    charter = reads["charter"].first()
    key_results = active_key_results_at(team, {"now": now}) if charter is not None else []
    investments = reads["investments"].rows()
    pulse = reads["pulse"].rows()
    strains: Counter[str] = Counter()
    questions = []
    for strained, question in pulse:
        if strained is not None:
            strains[strained] += 1
        if question:
            questions.append(question)
    count = len(questions)
    if not may_read_checkins(access):
        questions = []
    return CycleContext(charter=charter, key_results=key_results, investments=investments, strains=dict(strains),
                        boundary_questions=questions, boundary_question_count=count)


def _context_reads(cycle: ReviewCycle, now: datetime) -> dict[str, Read]:
    """`cycle_context`'s reads that depend on no other's rows (a session collecting cards reads them ahead). The
    key results are those of the charter in force, found by the team: read ahead with the charter, not after it."""
    team = cycle.team
    starts, ends = _cycle_bounds(cycle)
    return {"charter": Read(_charter_in_force, {"team": team.pk}),
            "key_results": key_results_at_reads(team, {"now": now})[0],
            "investments": Read(_investments_logged, {"team": team.pk, "starts": starts, "ends": ends}),
            "pulse": Read(_pulse, {"team": team.pk, "after": cycle.start_date - timedelta(days=7),
                                   "before": cycle.end_date})}


def _phase_reads(retro: Retrospective, team, may: RetroPermissions, *, reader: int,
                 now: datetime) -> dict[str, Read]:
    """The session's reads its phase needs that depend on nothing but the session (`session_page`), by name.
    While collecting, the reader's ratings too: asked only when a prompt is a non-negotiable's, but read ahead
    with the prompts rather than after them (nothing when there is none)."""
    phase = Retrospective.Phase
    session = {"retrospective": retro.pk}
    reads = {"prompts": Read(_prompts, session),
             "cards": _cards_read(retro)}
    if retro.is_past(phase.COLLECT):
        reads["themes"] = Read(_themes, session)
    if retro.is_past(phase.GROUP):
        reads["votes"] = Read(_votes, session)
    if retro.is_past(phase.VOTE):
        reads["notes"] = Read(_notes, session)
    if retro.is_past(phase.DISCUSS):
        reads["actions"] = Read(_actions, session)
    if retro.previous_id and retro.phase in (phase.SETUP, phase.REVIEW_ACTIONS):
        reads["previous_actions"] = Read(_previous_actions, {"retrospective": retro.previous_id})
    if retro.phase == phase.ACTIONS:
        reads["owners"] = Read(_owners_to_choose, {"team": team.pk})
    if retro.is_setup and may.run:
        reads["templates"] = Read(_templates, {"team": team.pk})
    if retro.phase == phase.COLLECT:
        reads["ratings"] = Read(_ratings_of, {"retrospective": retro.pk, "participant": reader})
        reads.update(_context_reads(retro.cycle, now))
    return reads


def _charter_in_force(team: int):
    """query: the team's charter in force"""
    return Charter.objects.filter(team_id=team).active()[:1]


def _investments_logged(team: int, starts: datetime, ends: datetime):
    """query: the conscious investments logged between `starts` and `ends`, with their key results"""
    return (Decision.objects.filter(team_id=team, verdict=Decision.Verdict.CONSCIOUS_INVESTMENT, logged_at__gte=starts,
                                    logged_at__lt=ends).select_related("key_result").order_by("logged_at"))


def _pulse(team: int, after: date, before: date):
    """query: the check-ins of weeks after `after` and before `before` that named a strained non-negotiable or
    asked who decides: its title and their question"""
    return (CheckIn.objects.filter(team_id=team, state=CheckIn.State.SUBMITTED, week__gt=after, week__lt=before)
            .filter(Q(strained_non_negotiable__isnull=False) | ~Q(boundary_question=""))
            .order_by("week", "pk").values_list("strained_non_negotiable__title", "boundary_question"))


def _cycle_bounds(cycle: ReviewCycle) -> tuple[datetime, datetime]:
    zone = cycle.team.zone
    return (datetime.combine(cycle.start_date, time.min, zone), datetime.combine(cycle.end_date, time.min, zone))


def live_version(user, org_slug: str, team_slug: str, retrospective_id: int) -> int | None:
    """The session's version if the user is in its team, else None: one query, by the session's primary key.

    The live endpoint asks this every two seconds per participant, so it checks membership and reads
    the version in the same query, written out once (`_live_version_sql`): building it with the ORM at
    every poll cost more than running it, and planned once per connection (`one_query.fetch`): planning
    its joins cost PostgreSQL more than running them.
    """
    rows = fetch(connection, _live_version_sql(), [retrospective_id, team_slug, org_slug, user.pk], planned_once=True)
    return rows[0][0] if rows else None


@cache
def _live_version_sql() -> str:
    """The session's version, for a member of its team, by the session's id and the team's and organisation's slugs."""
    return _live_sql(with_user=False)


@cache
def quiet_poll_sql() -> str:
    """As `_live_version_sql`, with the member's password hash and whether they may sign in: what a session is
    checked against (`quiet.QuietPollMiddleware`)."""
    return _live_sql(with_user=True)


def _live_sql(*, with_user: bool) -> str:
    quote = connection.ops.quote_name

    def column(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    retro, team, organisation, membership, user = (quote(model._meta.db_table)
                                                   for model in (Retrospective, Team, Organisation, Membership, User))
    read = (f"r.{column(Retrospective, 'version')}, u.{column(User, 'password')}, u.{column(User, 'is_active')}"
            if with_user else f"r.{column(Retrospective, 'version')}")
    joined = f"JOIN {user} u ON u.{column(User, 'id')} = m.{column(Membership, 'user')} " if with_user else ""
    return (f"SELECT {read} FROM {retro} r "
            f"JOIN {team} t ON t.{column(Team, 'id')} = r.{column(Retrospective, 'team')} "
            f"JOIN {organisation} o ON o.{column(Organisation, 'id')} = t.{column(Team, 'organisation')} "
            f"JOIN {membership} m ON m.{column(Membership, 'team')} = t.{column(Team, 'id')} {joined}"
            f"WHERE r.{column(Retrospective, 'id')} = %s AND t.{column(Team, 'slug')} = %s "
            f"AND o.{column(Organisation, 'slug')} = %s AND m.{column(Membership, 'user')} = %s")


# The team's retrospectives ----------------------------------------------------------------------

@dataclass
class RetrospectivesPage:
    open_cycle: ReviewCycle | None
    current: Retrospective | None  # the open cycle's session
    past: list[Retrospective]
    templates: list[PromptTemplate]
    may_run: bool

    @property
    def may_start(self) -> bool:
        return self.may_run and self.open_cycle is not None and self.current is None


def retrospectives_page(access: TeamAccess) -> RetrospectivesPage:
    """The team's sessions, newest first, and whether one can start: three queries.

    Queries: the open cycle; the team's sessions with their cycles (the last twenty); its saved templates.
    """
    team = access.team
    open_cycle = ReviewCycle.objects.filter(team=team, state=ReviewCycle.State.OPEN).first()
    sessions = list(Retrospective.objects.filter(team=team).select_related("cycle", "facilitator")
                    .order_by("-cycle__number")[:20])
    for session in sessions:
        session.team = session.cycle.team = team
    current = next((s for s in sessions if open_cycle is not None and s.cycle_id == open_cycle.pk), None)
    may_run = may_run_retrospectives(access)
    return RetrospectivesPage(open_cycle=open_cycle, current=current,
                              past=[s for s in sessions if s is not current],
                              templates=list(PromptTemplate.objects.filter(team=team)) if may_run else [],
                              may_run=may_run)


# Summary and exports ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Participation:
    name: str
    cards: int | None  # None in an anonymous session: how many cards someone wrote is theirs to know
    ratings: int
    votes: int


@dataclass
class SummaryPage:
    retro: Retrospective
    themes: list[ThemeView]
    lone_cards: list[CardView]
    prompts: list[PromptView]
    actions: list[RetroAction]
    reviewed: list[RetroAction]  # the previous session's actions, as this one reviewed them
    participation: list[Participation]
    card_count: int
    votes_cast: int

    @property
    def non_negotiable_prompts(self) -> list[PromptView]:
        return [view for view in self.prompts if view.prompt.is_non_negotiable]


def summary_page(access: TeamAccess, retrospective_id: int) -> SummaryPage | None:
    """What a session produced, for reading, Markdown and CSV: the session page's queries and the participants.

    Votes are counted only once the vote has ended; until then they are hidden here as on the page.
    """
    page = session_page(access, retrospective_id, with_tallies=True)
    if page is None:
        return None
    retro = page.retro
    reviewed = list(RetroAction.objects.filter(retrospective_id=retro.previous_id)
                    .select_related("owner")) if retro.previous_id else []
    actions = page.actions or list(RetroAction.objects.filter(retrospective=retro).select_related("owner",
                                                                                                  "commitment"))
    return SummaryPage(retro=retro, themes=page.themes, lone_cards=page.lone_cards, prompts=page.prompts,
                       actions=actions, reviewed=reviewed, participation=participation(retro),
                       card_count=page.card_count, votes_cast=page.votes_cast if retro.reveals_votes else 0)


def participation(retro: Retrospective) -> list[Participation]:
    """Who took part and how: cards (not in an anonymous session), ratings and votes per person, in 4 queries.

    Queries: the team's people; cards, ratings and votes counted per person.
    """
    team = retro.team
    people = [m.user for m in Membership.objects.filter(team=team).select_related("user").order_by("user__email")]
    cards = Counter(dict(RetroCard.objects.filter(retrospective=retro).values_list("author_id")
                         .annotate(n=Count("pk")).order_by()))
    ratings = Counter(dict(NonNegotiableRating.objects.filter(retrospective=retro).values_list("participant_id")
                           .annotate(n=Count("pk")).order_by()))
    votes = Counter(dict(RetroVote.objects.filter(retrospective=retro).values_list("voter_id")
                         .annotate(n=Count("pk")).order_by()))
    return [Participation(name=person.name, cards=None if retro.is_anonymous else cards.get(person.pk, 0),
                          ratings=ratings.get(person.pk, 0), votes=votes.get(person.pk, 0))
            for person in people]


# Health trend -----------------------------------------------------------------------------------

TREND_CYCLES = 8


@dataclass(frozen=True)
class CycleHealth(RatingTally):
    """How one non-negotiable was rated in one cycle's retrospective.

    The counts are the real ones, for the share and the status; what a page shows is `shown`.
    """

    cycle_number: int
    minimum: int = 1  # the team's `privacy_minimum`: 1 shows every count

    @property
    def shown(self) -> RatingTally:
        """The counts as the team's small-team privacy lets them be shown (`alignment.privacy`)."""
        return RatingTally(*(ShownCount(n, self.minimum) for n in (self.held, self.strained, self.broken)))

    @property
    def shows_share(self) -> bool:
        """Whether the share who held it may be drawn: rated, and not by so few holding it that the share, beside
        the team's size, would tell the count the table hides."""
        return bool(self.total) and not self.shown.held.is_hidden

    @property
    def held_percent(self) -> int | None:
        return round(100 * self.held / self.total) if self.total else None

    @property
    def status(self) -> str:
        """The chart marker's class: mostly held, strained, or broken by as many as held it."""
        if not self.total:
            return ""
        if self.broken and self.broken >= self.held:
            return "off_track"
        return "on_track" if self.held * 3 >= self.total * 2 else "at_risk"


# What each bar's look says (`CycleHealth.status`), in the legend's words.
HEALTH_WORDS = {"on_track": "mostly held", "at_risk": "strained", "off_track": "broken as often as held"}


@dataclass(frozen=True)
class NonNegotiableTrend:
    title: str
    cycles: list[CycleHealth]  # one per cycle of the trend, zeros where it was not rated

    @property
    def chart(self) -> charts.BarChart:
        """One bar per cycle: the share who rated it held, on a fixed 0–100 scale, coloured by how it held.

        A cycle where it was not rated, or held by fewer than the team's minimum, is a gap, not 0%.
        """
        bars = []
        for c in self.cycles:
            shown = c.shown
            bars.append(charts.Bar(
                label=f"Cycle {c.cycle_number}", value=c.held_percent if c.shows_share else None, status=c.status,
                title=(f"Cycle {c.cycle_number}: {shown.held} held, {shown.strained} strained, {shown.broken} broken"
                       if c.total else f"Cycle {c.cycle_number}: not rated"),
            ))
        gaps = [f"held by fewer than {c.minimum}" if c.total else "not rated" for c in self.cycles
                if not c.shows_share]
        return charts.bar_chart(bars, maximum=100, width=420, height=150, status_labels=HEALTH_WORDS,
                                gap_label=", or ".join(sorted(set(gaps), reverse=True)))

    @property
    def chart_id(self) -> str:
        return "health-" + "".join(ch if ch.isalnum() else "-" for ch in self.title.lower())[:40]


@dataclass
class HealthTrend:
    """The non-negotiables' ratings, cycle after cycle: how well the charter's standards held."""

    cycle_numbers: list[int]
    non_negotiables: list[NonNegotiableTrend]
    privacy_minimum: int = 1  # the team's: counts below it read "fewer than …" (`CycleHealth.shown`)

    @property
    def has_points(self) -> bool:
        return bool(self.non_negotiables)

    @property
    def version(self) -> tuple:
        """What the panel is drawn from, all of it (`{% shared %}`): it reads alike for everyone who may see it."""
        return (tuple(self.cycle_numbers), self.privacy_minimum, tuple(
            (trend.title, tuple((c.cycle_number, c.held, c.strained, c.broken, c.minimum) for c in trend.cycles))
            for trend in self.non_negotiables))


def health_trend(team) -> HealthTrend:
    """Per non-negotiable (by title, so amended versions continue its line), the held / strained / broken
    counts of the last `TREND_CYCLES` reviewed cycles, oldest first: one query.

    A cycle counts once it is closed or its retrospective is: the ratings are final then. Each cycle's counts
    carry the team's privacy minimum, so that they are shown as it lets them be (`CycleHealth.shown`).
    """
    rows = health_trend_reads(team)[0].rows()
    numbers = sorted({number for number, *_ in rows})
    counts: dict[str, dict[int, Counter]] = defaultdict(lambda: defaultdict(Counter))
    first_seen: dict[str, tuple[int, int]] = {}
    for number, title, rating, n in rows:
        counts[title][number][rating] += n
        first_seen.setdefault(title, (number, len(first_seen)))
    minimum = team.privacy_minimum
    trends = [NonNegotiableTrend(title=title, cycles=[
        CycleHealth(by_cycle[number]["held"], by_cycle[number]["strained"], by_cycle[number]["broken"], number,
                    minimum)
        for number in numbers]) for title, by_cycle in counts.items()]
    trends.sort(key=lambda trend: trend.title.lower())
    return HealthTrend(cycle_numbers=numbers, non_negotiables=trends, privacy_minimum=minimum)


def _ratings(team: int):
    """The ratings of the team's last `TREND_CYCLES` reviewed cycles, counted by cycle, non-negotiable and rating."""
    reviewed = (ReviewCycle.objects.filter(team_id=team)
                .filter(Q(state=ReviewCycle.State.CLOSED) | Q(retrospectives__phase=Retrospective.Phase.CLOSED))
                .order_by("-number").values("pk")[:TREND_CYCLES])
    return (NonNegotiableRating.objects.filter(retrospective__cycle__in=reviewed)
            .values_list("retrospective__cycle__number", "non_negotiable__title", "rating")
            .annotate(n=Count("pk")).order_by())


def health_trend_reads(team) -> list[Read]:
    """What `health_trend` reads, for a page that reads it ahead with its other queries."""
    return [Read(_ratings, {"team": team.pk})]


def health_panel_reads(access: TeamAccess) -> list[Read]:
    """What `health_panel` reads, to be read ahead with the team page's other panels."""
    return health_trend_reads(access.team) if access.in_team else []


def health_panel(request, access: TeamAccess) -> HealthTrend | None:
    """The team page's health-trend panel, for the team's own people, once a cycle was reviewed (1 query)."""
    if not access.in_team:
        return None
    trend = health_trend(access.team)
    return trend if trend.has_points else None
