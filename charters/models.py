"""A team charter and its versions: purpose, people, process, non-negotiables,
boundaries and goals, with the team's comments and consent."""

from __future__ import annotations

from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Lower
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


class Section(models.TextChoices):
    """Parts of a charter that people comment on and that diffs compare."""

    PURPOSE = "purpose", _("Purpose")
    PEOPLE = "people", _("People")
    PROCESS = "process", _("Process")
    NON_NEGOTIABLES = "non_negotiables", _("Non-negotiables")
    BOUNDARIES = "boundaries", _("Boundaries")
    GOALS = "goals", _("Goals")


class Confidence(models.TextChoices):
    """How likely a key result's target is reached this cycle: one scale for the editor, check-ins and progress."""

    ON_TRACK = "on_track", _("on track")
    AT_RISK = "at_risk", _("at risk")
    OFF_TRACK = "off_track", _("off track")


def confidence_fell() -> Q:
    """Readings less confident than the reading before them (on track > at risk > off track)."""
    scale = list(Confidence)  # most confident first
    return reduce(or_, (Q(previous_confidence=before, confidence__in=scale[rank + 1:])
                        for rank, before in enumerate(scale[:-1])))


class CharterQuerySet(models.QuerySet):
    def readable(self, *, in_team: bool) -> CharterQuerySet:
        """Versions a reader may see: all of them for the team, ratified ones for the organisation."""
        return self if in_team else self.filter(state__in=Charter.RATIFIED_STATES)

    def active(self) -> CharterQuerySet:
        """The version in force: ratified and not yet superseded (one per team at most)."""
        return self.filter(state=Charter.State.RATIFIED)

    def working(self) -> CharterQuerySet:
        """The copy being drafted or put to the team (one per team at most)."""
        return self.filter(state__in=Charter.EDITABLE_STATES)

    def in_force_or_working(self) -> CharterQuerySet:
        return self.filter(state__in=[*Charter.EDITABLE_STATES, Charter.State.RATIFIED])

    def active_for(self, team) -> Charter | None:
        return self.filter(team=team).active().first()


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
    revision = models.PositiveIntegerField(
        default=1, help_text=_("Bumped by every change to the text, so a response records which text it answered."),
    )

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    proposed_at = models.DateTimeField(null=True, blank=True)
    responses_close_on = models.DateField(
        _("responses close on"), null=True, blank=True,
        help_text=_("Optional: the day by which members should consent or object. Shown to them."),
    )
    edited_at = models.DateTimeField(null=True, blank=True,
                                     help_text=_("Last change to the text while it was proposed."))
    ratified_at = models.DateTimeField(null=True, blank=True)
    ratified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    superseded_at = models.DateTimeField(null=True, blank=True)
    ratified_despite_gaps = models.BooleanField(
        default=False,
        help_text=_("The leader ratified knowingly while some members had not responded to the final text."),
    )
    reminded_at = models.DateTimeField(
        null=True, blank=True,
        help_text=_("When a leader last reminded who had not answered (once a day per consent round)."),
    )
    round_closed_at = models.DateTimeField(
        null=True, blank=True,
        help_text=_("When the scheduler closed the consent round after its closing date: ratified, or the "
                    "leader told what blocks it. Cleared by proposing again."),
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (% of members who must respond)"), null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Optional: the share of the team's members who must give their word before the charter "
                    "can be ratified, consent or objection alike. Empty: no quorum."),
    )
    stances_hidden = models.BooleanField(
        _("hide responses until the round closes"), default=False,
        help_text=_("Members see how many have responded but not who said what until the charter is ratified "
                    "or the round closes, so nobody follows the first voices. Leaders see every response."),
    )
    review_on = models.DateField(
        _("review by"), null=True, blank=True,
        help_text=_("When the team should revisit this version; set at ratification (by default the end of "
                    "the second review cycle) and shown in My week and the calendar feed when due."),
    )

    objects = CharterQuerySet.as_manager()

    # The text sections edited as a whole: their fields, in the order forms and admin show them.
    # Each has its own version counter, `<section>_version`, for compare-and-set saves.
    TEXT_SECTIONS: dict[str, tuple[str, ...]] = {
        Section.PURPOSE: ("purpose_statement", "purpose_serves", "purpose_outcome", "purpose_refuses"),
        Section.PEOPLE: ("people",),
        Section.PROCESS: ("process",),
    }

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
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def is_proposed(self) -> bool:
        return self.state == self.State.PROPOSED

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE_STATES

    @property
    def is_active(self) -> bool:
        """The team's version in force."""
        return self.state == self.State.RATIFIED

    @property
    def is_superseded(self) -> bool:
        return self.state == self.State.SUPERSEDED

    @property
    def was_ratified(self) -> bool:
        return self.state in self.RATIFIED_STATES

    def refusal_to_edit(self) -> str | None:
        """Why this version's text cannot change now, or None when it can."""
        if self.is_editable:
            return None
        return (f"Version {self.number} is {self.get_state_display().lower()} and can no longer change. "
                "Start an amendment to change the charter.")

    def refusal_to_record_progress(self) -> str | None:
        """Why key-result progress cannot be recorded on this version, or None when it can.

        Progress is recorded on the version in force: a draft or proposal is not in force yet,
        and a superseded version no longer is.
        """
        if self.is_active:
            return None
        if self.is_superseded:
            return (f"Version {self.number} was superseded by a later version, so progress is no longer "
                    "recorded on it. Record it on the team's active charter.")
        return (f"Version {self.number} is {self.get_state_display().lower()}, not in force yet. Progress is "
                "recorded on the team's active charter.")

    @staticmethod
    def section_version_field(section: str) -> str:
        return f"{Section(section).value}_version"

    def purpose_part_text(self, part: PurposePart | str) -> str:
        return getattr(self, f"purpose_{PurposePart(part).value}")


