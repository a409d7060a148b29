"""A team charter and its versions: purpose, people, process, non-negotiables,
boundaries and goals, with the team's comments and consent, and the decision log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PurposePart(models.TextChoices):
    """The three parts of a purpose; a goal says which one it advances."""

    SERVES = "serves", _("Who it serves")
    OUTCOME = "outcome", _("The outcome it exists to create")
    REFUSES = "refuses", _("What it refuses to trade away")


class BoundaryLabel(models.TextChoices):
    """The same three words everywhere in the product."""

    FIXED = "fixed", _("fixed")
    CONSULT = "consult", _("consult")
    TEAM_DECIDES = "team_decides", _("team decides")


class CharterQuerySet(models.QuerySet):
    def readable(self, *, in_team: bool) -> CharterQuerySet:
        """Versions a reader may see: all of them for the team, ratified ones for the organisation."""
        return self if in_team else self.filter(state__in=Charter.RATIFIED_STATES)


class Charter(models.Model):
    """One version of a team's charter. Ratified versions never change."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed")
        RATIFIED = "ratified", _("Ratified")
        SUPERSEDED = "superseded", _("Superseded")

    EDITABLE_STATES = (State.DRAFT, State.PROPOSED)
    RATIFIED_STATES = (State.RATIFIED, State.SUPERSEDED)

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="charters")
    number = models.PositiveIntegerField(_("version"), help_text=_("Version number within the team."))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.DRAFT)
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="amendments", help_text=_("The version this one amends."))
    amendment_note = models.TextField(_("what changes and why"), blank=True)

    purpose_statement = models.CharField(_("purpose in one line"), max_length=240, blank=True)
    purpose_serves = models.TextField(_("who it serves"), blank=True,
                                      help_text=_("The people whose needs decide tradeoffs."))
    purpose_outcome = models.TextField(_("the outcome it exists to create"), blank=True)
    purpose_refuses = models.TextField(_("what it refuses to trade away"), blank=True,
                                       help_text=_("What the team will not sacrifice, even for a metric."))
    purpose_version = models.PositiveIntegerField(default=1)
    people = models.TextField(_("people: behaviours we expect of ourselves"), blank=True,
                              help_text=_("Markdown. How we treat each other and the people we serve."))
    people_version = models.PositiveIntegerField(default=1)
    process = models.TextField(_("process: rituals, cadence, definition of done"), blank=True,
                               help_text=_("Markdown. Our meetings and their rhythm, and when work counts as done."))
    process_version = models.PositiveIntegerField(default=1)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    proposed_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True,
                                     help_text=_("Last change to the text while it was proposed."))
    ratified_at = models.DateTimeField(null=True, blank=True)
    ratified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)

    objects = CharterQuerySet.as_manager()

    class Meta:
        # team_id, not team: ordering by the relation would join teams and organisations.
        ordering = ["team_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="charter_number_unique_per_team"),
            # One working copy (draft or proposed) at a time, and one active version.
            models.UniqueConstraint(fields=["team"], condition=Q(state__in=["draft", "proposed"]),
                                    name="charter_one_open_draft_per_team"),
            models.UniqueConstraint(fields=["team"], condition=Q(state="ratified"),
                                    name="charter_one_active_per_team"),
        ]

    def __str__(self) -> str:
        return f"{self.team.name} charter v{self.number} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("charters:version", args=[self.team.organisation.slug, self.team.slug, self.number])

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES

    @property
    def was_ratified(self) -> bool:
        return self.state in self.RATIFIED_STATES

    def purpose_part_text(self, part: PurposePart | str) -> str:
        return getattr(self, f"purpose_{PurposePart(part).value}")


class CharterItem(models.Model):
    """Something listed in a charter in an order the leader chooses."""

    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]


class NonNegotiable(CharterItem):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="non_negotiables")
    title = models.CharField(_("title"), max_length=160)
    standard = models.TextField(_("what meeting it looks like"), blank=True,
                                help_text=_("The observable standard: how anyone can tell it is being met."))
    why = models.TextField(_("why it matters"), blank=True, help_text=_("Markdown."))

    class Meta(CharterItem.Meta):
        indexes = [models.Index(fields=["charter", "position"], name="nonneg_charter_position")]  # charter page

    def __str__(self) -> str:
        return self.title


