"""Review cycles: the periods a team's goals run for, ending in a retrospective."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

# The retrospective's models live in their own package (reviews/retro/models.py), in this app: imported
# here, where Django looks for the app's models (and where migration 0002 names `new_card_key`).
from reviews.retro.models import (  # noqa: F401
    NonNegotiableRating,
    PromptKind,
    PromptTemplate,
    PromptTemplateItem,
    RetroAction,
    RetroCard,
    RetroNote,
    RetroPrompt,
    Retrospective,
    RetrospectiveQuerySet,
    RetroTheme,
    RetroVote,
    new_card_key,
)


class ReviewCycle(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="cycles")
    number = models.PositiveIntegerField(_("cycle number"))
    start_date = models.DateField(_("starts"))
    end_date = models.DateField(_("ends"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    charter = models.ForeignKey(
        "charters.Charter", on_delete=models.RESTRICT, null=True, blank=True, related_name="cycles",
        help_text=_("The charter version the cycle ran under."),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("closed by"))
    summary = models.TextField(_("summary"), blank=True,
                               help_text=_("What the cycle taught the team, written when it closes."))
    planned_end_date = models.DateField(
        _("planned to end"), null=True, blank=True,
        help_text=_("Set when the cycle was closed before its end date: the day it was planned to end."),
    )

    class Meta:
        # team_id, not team: ordering by the relation would join teams and organisations.
        ordering = ["team_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="cycle_number_unique_per_team"),
            models.UniqueConstraint(fields=["team"], condition=Q(state="open"), name="cycle_one_open_per_team"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="cycle_ends_after_start"),
        ]
        indexes = [
            # The scheduler's "open cycles whose end date has come" (reviews.rollover.due_cycles).
            models.Index(fields=["end_date"], condition=Q(state="open"), name="cycle_open_by_end"),
        ]

    def __str__(self) -> str:
        return f"Cycle {self.number} ({self.start_date:%d %b} – {self.end_date:%d %b %Y})"

    def get_absolute_url(self) -> str:
        return reverse("reviews:cycle", args=[self.team.organisation.slug, self.team.slug, self.number])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED

    @property
    def closed_early(self) -> bool:
        return self.planned_end_date is not None

    def days_early(self, today: date) -> int:
        """How many days before its planned end the cycle closes (closed) or would close today (open); 0 if none."""
        planned = self.planned_end_date or self.end_date
        ended = self.end_date if self.is_closed else today
        return max(0, (planned - ended).days)


class CycleGoal(models.Model):
    """A goal of the charter a cycle runs under: the cycle's review looks back at it.

    Kept on the reviews side so that charters knows nothing of cycles.
    """

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="cycle_goals")
    goal = models.ForeignKey("charters.Goal", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["cycle", "goal"]
        constraints = [models.UniqueConstraint(fields=["cycle", "goal"], name="cycle_goal_unique")]

    def __str__(self) -> str:
        return f"{self.goal} in {self.cycle}"


class CycleKeyResult(models.Model):
    """Where a key result of the cycle's charter started and ended: recorded when the cycle closes."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="key_results")
    key_result = models.ForeignKey("charters.KeyResult", on_delete=models.CASCADE, related_name="+")
    start_value = models.DecimalField(_("value at the start"), max_digits=14, decimal_places=2, null=True,
                                      blank=True)
    final_value = models.DecimalField(_("final value"), max_digits=14, decimal_places=2, null=True, blank=True)
    final_confidence = models.CharField(_("final confidence"), max_length=10, blank=True)

    class Meta:
        ordering = ["cycle", "key_result"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key_result"], name="cycle_key_result_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key_result} in {self.cycle}"


class CycleCommitment(models.Model):
    """A commitment that is part of a cycle's work; those marked to carry over join the next cycle."""

    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="cycle_commitments")
    commitment = models.ForeignKey("checkins.Commitment", on_delete=models.CASCADE, related_name="+")
    carry_over = models.BooleanField(_("carry over"), default=True,
                                     help_text=_("Still open when the cycle closes: it joins the next cycle."))
    from_action = models.ForeignKey("RetroAction", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("from the retrospective action"))

    class Meta:
        ordering = ["cycle", "commitment"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "commitment"], name="cycle_commitment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.commitment} in {self.cycle}"


class ReviewTrigger(models.Model):
    """A charter version asking its leaders to be revisited, once per condition and subject.

    Fired by the scheduler (`reviews.triggers.fire_due_triggers`) when a condition holds for a team's
    version in force; kept whatever happens next, so a dismissed trigger does not come back for the same
    version and subject. A new ratified version starts afresh: its triggers are its own.
    """

    class Kind(models.TextChoices):
        STRAINED = "strained", _("a non-negotiable under strain")
        UNCLEAR = "unclear", _("unclear who decides")
        REVIEW_DATE = "review_date", _("its review date has come")
        CONSENT_DEBT = "consent_debt", _("consent debt")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        TAKEN_UP = "taken_up", _("Taken up in an amendment")
        DISMISSED = "dismissed", _("Dismissed")

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="review_triggers")
    charter = models.ForeignKey("charters.Charter", on_delete=models.CASCADE, related_name="review_triggers",
                                help_text=_("The version in force that asks to be revisited."))
    kind = models.CharField(_("why"), max_length=20, choices=Kind.choices)
    subject = models.CharField(
        _("subject"), max_length=200,
        help_text=_("What the condition is about, so it fires once for it: a non-negotiable (by its title), "
                    "the review date, or the version's consent."),
    )
    headline = models.CharField(_("headline"), max_length=300)
    evidence = models.JSONField(_("evidence"), default=dict, blank=True,
                                help_text=_("Weeks, counts and the words behind them, as found when it fired."))
    fired_at = models.DateTimeField(_("fired"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField(_("taken up or dismissed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("taken up or dismissed by"))
    dismiss_reason = models.TextField(_("why it was dismissed"), blank=True, max_length=2000)
    amendment = models.ForeignKey("charters.Charter", on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="review_evidence", verbose_name=_("amendment draft"),
                                  help_text=_("The amendment it was taken up in."))

    class Meta:
        ordering = ["team_id", "-fired_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "kind", "subject"], name="review_trigger_once_per_subject"),
            models.CheckConstraint(condition=~Q(state="taken_up") | Q(closed_at__isnull=False),
                                   name="review_trigger_taken_up_has_time"),
        ]
        indexes = [
            # My week: the open triggers of a person's teams.
            models.Index(fields=["team"], condition=Q(state="open"), name="review_trigger_open_by_team"),
        ]

    def __str__(self) -> str:
        return f"{self.headline} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("reviews:trigger", args=[self.team.organisation.slug, self.team.slug, self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def is_taken_up(self) -> bool:
        return self.state == self.State.TAKEN_UP

    @property
    def is_dismissed(self) -> bool:
        return self.state == self.State.DISMISSED