class CharterItem(models.Model):
    """Something listed in a charter in an order the leader chooses.

    Each kind says once what the rest of the app needs to know about it: its name in URLs
    (`kind`) and in the product's words (`kind_label`), the section it belongs to, the
    parent its list hangs from, and the fields a leader edits.
    """

    kind: str
    kind_label: str
    section: Section
    parent_field = "charter"
    charter_lookup = "charter"  # how to reach the charter from the item, in a query
    EDITABLE_FIELDS: tuple[str, ...]

    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    @property
    def parent_id(self) -> int:
        return getattr(self, f"{self.parent_field}_id")

    @classmethod
    def in_charter(cls, charter) -> models.QuerySet:
        return cls.objects.filter(**{cls.charter_lookup: charter})

    @property
    def dom_id(self) -> str:
        return f"{self.kind}-{self.pk}"


class NonNegotiable(CharterItem):
    kind, kind_label, section = "non_negotiable", _("non-negotiable"), Section.NON_NEGOTIABLES
    EDITABLE_FIELDS = ("title", "standard", "why")

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

    kind, kind_label, section = "boundary", _("boundary"), Section.BOUNDARIES
    EDITABLE_FIELDS = ("area", "label", "guardrails", "set_by")

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="boundaries")
    area = models.CharField(_("area of work"), max_length=160)
    label = models.CharField(_("who decides"), max_length=12, choices=BoundaryLabel.choices, blank=True,
                             help_text=_("fixed: set by the leader or organisation; consult: the team decides "
                                         "after consulting; team decides: the team's call."))
    guardrails = models.TextField(_("guardrails"), blank=True,
                                  help_text=_("Markdown. The limits within which the team acts."))
    set_by = models.CharField(_("set by"), max_length=160, blank=True,
                              help_text=_("Who sets or owns this boundary, e.g. 'Head of Engineering'."))
    # Not in EDITABLE_FIELDS: a many-to-many is set by the services (`tags=`), not by compare-and-set.
    tags = models.ManyToManyField(
        "OrganisationTag", blank=True, related_name="boundaries", verbose_name=_("tags"),
        help_text=_("Areas of work from the organisation's list: the alignment map shows where two teams "
                    "claim the same one."),
    )

    class Meta(CharterItem.Meta):
        verbose_name_plural = _("boundaries")
        indexes = [models.Index(fields=["charter", "position"], name="boundary_charter_position")]  # charter page

    def __str__(self) -> str:
        return f"{self.area} ({self.get_label_display() or 'unlabelled'})"

    # Between the tag names of `tag_list`: a control character, which a tag's name may not hold.
    TAG_SEPARATOR = "\x1f"

    @property
    def tag_names(self) -> list[str]:
        """Its tags' names in the list's order, from the `tag_list` the charter's loaders annotate
        (`charters.tags.with_tag_list`); none when it was loaded without."""
        names = [name for name in (getattr(self, "tag_list", "") or "").split(self.TAG_SEPARATOR) if name]
        return sorted(names, key=str.casefold)