class Boundary(CharterItem):
    """An area of work and who decides in it: fixed, consult, or team decides."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="boundaries")
    area = models.CharField(_("area of work"), max_length=160)
    label = models.CharField(_("who decides"), max_length=12, choices=BoundaryLabel.choices, blank=True,
                             help_text=_("fixed: set by the leader or organisation; consult: the team decides "
                                         "after consulting; team decides: the team's call."))
    guardrails = models.TextField(_("guardrails"), blank=True,
                                  help_text=_("Markdown. The limits within which the team acts."))
    set_by = models.CharField(_("set by"), max_length=160, blank=True,
                              help_text=_("Who sets or owns this boundary, e.g. 'Head of Engineering'."))

    class Meta(CharterItem.Meta):
        verbose_name_plural = _("boundaries")
        indexes = [models.Index(fields=["charter", "position"], name="boundary_charter_position")]  # charter page

    def __str__(self) -> str:
        return f"{self.area} ({self.get_label_display() or 'unlabelled'})"


class Goal(CharterItem):
    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="goals")
    cycle = models.ForeignKey("reviews.ReviewCycle", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="goals")
    origin = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               help_text=_("The same goal in the version this one was amended from."))
    objective = models.CharField(_("objective"), max_length=240)
    purpose_part = models.CharField(_("advances which part of the purpose"), max_length=10,
                                    choices=PurposePart.choices, blank=True)
    tradeoff = models.TextField(_("tradeoff we consciously accept"), blank=True,
                                help_text=_("What the team gives up or risks to reach this goal."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="owned_goals")

    class Meta(CharterItem.Meta):
        indexes = [models.Index(fields=["charter", "position"], name="goal_charter_position")]  # charter page

    def __str__(self) -> str:
        return self.objective


class KeyResult(CharterItem):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="key_results")
    origin = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    metric = models.CharField(_("metric"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("e.g. %, days, NPS points"))
    start_value = models.DecimalField(_("start"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    current_value = models.DecimalField(_("current"), max_digits=14, decimal_places=2, null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(
        _("confidence (0–10)"), null=True, blank=True,
        help_text=_("How likely the target is reached this cycle: 0 no chance, 10 certain."),
    )

    class Meta(CharterItem.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(confidence__lte=10), name="key_result_confidence_0_10"),
        ]
        indexes = [models.Index(fields=["goal", "position"], name="kr_goal_position")]  # charter page

    def __str__(self) -> str:
        return self.metric

    @property
    def progress_percent(self) -> int | None:
        """How far from start to target the current value is, clamped to 0–100."""
        if None in (self.start_value, self.target_value, self.current_value):
            return None
        span = self.target_value - self.start_value
        if span == 0:
            return 100 if self.current_value == self.target_value else 0
        return max(0, min(100, round((self.current_value - self.start_value) / span * 100)))


class Section(models.TextChoices):
    """Parts of a charter that people comment on and that diffs compare."""

    PURPOSE = "purpose", _("Purpose")
    PEOPLE = "people", _("People")
    PROCESS = "process", _("Process")
    NON_NEGOTIABLES = "non_negotiables", _("Non-negotiables")
    BOUNDARIES = "boundaries", _("Boundaries")
    GOALS = "goals", _("Goals")


class Comment(models.Model):
    """A comment on one section of a proposed charter; replies form a thread."""

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(_("section"), max_length=20, choices=Section.choices)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("comment"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["charter", "created_at"], name="comment_charter_created")]  # threads

    def __str__(self) -> str:
        return f"Comment by {self.author} on {self.get_section_display()}"

    def get_absolute_url(self) -> str:
        return self.charter.get_absolute_url() + f"#comment-{self.pk}"


class Response(models.Model):
    """A member's consent to, or objection against, a proposed charter."""

    class Kind(models.TextChoices):
        CONSENT = "consent", _("Consent")
        OBJECTION = "objection", _("Objection")

    class Answer(models.TextChoices):
        AMENDED = "amended", _("Amended the charter")
        KEPT = "kept", _("Kept it, with an explanation")

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="responses")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("your response"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("reason"), blank=True,
                              help_text=_("Required for an objection: what would harm the team, and what would fix it."))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, blank=True)
    answer_text = models.TextField(_("explanation"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "member"], name="response_one_per_member_per_charter"),
            models.CheckConstraint(condition=~Q(kind="objection") | ~Q(reason=""),
                                   name="response_objection_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.member} on {self.charter}"

    @property
    def is_open_objection(self) -> bool:
        return self.kind == self.Kind.OBJECTION and not self.answer


class Decision(models.Model):
    """A proposal judged against the team's purpose and metrics."""

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

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="decisions")
    charter = models.ForeignKey(Charter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                help_text=_("The charter version in force when it was logged."))
    title = models.CharField(_("proposal"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    purpose_effect = models.CharField(_("effect on our purpose"), max_length=10, choices=PurposeEffect.choices)
    metric_effect = models.CharField(_("effect on our metrics"), max_length=10, choices=MetricEffect.choices)
    goal = models.ForeignKey(Goal, on_delete=models.SET_NULL, null=True, blank=True, related_name="decisions")
    key_result = models.ForeignKey(KeyResult, on_delete=models.SET_NULL, null=True, blank=True,
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

    class Meta:
        ordering = ["-logged_at", "-pk"]
        indexes = [
            # The decision log, filtered by verdict, newest first.
            models.Index(fields=["team", "verdict", "-logged_at"], name="decision_team_verdict"),
            models.Index(fields=["team", "-logged_at"], name="decision_team_logged"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("charters:decision", args=[self.team.organisation.slug, self.team.slug, self.pk])

    @property
    def is_departure(self) -> bool:
        return self.outcome != self.Outcome.PENDING and self.outcome != recommended_outcome(self.verdict)


def judge(purpose_effect: str, metric_effect: str) -> tuple[Decision.Verdict, str]:
    """The seeds' decision rule: what the team's purpose says about a proposal, and why."""
    P, M, V = Decision.PurposeEffect, Decision.MetricEffect, Decision.Verdict
    if purpose_effect == P.HARMS:
        return V.NO, "It harms the purpose. Metrics cannot buy back what the purpose refuses to trade away."
    if purpose_effect == P.ADVANCES and metric_effect == M.DENTS:
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


def recommended_outcome(verdict: str) -> str:
    """What the verdict recommends; departing from it needs a written reason."""
    proceed = {Decision.Verdict.YES, Decision.Verdict.CONSCIOUS_INVESTMENT}
    return Decision.Outcome.PROCEED if verdict in proceed else Decision.Outcome.DECLINE
