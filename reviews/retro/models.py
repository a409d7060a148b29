"""Retrospectives: the facilitated session that ends a review cycle, and what it produces.

A retrospective walks the charter with prompts, collects cards (anonymous if the facilitator
chose so before it started), groups them into themes, dot-votes, discusses the top themes on a
timer, and turns the outcomes into actions: commitments for the next cycle or a charter
amendment draft. Every change a participant should see bumps the session's `version`, which
the live endpoint compares.

These models belong to the `reviews` app (its tables, its migrations): `reviews/models.py`
imports them so that Django finds them there.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PromptKind(models.TextChoices):
    """What a prompt asks about: the charter's elements, keep / change / try, or the facilitator's own."""

    PURPOSE = "purpose", _("Purpose")
    NON_NEGOTIABLE = "non_negotiable", _("Non-negotiable")
    BOUNDARIES = "boundaries", _("Boundaries")
    GOALS = "goals", _("Goals")
    INVESTMENTS = "investments", _("Conscious investments")
    KEEP = "keep", _("Keep")
    CHANGE = "change", _("Change")
    TRY = "try", _("Try")
    CUSTOM = "custom", _("Own question")


class RetrospectiveQuerySet(models.QuerySet):
    def running(self) -> RetrospectiveQuerySet:
        return self.exclude(phase=Retrospective.Phase.CLOSED)

    def closed(self) -> RetrospectiveQuerySet:
        return self.filter(phase=Retrospective.Phase.CLOSED)


class Retrospective(models.Model):
    """The facilitated session that ends a cycle; one per cycle."""

    class Phase(models.TextChoices):
        SETUP = "setup", _("Getting ready")
        REVIEW_ACTIONS = "review_actions", _("Review last actions")
        COLLECT = "collect", _("Collect")
        GROUP = "group", _("Group")
        VOTE = "vote", _("Vote")
        DISCUSS = "discuss", _("Discuss")
        ACTIONS = "actions", _("Actions")
        CLOSED = "closed", _("Closed")

    # What people do in a session, and the phases in which each is open. The one home of the
    # phase rules: services refuse with `refusal_to`, pages ask `allows`.
    ACTIVITIES: dict[str, tuple[tuple[str, ...], str]] = {
        "settings": (("setup",), "Anonymity is chosen before the session starts."),
        "votes_per_person": (("setup", "review_actions", "collect", "group"),
                             "The number of votes is fixed once voting has started."),
        "hide_text": (("setup", "review_actions", "collect"), "Card text is shown once collecting has ended."),
        "prompts": (("setup", "review_actions"), "Prompts are set before collecting starts."),
        "review": (("review_actions",), "Last session's actions are reviewed in the first phase."),
        "cards": (("collect",), "Cards are written while collecting."),
        "ratings": (("collect",), "Non-negotiables are rated while collecting."),
        "grouping": (("group",), "Cards are grouped into themes in the group phase."),
        "votes": (("vote",), "Votes are cast in the vote phase."),
        "timer": (("discuss",), "The timer runs while discussing."),
        "notes": (("discuss", "actions"), "Notes are taken while discussing."),
        "actions": (("actions",), "Actions are agreed in the actions phase."),
    }

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="retrospectives",
                             help_text=_("The cycle's team, kept here so that every lookup is scoped in one join."))
    cycle = models.ForeignKey("ReviewCycle", on_delete=models.CASCADE, related_name="retrospectives")
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 help_text=_("The team's previous retrospective, whose actions are reviewed first."))
    facilitator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("facilitator"))
    is_anonymous = models.BooleanField(
        _("anonymous cards"), default=False,
        help_text=_("Nobody but its author sees who wrote a card. Chosen before the session starts."))
    hide_text_while_collecting = models.BooleanField(
        _("hide cards while collecting"), default=False,
        help_text=_("Each person sees only their own cards' words until collecting ends, so nobody anchors on "
                    "what others wrote."))
    votes_per_person = models.PositiveSmallIntegerField(_("votes per person"), default=3,
                                                        help_text=_("Between 1 and 10."))
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.SETUP)
    phase_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                         blank=True, related_name="+")
    discussing = models.ForeignKey("RetroTheme", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("theme under discussion"))
    timer_ends_at = models.DateTimeField(_("timer ends"), null=True, blank=True)
    # Bumped by every change a participant should see; the live endpoint answers "nothing new" by it.
    version = models.PositiveIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = RetrospectiveQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle"], name="retro_one_per_cycle"),
            models.CheckConstraint(
                condition=Q(phase__in=["setup", "review_actions", "collect", "group", "vote", "discuss", "actions",
                                       "closed"]),
                name="retro_phase_valid"),
            models.CheckConstraint(condition=Q(votes_per_person__gte=1) & Q(votes_per_person__lte=10),
                                   name="retro_votes_per_person_in_range"),
            models.CheckConstraint(condition=~Q(phase="closed") | Q(closed_at__isnull=False),
                                   name="retro_closed_has_time"),
        ]
        indexes = [
            # The team's list of retrospectives, newest first, and its running one.
            models.Index(fields=["team", "-created_at"], name="retro_team_created"),
        ]

    def __str__(self) -> str:
        return f"Retrospective of cycle {self.cycle.number} ({self.team.name})"

    def get_absolute_url(self) -> str:
        return reverse("reviews:retrospective", args=[self.team.organisation.slug, self.team.slug, self.pk])

    # Phases, in order.
    @classmethod
    def phase_order(cls) -> tuple[str, ...]:
        return _PHASES

    @property
    def phase_index(self) -> int:
        return _PHASE_INDEX[self.phase]

    @property
    def next_phase(self) -> str | None:
        following = self.phase_index + 1
        return _PHASES[following] if following < len(_PHASES) else None

    def next_phase_label(self) -> str:
        return str(self.Phase(self.next_phase).label) if self.next_phase else ""

    def is_past(self, phase: str) -> bool:
        """Whether the session has moved beyond `phase`."""
        return self.phase_index > _PHASE_INDEX[phase]

    @property
    def is_setup(self) -> bool:
        return self.phase == self.Phase.SETUP

    @property
    def is_closed(self) -> bool:
        return self.phase == self.Phase.CLOSED

    # What is open in the current phase.
    def allows(self, activity: str) -> bool:
        return self.phase in self.ACTIVITIES[activity][0]

    def refusal_to(self, activity: str) -> str | None:
        """Why `activity` is not open now, in words; None when it is."""
        if self.allows(activity):
            return None
        if self.is_closed:
            return "This retrospective is closed, so nothing in it can change now. Its summary is kept."
        return f"{self.ACTIVITIES[activity][1]} This session is now at “{self.get_phase_display()}”."

    def refusal_to_set_anonymity(self, is_anonymous: bool) -> str | None:
        """Why anonymity cannot become `is_anonymous` now, in words; None when it can (or already is).

        The one home of the anonymity rule: the settings service and the admin ask it. Anonymity is
        chosen while setting up; and once anyone has written a card it is never turned off, in any
        phase (were the phase ever put back), because those cards were written trusting that nobody
        would learn whose they are. Asks for the cards (one query) only when turning it off.
        """
        if is_anonymous == self.is_anonymous:
            return None
        if not is_anonymous and self.pk is not None and self.cards.exists():
            return ("Cards were written in this session trusting that nobody would know who wrote them, "
                    "so it stays anonymous.")
        return self.refusal_to("settings")

    @property
    def reveals_text(self) -> bool:
        """Whether everyone reads every card's words (else each reads only their own)."""
        return not self.hide_text_while_collecting or self.is_past(self.Phase.COLLECT)

    @property
    def reveals_votes(self) -> bool:
        """Vote counts are hidden from everyone, the facilitator included, until the vote ends."""
        return self.is_past(self.Phase.VOTE)

    @property
    def reveals_ratings(self) -> bool:
        """How the non-negotiables were rated shows once collecting ends, so nobody anchors on it."""
        return self.is_past(self.Phase.COLLECT)