class Goal(CharterItem):
    kind, kind_label, section = "goal", _("goal"), Section.GOALS
    EDITABLE_FIELDS = ("objective", "purpose_part", "contributes_to", "tradeoff", "owner")

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="goals")
    origin = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               help_text=_("The same goal in the version this one was amended from."))
    objective = models.CharField(_("objective"), max_length=240)
    purpose_part = models.CharField(_("advances which part of the purpose"), max_length=10,
                                    choices=PurposePart.choices, blank=True)
    tradeoff = models.TextField(_("tradeoff we consciously accept"), blank=True,
                                help_text=_("What the team gives up or risks to reach this goal."))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="owned_goals")
    # RESTRICT: a version's link is part of its record, so an organisation goal is closed, never deleted,
    # while a team goal names it; deleting the whole organisation still cascades to both.
    contributes_to = models.ForeignKey(
        "OrganisationGoal", on_delete=models.RESTRICT, null=True, blank=True, related_name="contributions",
        verbose_name=_("contributes to which organisation goal"),
        help_text=_("The organisation goal this goal rolls up to, if any: one of the team's own organisation."),
    )
    # Set by an import (transfer/), copied into amendments; the spreadsheet's id for it, so importing again updates it.
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="", editable=False)

    class Meta(CharterItem.Meta):
        indexes = [
            models.Index(fields=["charter", "position"], name="goal_charter_position"),  # charter page
            # The organisation goals' tree: the team goals contributing to a page of organisation goals.
            models.Index(fields=["contributes_to"], condition=Q(contributes_to__isnull=False),
                         name="goal_contributes_to"),
        ]
        constraints = [
            # An import finds a version's goal by the spreadsheet's id (the index serves that lookup).
            models.UniqueConstraint(fields=["charter", "external_id"], condition=~Q(external_id=""),
                                    name="goal_external_id_unique_per_version"),
        ]

    def __str__(self) -> str:
        return self.objective


