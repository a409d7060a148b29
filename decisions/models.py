"""The decision log: proposals judged against the team's purpose and metrics."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# When a conscious investment is due for its check at review: its horizon, or never for one logged without
# (it stays to check until declined). One expression for the query and the index that serves it.
INVESTMENT_DUE = Coalesce("investment_until", models.Value(date.max))


class Decision(models.Model):
    """A proposal judged against the team's purpose and metrics, and the leader's final call."""

    class PurposeEffect(models.TextChoices):
        ADVANCES = "advances", _("advances")
        NEUTRAL = "neutral", _("neutral")
        HARMS = "harms", _("harms")

    class MetricEffect(models.TextChoices):
        IMPROVES = "improves", _("improves")
        NEUTRAL = "neutral", _("neutral")
        DENTS = "dents", _("dents")

    class Verdict(models.TextChoices):
        NO = "no", _("No")
        CONSCIOUS_INVESTMENT = "conscious_investment", _("Conscious investment")
        YES = "yes", _("Yes")
        NOT_ALIGNED = "not_aligned", _("Not aligned")
        NOISE = "noise", _("Noise")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not decided yet")
        PROCEED = "proceed", _("Proceed")
        DECLINE = "decline", _("Do not proceed")

    # Verdicts whose recommendation is to go ahead; every other verdict recommends declining.
    PROCEED_VERDICTS = (Verdict.YES, Verdict.CONSCIOUS_INVESTMENT)
    # The calls a leader can make; "not decided yet" is the absence of one.
    CALLS = (Outcome.PROCEED, Outcome.DECLINE)

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="decisions")
    charter = models.ForeignKey("charters.Charter", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", help_text=_("The charter version in force when it was logged."))
    title = models.CharField(_("proposal"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    purpose_effect = models.CharField(_("effect on our purpose"), max_length=10, choices=PurposeEffect.choices)
    metric_effect = models.CharField(_("effect on our metrics"), max_length=10, choices=MetricEffect.choices)
    goal = models.ForeignKey("charters.Goal", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="decisions")
    key_result = models.ForeignKey("charters.KeyResult", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="investments", verbose_name=_("key result it dents"))
    investment_amount = models.CharField(_("how much"), max_length=200, blank=True,
                                         help_text=_("e.g. 'NPS may drop 3 points'"))
    investment_until = models.DateField(_("for how long"), null=True, blank=True,
                                        help_text=_("When the dent should be recovered; checked at review."))
    verdict = models.CharField(_("verdict"), max_length=24, choices=Verdict.choices, editable=False)
    outcome = models.CharField(_("final decision"), max_length=10, choices=Outcome.choices,
                               default=Outcome.PENDING)
    outcome_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                  related_name="+")
    logged_at = models.DateTimeField(default=timezone.now)
    # Bumped by every recorded outcome, so two leaders deciding at once cannot overwrite each other unseen.
    version = models.PositiveIntegerField(default=1)
    # Sent with the log-a-proposal form it was generated for, so submitting that form twice
    # (Back and resubmit, a double click) logs one proposal. Empty for decisions logged without one.
    idempotency_key = models.UUIDField(_("form submission key"), null=True, blank=True, editable=False)
    review_on = models.DateField(
        _("review by"), null=True, blank=True,
        help_text=_("Optional: when the team should look at this decision again; shown in My week and the "
                    "calendar feed when due."),
    )
    reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True, editable=False,
                                       help_text=_("When a leader last marked it reviewed."))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", editable=False)

    class Meta:
        ordering = ["-logged_at", "-pk"]
        constraints = [
            # Several rows may lack a key: NULLs are distinct in a unique constraint.
            models.UniqueConstraint(fields=["team", "idempotency_key"], name="decision_idempotency_key_unique"),
        ]
        indexes = [
            # A page of the decision log filtered by verdict, newest first (in the log's whole order, so
            # a page is read off the index without sorting the team's history).
            models.Index(fields=["team", "verdict", "-logged_at", "-id"], name="decision_log_verdict"),
            # A page of the decision log unfiltered, newest first.
            models.Index(fields=["team", "-logged_at", "-id"], name="decision_log"),
            # The log's conscious investments to check at review, from those due lately on, soonest first:
            # only those not declined are indexed.
            models.Index(models.F("team"), INVESTMENT_DUE, name="decision_investments_due",
                         condition=models.Q(verdict="conscious_investment") & ~models.Q(outcome="decline")),
            # Decisions whose review date has come, for the leaders' My week and calendar feed: only those
            # with a review date are indexed (marking one reviewed clears or moves its date).
            models.Index(fields=["team", "review_on"], name="decision_review_due",
                         condition=models.Q(review_on__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("decisions:detail", args=[self.team.organisation.slug, self.team.slug, self.pk])

    @staticmethod
    def is_investment(purpose_effect: str | None, metric_effect: str | None) -> bool:
        """A conscious investment: it advances the purpose at a cost to a metric."""
        return (purpose_effect == Decision.PurposeEffect.ADVANCES
                and metric_effect == Decision.MetricEffect.DENTS)

    @staticmethod
    def rule(purpose_effect: str, metric_effect: str) -> tuple[Decision.Verdict, str]:
        """The decision rule: what the team's purpose says about a proposal, and why."""
        P, M, V = Decision.PurposeEffect, Decision.MetricEffect, Decision.Verdict
        if purpose_effect == P.HARMS:
            return V.NO, "It harms the purpose. Metrics cannot buy back what the purpose refuses to trade away."
        if Decision.is_investment(purpose_effect, metric_effect):
            return V.CONSCIOUS_INVESTMENT, (
                "It advances the purpose at a cost to a metric. Proceed knowingly: name the key result, "
                "how much it may drop and for how long, and check it at the review."
            )
        if purpose_effect == P.ADVANCES:
            return V.YES, "It advances the purpose without denting a metric."
        if metric_effect == M.IMPROVES:
            return V.NOT_ALIGNED, (
                "It moves a metric but not the purpose: a local optimisation. Proceed only with a stated reason."
            )
        return V.NOISE, "It touches neither the purpose nor a metric. Let it go."

    @property
    def verdict_reason(self) -> str:
        """Why the rule gives this decision its verdict."""
        return self.rule(self.purpose_effect, self.metric_effect)[1]

    @staticmethod
    def recommendation(verdict: str) -> Decision.Outcome:
        """What a verdict recommends; departing from it needs a written reason."""
        return Decision.Outcome.PROCEED if verdict in Decision.PROCEED_VERDICTS else Decision.Outcome.DECLINE

    @staticmethod
    def departs(verdict: str, outcome: str) -> bool:
        """A final decision `outcome` goes against what `verdict` recommends (not deciding yet does not)."""
        return outcome != Decision.Outcome.PENDING and outcome != Decision.recommendation(verdict)

    @property
    def recommended_outcome(self) -> Decision.Outcome:
        """What the verdict recommends; departing from it needs a written reason."""
        return self.recommendation(self.verdict)

    @property
    def is_conscious_investment(self) -> bool:
        return self.verdict == self.Verdict.CONSCIOUS_INVESTMENT

    @property
    def recommended_outcome_label(self) -> str:
        return str(self.Outcome(self.recommended_outcome).label)

    def review_due(self, today: date) -> bool:
        """Its review date has come (`today` in the team's zone); marking it reviewed clears or moves the date."""
        return self.review_on is not None and self.review_on <= today

    @property
    def is_departure(self) -> bool:
        """The final decision goes against what the verdict recommends."""
        return self.departs(self.verdict, self.outcome)


class DecisionOutcome(models.Model):
    """One final call on a decision, kept when a leader changes it; the newest is the one in force."""

    # No index of its own: decision_outcome_history below starts with it.
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="outcomes", db_index=False)
    outcome = models.CharField(_("final decision"), max_length=10,
                               choices=[(call.value, call.label) for call in Decision.CALLS])
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("final call")
        verbose_name_plural = _("history of final calls")
        constraints = [
            models.CheckConstraint(condition=models.Q(outcome__in=Decision.CALLS), name="decision_outcome_is_a_call"),
        ]
        indexes = [
            # A decision's history, newest first, on its page.
            models.Index(fields=["decision", "-decided_at"], name="decision_outcome_history"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} — {self.decision}"

    def get_absolute_url(self) -> str:
        return f"{self.decision.get_absolute_url()}#call-{self.pk}"