# The phases in order, and each one's place: a board asks dozens of times a drawing.
_PHASES: tuple[str, ...] = tuple(Retrospective.Phase.values)
_PHASE_INDEX: dict[str, int] = {phase: index for index, phase in enumerate(_PHASES)}


class PromptTemplate(models.Model):
    """A set of prompts a team saved to start its next retrospectives with."""

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="retro_templates")
    name = models.CharField(_("template name"), max_length=80)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team_id", "name"]
        constraints = [models.UniqueConstraint(fields=["team", "name"], name="retro_template_name_unique")]

    def __str__(self) -> str:
        return self.name


class PromptTemplateItem(models.Model):
    """One prompt of a saved template; a non-negotiable item stands for one prompt per non-negotiable."""

    template = models.ForeignKey(PromptTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=PromptKind.choices)
    text = models.CharField(_("question"), max_length=200)

    class Meta:
        ordering = ["template", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PromptKind.values), name="retro_template_item_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.text


class RetroPrompt(models.Model):
    """A question cards are written under, in the order the facilitator set."""

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="prompts")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(_("kind"), max_length=16, choices=PromptKind.choices, default=PromptKind.CUSTOM)
    text = models.CharField(_("question"), max_length=200)
    non_negotiable = models.ForeignKey("charters.NonNegotiable", on_delete=models.SET_NULL, null=True,
                                       blank=True, related_name="+")

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PromptKind.values), name="retro_prompt_kind_valid"),
        ]
        indexes = [
            # The session page: a session's prompts in order.
            models.Index(fields=["retrospective", "position"], name="retro_prompt_order"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_non_negotiable(self) -> bool:
        return self.kind == PromptKind.NON_NEGOTIABLE and self.non_negotiable_id is not None

    @property
    def is_purpose(self) -> bool:
        return self.kind == PromptKind.PURPOSE

    @property
    def is_boundaries(self) -> bool:
        return self.kind == PromptKind.BOUNDARIES

    @property
    def is_goals(self) -> bool:
        return self.kind == PromptKind.GOALS

    @property
    def is_investments(self) -> bool:
        return self.kind == PromptKind.INVESTMENTS


def new_card_key() -> str:
    """A card's public name: random, so it says nothing about who wrote it or when."""
    return secrets.token_urlsafe(12)


class RetroTheme(models.Model):
    """A named group of cards; the team votes on themes."""

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(_("theme"), max_length=120)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]  # the session page reads a session's themes by their foreign key's own index

    def __str__(self) -> str:
        return self.name


class RetroCard(models.Model):
    """What one person wrote under a prompt.

    In an anonymous session the author is stored (so they can edit or take back their own card)
    but never shown to anyone else: pages get cards through `reviews.retro.selectors`, which hands
    templates the author only when the session is not anonymous. Cards are ordered and named by
    `key`, a random token, so neither their order nor their ids tell when or by whom they were written.
    """

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="cards")
    prompt = models.ForeignKey(RetroPrompt, on_delete=models.CASCADE, related_name="cards")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("card"), max_length=1000)
    theme = models.ForeignKey(RetroTheme, on_delete=models.SET_NULL, null=True, blank=True, related_name="cards")
    key = models.CharField(max_length=22, unique=True, default=new_card_key, editable=False)
    # Set by the form when it is shown: a double click or a resent post writes the card once.
    token = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["retrospective", "token"], name="retro_card_once_per_form"),
        ]
        indexes = [
            # The session page: a session's cards in their random order.
            models.Index(fields=["retrospective", "key"], name="retro_card_order"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class RetroVote(models.Model):
    """One dot of a person's votes. Slots make "N votes each" a database rule, not only a form's."""

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    theme = models.ForeignKey(RetroTheme, on_delete=models.CASCADE, related_name="votes")
    slot = models.PositiveSmallIntegerField(help_text=_("Which of the voter's votes this is, from 0."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            # A person's votes fill slots 0 … N-1 (N checked under the session's lock); two at once
            # cannot take the same slot.
            models.UniqueConstraint(fields=["retrospective", "voter", "slot"], name="retro_vote_slot_unique"),
            models.CheckConstraint(condition=Q(slot__lt=10), name="retro_vote_slot_in_range"),
        ]

    def __str__(self) -> str:
        return f"Vote for {self.theme}"


class RetroNote(models.Model):
    """What the team said about a theme while discussing it."""

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="notes")
    theme = models.ForeignKey(RetroTheme, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField(_("note"), max_length=2000)
    token = models.UUIDField(default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["retrospective", "token"], name="retro_note_once_per_form"),
        ]

    def __str__(self) -> str:
        return self.text[:60]


class NonNegotiableRating(models.Model):
    """How one person felt a non-negotiable held during the cycle; kept per session for the health trend."""

    class Rating(models.TextChoices):
        HELD = "held", _("held")
        STRAINED = "strained", _("strained")
        BROKEN = "broken", _("broken")

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="ratings")
    non_negotiable = models.ForeignKey("charters.NonNegotiable", on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices)
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["retrospective", "non_negotiable", "participant"],
                                    name="retro_rating_once_per_person"),
            models.CheckConstraint(condition=Q(rating__in=["held", "strained", "broken"]),
                                   name="retro_rating_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.non_negotiable}: {self.get_rating_display()}"


class RetroAction(models.Model):
    """An outcome of a retrospective: a commitment for the next cycle, or a change to the charter.

    The next retrospective opens by reviewing it: done, not done, or dropped.
    """

    class Kind(models.TextChoices):
        COMMITMENT = "commitment", _("commitment for the next cycle")
        AMENDMENT = "amendment", _("charter amendment")

    class Review(models.TextChoices):
        DONE = "done", _("done")
        NOT_DONE = "not_done", _("not done")
        DROPPED = "dropped", _("dropped")

    retrospective = models.ForeignKey(Retrospective, on_delete=models.CASCADE, related_name="actions")
    theme = models.ForeignKey(RetroTheme, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions",
                              verbose_name=_("from the theme"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("what we will do"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                              verbose_name=_("owner"))
    due_on = models.DateField(_("due"))
    standard = models.TextField(_("standard of completion"), blank=True, max_length=2000,
                                help_text=_("For a commitment: what done looks like, so anyone can tell."))
    proposed_change = models.TextField(_("proposed change to the charter"), blank=True, max_length=4000,
                                       help_text=_("For an amendment: what should change, and why."))
    section = models.CharField(_("part of the charter"), max_length=20, blank=True,
                               help_text=_("For an amendment: the section the change is about."))
    commitment = models.ForeignKey("checkins.Commitment", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    amendment_charter = models.ForeignKey("charters.Charter", on_delete=models.SET_NULL, null=True, blank=True,
                                          related_name="+", verbose_name=_("amendment draft"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    token = models.UUIDField(default=uuid.uuid4, editable=False)
    review = models.CharField(_("at the next retrospective"), max_length=10, choices=Review.choices, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["retrospective", "token"], name="retro_action_once_per_form"),
            models.CheckConstraint(condition=Q(kind__in=["commitment", "amendment"]), name="retro_action_kind_valid"),
            models.CheckConstraint(condition=Q(review__in=["", "done", "not_done", "dropped"]),
                                   name="retro_action_review_valid"),
            models.CheckConstraint(condition=~Q(kind="commitment") | ~Q(standard=""),
                                   name="retro_action_commitment_has_standard"),
            models.CheckConstraint(condition=~Q(kind="amendment") | ~Q(proposed_change=""),
                                   name="retro_action_amendment_has_change"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_commitment(self) -> bool:
        return self.kind == self.Kind.COMMITMENT

    @property
    def is_amendment(self) -> bool:
        return self.kind == self.Kind.AMENDMENT

    @property
    def is_reviewed(self) -> bool:
        return bool(self.review)