class KeyResult(CharterItem):
    kind, kind_label, section = "key_result", _("key result"), Section.GOALS
    parent_field, charter_lookup = "goal", "goal__charter"
    EDITABLE_FIELDS = ("metric", "unit", "start_value", "target_value", "current_value", "confidence")

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="key_results")
    origin = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # RESTRICT: a version cannot be deleted on its own while later versions' key results descend from it
    # (their progress history hangs from it); deleting the whole team still cascades.
    lineage = models.ForeignKey(
        "self", on_delete=models.RESTRICT, null=True, blank=True, related_name="+",
        help_text=_("The first version of this key result (itself when new): its progress follows it through "
                    "amendments. Set by the services; a row written without them is its own lineage."),
    )
    metric = models.CharField(_("metric"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("e.g. %, days, NPS points"))
    start_value = models.DecimalField(_("start"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    current_value = models.DecimalField(_("current"), max_digits=14, decimal_places=2, null=True, blank=True)
    confidence = models.CharField(
        _("confidence"), max_length=10, choices=Confidence.choices, blank=True,
        help_text=_("How likely the target is reached this cycle. With the current value, it is recorded as a "
                    "progress reading."),
    )
    # Set by an import (transfer/), copied into amendments; the spreadsheet's id for it, so importing again updates it.
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="", editable=False)

    class Meta(CharterItem.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(confidence__in=["", *Confidence.values]),
                                   name="key_result_confidence_valid"),
            # An import finds a goal's key result by the spreadsheet's id (the index serves that lookup).
            models.UniqueConstraint(fields=["goal", "external_id"], condition=~Q(external_id=""),
                                    name="key_result_external_id_unique_per_goal"),
        ]
        indexes = [
            models.Index(fields=["goal", "position"], name="kr_goal_position"),  # charter page
            # A lineage's key results (a reading names its lineage: the first version's id), from the readings that
            # fell to the teams whose charter holds them (the organisation map's "confidence falling" filter).
            models.Index(Coalesce("lineage", "id"), name="kr_lineage_root"),
        ]

    def __str__(self) -> str:
        return self.metric

    @property
    def lineage_key(self) -> int:
        """The id progress is recorded under: the first version of this key result."""
        return self.lineage_id or self.pk

    def progress_percent_at(self, value: Decimal | None) -> int | None:
        """How far from start to target `value` is, clamped to 0–100; None without all three."""
        if None in (self.start_value, self.target_value, value):
            return None
        span = self.target_value - self.start_value
        if span == 0:
            return 100 if value == self.target_value else 0
        return max(0, min(100, round((value - self.start_value) / span * 100)))

    @property
    def progress_percent(self) -> int | None:
        """How far the value written in the charter text is; the page uses the latest progress instead."""
        return self.progress_percent_at(self.current_value)


class OrganisationGoalQuerySet(models.QuerySet):
    def open(self) -> OrganisationGoalQuerySet:
        """Goals the organisation is working towards: not closed."""
        return self.filter(closed_at__isnull=True)

    def closed(self) -> OrganisationGoalQuerySet:
        return self.filter(closed_at__isnull=False)


class OrganisationGoal(models.Model):
    """A goal of the whole organisation, advancing one part of its purpose; team goals roll up to it.

    Its own model rather than a charter `Goal` without a charter: it is no part of a versioned,
    consented text, its admins change it in place (compare-and-set on `version`), and it is
    closed rather than deleted, since ratified team goals keep pointing at it.
    """

    organisation = models.ForeignKey("alignment.Organisation", on_delete=models.CASCADE, related_name="goals")
    objective = models.CharField(_("objective"), max_length=240)
    purpose_part = models.CharField(_("advances which part of the organisation's purpose"), max_length=10,
                                    choices=PurposePart.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("owner"),
                              help_text=_("Optional: the person who answers for this goal."))
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False,
                                          help_text=_("Bumped by every edit, to detect concurrent edits."))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")

    objects = OrganisationGoalQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(purpose_part__in=PurposePart.values),
                                   name="org_goal_purpose_part_valid"),
        ]
        indexes = [
            # The organisation goals' page and the map's tree: a page of one organisation's goals in order.
            models.Index(fields=["organisation", "position"], name="org_goal_organisation_position"),
        ]

    def __str__(self) -> str:
        return self.objective

    def get_absolute_url(self) -> str:
        return reverse("charters:org_goal", args=[self.organisation.slug, self.pk])

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def refusal_to_change(self) -> str | None:
        """Why this goal cannot change now, or None when it can."""
        if self.is_closed:
            return "This organisation goal is closed. Reopen it to change it."
        return None


class OrganisationKeyResult(models.Model):
    """How an organisation goal keeps score: a metric from start to target, and where it stands now.

    `current_value` and `confidence` are the latest reading (`OrganisationKeyResultReading`), kept
    here by `services.record_organisation_reading` so the pages read them without the history.
    """

    goal = models.ForeignKey(OrganisationGoal, on_delete=models.CASCADE, related_name="key_results")
    metric = models.CharField(_("metric"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30, blank=True, help_text=_("e.g. %, days, NPS points"))
    start_value = models.DecimalField(_("start"), max_digits=14, decimal_places=2, null=True, blank=True)
    target_value = models.DecimalField(_("target"), max_digits=14, decimal_places=2, null=True, blank=True)
    current_value = models.DecimalField(_("current"), max_digits=14, decimal_places=2, null=True, blank=True,
                                        editable=False)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices, blank=True,
                                  editable=False)
    read_at = models.DateTimeField(_("last reading"), null=True, blank=True, editable=False)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__in=["", *Confidence.values]),
                                   name="org_key_result_confidence_valid"),
        ]
        indexes = [models.Index(fields=["goal", "position"], name="org_kr_goal_position")]  # the goal's page

    def __str__(self) -> str:
        return self.metric

    @property
    def progress_percent(self) -> int | None:
        """How far from start to target the current value is, clamped to 0–100; None without all three."""
        return KeyResult.progress_percent_at(self, self.current_value)


class OrganisationKeyResultReading(models.Model):
    """An organisation key result's value and confidence at one moment: its history."""

    key_result = models.ForeignKey(OrganisationKeyResult, on_delete=models.CASCADE, related_name="readings")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000,
                            help_text=_("Optional: what moved it, or what stands in the way."))
    # Blank once its person is erased (or for a reading imported from a spreadsheet): the admin still saves it.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__in=Confidence.values),
                                   name="org_kr_reading_confidence_valid"),
        ]
        indexes = [
            # A key result's history, newest first.
            models.Index(fields=["key_result", "-recorded_at"], name="org_kr_reading_time"),
        ]

    def __str__(self) -> str:
        return f"{self.key_result.metric}: {self.value} ({self.get_confidence_display()})"


class MapSignalsChange(models.Model):
    """A change to what an organisation's cross-team signals on the map are made of, recorded in the transaction
    that makes it (`organisation_map.forget_signals`): once it commits, readers are given a new generation of the
    signals and the row is deleted. A row a process left behind, dying between its commit and that, is applied
    by the sweep (`organisation_map.apply_lost_changes`), so the map never shows what a change made stale for
    longer than a minute or so."""

    organisation = models.ForeignKey("alignment.Organisation", on_delete=models.CASCADE, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("map signals change")

    def __str__(self) -> str:
        return f"Map signals of organisation {self.organisation_id} changed at {self.changed_at:%Y-%m-%d %H:%M:%S}"


class OrganisationTag(models.Model):
    """An area of work on the organisation's list (e.g. "Booking flow"): boundaries of its teams' charters
    carry tags from it, so the alignment map can show where two teams claim the same area."""

    organisation = models.ForeignKey("alignment.Organisation", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(
        _("name"), max_length=80,
        validators=[RegexValidator(r"[\x00-\x1f]", inverse_match=True, message=_("A tag is one line of text."))],
        help_text=_("An area of work several teams may touch, e.g. Booking flow."),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = [Lower("name"), "pk"]
        constraints = [
            # One tag per name in an organisation, whatever the letters' case.
            models.UniqueConstraint(Lower("name"), "organisation", name="org_tag_name_unique_per_organisation"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("charters:tag", args=[self.organisation.slug, self.pk])


# URL kind → model: the one place a kind named in a URL is looked up.
ITEM_KINDS: dict[str, type[CharterItem]] = {model.kind: model for model in (NonNegotiable, Boundary, Goal, KeyResult)}


class KeyResultProgress(models.Model):
    """A key result's value and confidence at one moment, recorded beside the charter's text.

    A ratified version never changes, so progress is not written into `KeyResult.current_value`:
    each reading is a row of its own, recorded on the version in force (`key_result`) and filed
    under the key result's `lineage`, so the history runs on across amendments.
    """

    Confidence = Confidence  # the one scale (module level, so that `KeyResult.confidence` uses it too)

    class Source(models.TextChoices):
        CHECK_IN = "check_in", _("check-in")
        DIRECT = "direct", _("recorded directly")
        CHARTER = "charter", _("typed in the charter")

    # No index of its own: the (lineage, recorded_at) index below starts with it.
    lineage = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="+", db_index=False,
                                help_text=_("The first version of the key result: the history follows it."))
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="progress",
                                   help_text=_("The row of the version in force when this was recorded."))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices)
    note = models.TextField(_("note"), blank=True, max_length=2000,
                            help_text=_("Optional: what moved it, or what stands in the way."))
    # Blank once its person is erased (or for a reading imported from a spreadsheet): the admin still saves it.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.DIRECT)
    # Deliberately not a foreign key: checkins depends on charters, never the other way round.
    source_ref = models.PositiveIntegerField(
        _("check-in"), null=True, blank=True,
        help_text=_("The id of the check-in this came from (checkins.CheckIn); empty when recorded directly."),
    )
    # Kept by `services.record_progress` under the team's and charter's locks: a card tells a falling key result
    # from its latest reading alone, and the database keeps the team's `confidence_falling` from them.
    is_latest = models.BooleanField(
        _("latest reading"), default=False, editable=False,
        help_text=_("The newest reading of its lineage (by recorded time, then id)."),
    )
    previous_confidence = models.CharField(
        _("confidence before"), max_length=10, choices=Confidence.choices, blank=True, editable=False,
        help_text=_("The confidence of the lineage's reading just before this one; empty for the first."),
    )
    # Set by an import of key-result history (transfer/): the spreadsheet's id for the reading, so importing
    # the same file again adds nothing.
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="", editable=False)
    # Any save changes it, the app's or the admin's (where staff may correct a reading, which keeps its id): the
    # parts of pages drawn from readings over weeks (trends, a cycle's scoreboard) are kept under the newest.
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("key-result progress")
        verbose_name_plural = _("key-result progress")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(confidence__in=["on_track", "at_risk", "off_track"]),
                                   name="kr_progress_confidence_valid"),
            # A check-in's progress says which check-in; progress recorded directly, or typed in the charter, has none.
            models.CheckConstraint(
                condition=Q(source="check_in", source_ref__isnull=False)
                | Q(source__in=["direct", "charter"], source_ref__isnull=True),
                name="kr_progress_source_ref_only_from_check_in",
            ),
            # One latest reading per lineage. Its index serves the organisation map: each key result's
            # latest reading, one index probe per key result (the "confidence falling" filter has its own).
            models.UniqueConstraint(fields=["lineage"], condition=Q(is_latest=True),
                                    name="kr_progress_one_latest_per_lineage"),
            # An import finds a lineage's reading by the spreadsheet's id (the index serves that lookup).
            models.UniqueConstraint(fields=["lineage", "external_id"], condition=~Q(external_id=""),
                                    name="kr_progress_external_id_unique_per_lineage"),
        ]
        indexes = [
            # The latest progress per lineage (the charter page's scoreboard), and the history of a
            # lineage by time (`progress_history`, the trends page): both read one lineage in time order.
            models.Index(fields=["lineage", "-recorded_at", "-id"], name="kr_progress_lineage_time"),
            # The progress a check-in recorded (the check-ins app finds or replaces it by its id).
            models.Index(fields=["source_ref"], condition=Q(source_ref__isnull=False),
                         name="kr_progress_from_check_in"),
            # The latest readings that fell, by lineage: what the release before `Team.confidence_falling` read for
            # the map's "confidence falling" filter. Nothing reads it now; it stays while nodes of that release may
            # still run (docs/operations.md, "Contract"), and a later release drops it.
            models.Index(fields=["lineage"], condition=Q(is_latest=True) & confidence_fell(),
                         name="kr_progress_latest_fell"),
        ]

    def __str__(self) -> str:
        return f"{self.key_result.metric}: {self.value} ({self.get_confidence_display()}) on {self.recorded_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return self.key_result.goal.charter.get_absolute_url() + f"#key_result-{self.key_result_id}"


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


class ResponseQuerySet(models.QuerySet):
    def objections(self) -> ResponseQuerySet:
        return self.filter(kind=Response.Kind.OBJECTION)

    def open_objections(self) -> ResponseQuerySet:
        """Objections the leader has not answered yet: they block ratification."""
        return self.objections().filter(answer="")


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
    revision = models.PositiveIntegerField(
        default=1, help_text=_("The charter's revision when the member responded: the text they answered."),
    )
    resolved_by_amendment = models.BooleanField(
        default=False, help_text=_("The objector confirmed that the amendment answering their objection resolves it."),
    )
    text_seen = models.JSONField(
        default=dict, blank=True,
        help_text=_("The charter's text, section by section, as the member responded to it: what \"since you "
                    "responded\" compares with. Empty for responses recorded before it was kept."),
    )

    objects = ResponseQuerySet.as_manager()

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
    def is_objection(self) -> bool:
        return self.kind == self.Kind.OBJECTION

    @property
    def is_open_objection(self) -> bool:
        return self.is_objection and not self.answer

    @property
    def predates_latest_text(self) -> bool:
        """Given to an earlier text of the charter than the one there is now."""
        return self.revision < self.charter.revision

    @property
    def awaits_objectors_word(self) -> bool:
        """The leader says they amended the charter: does the objector agree it resolves the objection?"""
        return self.is_objection and self.answer == self.Answer.AMENDED

    @property
    def needs_confirmation(self) -> bool:
        """Not yet a response to the text as it stands: given to an earlier text, or an amended objection."""
        return self.predates_latest_text or self.awaits_objectors_word


class ConsentGap(models.Model):
    """Who had not given their word on the final text when a version was ratified: part of the record."""

    class Kind(models.TextChoices):
        NO_RESPONSE = "no_response", _("had not responded")
        EARLIER_TEXT = "earlier_text", _("had responded to an earlier text")
        AMENDED_OBJECTION = "amended_objection", _("had not said whether the amendment resolves their objection")

    charter = models.ForeignKey(Charter, on_delete=models.CASCADE, related_name="consent_gaps")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["charter", "kind", "pk"]
        constraints = [models.UniqueConstraint(fields=["charter", "member"], name="consent_gap_one_per_member")]

    def __str__(self) -> str:
        return f"{self.member} {self.get_kind_display()} ({self.charter})"

