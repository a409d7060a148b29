"""Weekly check-ins: what moved, what blocks, how loaded a person is, and how the charter held."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment.weeks import TeamWeek, days_in_words, week_starting
from charters.models import KeyResultProgress


class CheckIn(models.Model):
    """One person's check-in for one week of one team; a draft until they submit it."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    class Load(models.TextChoices):
        LIGHT = "light", _("light")
        ABOUT_RIGHT = "about_right", _("about right")
        OVERLOADED = "overloaded", _("overloaded")

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="checkins")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins")
    week = models.DateField(_("week"), help_text=_("The Monday that names the team's week."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False,
                                  help_text=_("First submitted after the team's check-in time that week."))
    progress = models.TextField(_("what moved this week"), blank=True, max_length=5000)
    highlights = models.TextField(_("highlights"), blank=True, max_length=5000,
                                  help_text=_("Something that went well, or someone to thank."))
    load = models.CharField(_("how is your load?"), max_length=12, choices=Load.choices, blank=True)
    strained_non_negotiable = models.ForeignKey(
        "charters.NonNegotiable", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("a non-negotiable under strain"),
        help_text=_("Did living by one of them feel hard this week?"),
    )
    strain_note = models.TextField(_("what strained it"), blank=True, max_length=2000)
    boundary_question = models.TextField(_("where was it unclear who decides?"), blank=True, max_length=2000)
    # "Still in your way?": the answers about earlier weeks' open blockers, by blocker id, kept with every save so
    # that a draft shows them again; submitting acts on them (`content.CheckInContent.carried_answers`).
    carried_answers = models.JSONField(_("answers about earlier blockers"), default=dict, blank=True,
                                       help_text=_("Which of the writer's earlier open blockers they said are "
                                                   "resolved, and how; acted on when the check-in is submitted."))
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("acknowledged by"))
    version = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set by an import of check-in history (transfer/): the spreadsheet's id for it, so importing again updates it.
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("check-in")
        ordering = ["-week", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["team", "author", "week"], name="checkin_unique_per_team_author_week"),
            # An import finds the team's check-in by the spreadsheet's id (the index serves that lookup).
            models.UniqueConstraint(fields=["team", "external_id"], condition=~Q(external_id=""),
                                    name="checkin_external_id_unique_per_team"),
            models.CheckConstraint(condition=Q(state__in=["draft", "submitted"]), name="checkin_state_valid"),
            models.CheckConstraint(condition=Q(state="draft") | Q(submitted_at__isnull=False),
                                   name="checkin_submitted_has_time"),
        ]
        indexes = [
            # The leader's week: every check-in of one team in one week.
            models.Index(fields=["team", "week"], name="checkin_team_week"),
        ]

    def __str__(self) -> str:
        return f"{self.author} · {self.team.name} · week of {self.week:%d %b %Y}"

    def get_absolute_url(self) -> str:
        return reverse("checkins:checkin", args=[self.team.organisation.slug, self.team.slug, self.pk])

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def get_load_display(self) -> str:
        # Django's looks the value up in a dict of every choice, translating each label to hash it; a
        # person's history shows the load twice for each of a dozen weeks.
        return str(self.Load(self.load).label) if self.load in self.Load.values else self.load

    @property
    def is_submitted(self) -> bool:
        return self.state == self.State.SUBMITTED

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def team_week(self) -> TeamWeek:
        return week_starting(self.team, self.week)

    def is_late_at(self, when: datetime) -> bool:
        """Whether submitting at `when` is after the week's due time (compared as instants)."""
        due = self.team_week.due_at(self.team.checkin_weekday, self.team.checkin_time)
        return when.astimezone(UTC) > due.astimezone(UTC)

    def refusal_to_edit(self, now: datetime) -> str | None:
        """Why this check-in can no longer change at `now`, in words; None while its week runs."""
        return refusal_to_edit(self.team_week, now)


def refusal_to_edit(week: TeamWeek, now: datetime) -> str | None:
    """Why a check-in of `week` can no longer change at `now`, in words; None while the week runs.

    It depends on the week alone, so a save is refused before it reads or writes anything.
    """
    if week.contains(now):
        return None
    if now.astimezone(UTC) >= week.ends_at.astimezone(UTC):
        return (f"The {week.label.lower()} has ended, so its check-in can no longer change. "
                "Your text is below: copy what you want to keep into this week's check-in.")
    return f"The {week.label.lower()} has not started yet."


class Reply(models.Model):
    """One message in the thread under a check-in, between its author and the team's leaders."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("reply"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)
    # Set by the form when it is shown: a double click or a resent post writes the reply once.
    token = models.UUIDField(_("form token"))

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["check_in", "token"], name="reply_once_per_form"),
        ]
        # The thread of a check-in reads by check_in: the unique index above starts with it.

    def __str__(self) -> str:
        return f"{self.author} on {self.check_in}"


class BlockerQuerySet(models.QuerySet):
    def open(self) -> BlockerQuerySet:
        return self.filter(resolved_at__isnull=True)

    def shared(self) -> BlockerQuerySet:
        """Raised in a submitted check-in: a draft's blockers are still the writer's own."""
        return self.filter(check_in__state=CheckIn.State.SUBMITTED)


class Blocker(models.Model):
    """Something in a person's way, raised in a check-in and open until a leader resolves it."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="blockers")
    # The check-in's team, kept on the blocker (`save` copies it) so that a team's blockers are read off
    # (team, opened_at) and (team, resolved_at) without going through every check-in of the organisation.
    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="+", editable=False,
                             db_index=False)  # the indexes below start with it
    # The blocker's row in its check-in's form: drafts saved as people type update the same row.
    position = models.PositiveSmallIntegerField(default=0)
    what = models.CharField(_("what is in your way"), max_length=500)
    who_could_help = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("who could help"),
                                       help_text=_("Empty means the team's leader."))
    goal = models.ForeignKey("charters.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("goal it holds up"))
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    resolution = models.TextField(_("how it was resolved"), blank=True, max_length=2000)

    objects = BlockerQuerySet.as_manager()

    class Meta:
        ordering = ["opened_at", "pk"]
        constraints = [
            # One open blocker per form row of a check-in.
            models.UniqueConstraint(fields=["check_in", "position"], condition=Q(resolved_at__isnull=True),
                                    name="blocker_one_open_per_row"),
        ]
        indexes = [
            # The leader's week: open blockers across the team, oldest first.
            models.Index(fields=["team", "opened_at"], condition=Q(resolved_at__isnull=True),
                         name="blocker_open_by_age"),
            # A cycle's page: the team's blockers opened, and resolved, within the cycle.
            models.Index(fields=["team", "opened_at"], name="blocker_opened"),
            models.Index(fields=["team", "resolved_at"], name="blocker_resolved"),
        ]

    def __str__(self) -> str:
        return self.what

    def save(self, *args, **kwargs) -> None:
        if self.team_id is None and self.check_in_id is not None:
            self.team_id = self.check_in.team_id
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return self.check_in.get_absolute_url() + f"#blocker-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def age_days(self, today: date, zone=None) -> int:
        """Whole days since it was opened, counted on the calendar of `today` (in `zone`, the team's)."""
        opened = self.opened_at.astimezone(zone) if zone is not None else self.opened_at
        return max((today - opened.date()).days, 0)


class KeyResultUpdate(models.Model):
    """A key result's new value and confidence written in a check-in; recorded as progress on submit."""

    check_in = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="key_result_updates")
    key_result = models.ForeignKey("charters.KeyResult", on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("new value"), max_digits=14, decimal_places=2, null=True, blank=True)
    confidence = models.CharField(_("confidence"), max_length=10, choices=KeyResultProgress.Confidence.choices,
                                  blank=True)
    # What was last recorded as progress from this row, so a re-submission records only a change.
    recorded_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    recorded_confidence = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["check_in", "key_result"], name="kr_update_unique_per_checkin"),
        ]

    def __str__(self) -> str:
        return f"{self.key_result}: {self.value}"

    @property
    def is_filled(self) -> bool:
        return self.value is not None and bool(self.confidence)

    def get_confidence_display(self) -> str:
        # As `CheckIn.get_load_display`: one label translated, not every choice's.
        confidence = KeyResultProgress.Confidence
        return str(confidence(self.confidence).label) if self.confidence in confidence.values else self.confidence

    @property
    def needs_recording(self) -> bool:
        return self.is_filled and (self.value, self.confidence) != (self.recorded_value, self.recorded_confidence)


class CommitmentQuerySet(models.QuerySet):
    def open(self) -> CommitmentQuerySet:
        return self.filter(state=Commitment.State.OPEN)

    def requested(self) -> CommitmentQuerySet:
        return self.filter(state=Commitment.State.REQUESTED)


class Commitment(models.Model):
    """Something one person agreed to do for the team, with the standard that says when it is done.

    A leader may ask someone: the commitment is `requested` until they accept (open) or decline.
    A handed-over commitment is requested again, of its new owner.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", _("asked")  # waiting for the owner's answer: nothing is agreed yet
        OPEN = "open", _("open")
        DONE = "done", _("done")
        DROPPED = "dropped", _("dropped")
        DECLINED = "declined", _("declined")

    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="commitments")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="commitments")
    title = models.CharField(_("what you commit to"), max_length=200)
    standard = models.TextField(_("standard of completion"), max_length=2000,
                                help_text=_("What done looks like, so anyone can tell."))
    due_on = models.DateField(_("due"))
    goal = models.ForeignKey("charters.Goal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("goal it serves"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Taken on while overloaded: the owner chose not to renegotiate another commitment, and said why.
    overload_acknowledged_at = models.DateTimeField(null=True, blank=True)
    overload_note = models.TextField(_("why you take it on anyway"), blank=True, max_length=2000)
    # When the owner took it on (their own, or a request they accepted); None while asked, or declined.
    agreed_at = models.DateTimeField(_("agreed"), null=True, blank=True)
    # The leader asked although the person's latest check-in said they were overloaded: warned, and asked anyway.
    asked_while_overloaded_at = models.DateTimeField(_("asked while overloaded"), null=True, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=["requested", "open", "done", "dropped", "declined"]),
                                   name="commitment_state_valid"),
        ]
        indexes = [
            # The commitments page and the week page: a team's commitments by state.
            models.Index(fields=["team", "state"], name="commitment_team_state"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("checkins:commitment", args=[self.team.organisation.slug, self.team.slug, self.pk])

    @property
    def is_requested(self) -> bool:
        return self.state == self.State.REQUESTED

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def is_done(self) -> bool:
        return self.state == self.State.DONE

    @property
    def is_dropped(self) -> bool:
        return self.state == self.State.DROPPED

    @property
    def is_declined(self) -> bool:
        return self.state == self.State.DECLINED

    @property
    def is_closed(self) -> bool:
        return self.state in (self.State.DONE, self.State.DROPPED, self.State.DECLINED)

    def is_overdue(self, today: date) -> bool:
        """Still to do (asked or open) after its due date; `today` on the team's calendar."""
        return not self.is_closed and today > self.due_on

    def due_phrase(self, today: date) -> str:
        """When it is due, in words that say how late it is: "due Wed 11 Nov", "due tomorrow", "3 weeks overdue
        (due Wed 11 Nov)". A closed one just says its date."""
        day = f"{self.due_on:%a} {self.due_on.day} {self.due_on:%b}"
        if self.due_on.year != today.year:
            day += f" {self.due_on.year}"
        if self.is_closed:
            return f"due {day}"
        days = (today - self.due_on).days
        if days > 0:
            return f"{self.overdue_phrase(today)} (due {day})"
        return {0: "due today", -1: "due tomorrow"}.get(days, f"due {day}")

    def overdue_phrase(self, today: date) -> str:
        """"3 weeks overdue", or "" when it is not overdue on `today`."""
        return f"{days_in_words((today - self.due_on).days)} overdue" if self.is_overdue(today) else ""



class Renegotiation(models.Model):
    """The owner's request to change a commitment, with a reason; the leader accepts or declines it.

    It keeps what the commitment was and what it would become, so the renegotiations of a
    commitment are its history: what it was, what it became, who agreed, when.
    """

    class Kind(models.TextChoices):
        DEFER = "defer", _("defer (a new date)")
        RESCOPE = "rescope", _("rescope (a new standard)")
        HAND_OVER = "hand_over", _("hand over (to someone else)")
        DROP = "drop", _("drop")

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="renegotiations")
    kind = models.CharField(_("what you ask"), max_length=10, choices=Kind.choices)
    reason = models.TextField(_("why"), max_length=2000)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    asked_at = models.DateTimeField(default=timezone.now)
    was_due_on = models.DateField()
    was_standard = models.TextField(blank=True)
    was_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    proposed_due_on = models.DateField(_("new due date"), null=True, blank=True)
    proposed_standard = models.TextField(_("new standard of completion"), blank=True, max_length=2000)
    proposed_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name=_("hand over to"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("leader's comment"), blank=True, max_length=2000)

    class Meta:
        ordering = ["asked_at", "pk"]
        constraints = [
            # One renegotiation at a time: the leader answers it before the next is asked.
            models.UniqueConstraint(fields=["commitment"], condition=Q(state="pending"),
                                    name="renegotiation_one_pending_per_commitment"),
            models.CheckConstraint(condition=Q(state__in=["pending", "accepted", "declined"]),
                                   name="renegotiation_state_valid"),
            models.CheckConstraint(condition=Q(state="pending") | Q(decided_at__isnull=False),
                                   name="renegotiation_decided_has_time"),
        ]
        indexes = [
            # The leader's week: pending renegotiations of a team, oldest first.
            models.Index(fields=["asked_at"], condition=Q(state="pending"), name="renegotiation_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.commitment}"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING

    @property
    def is_accepted(self) -> bool:
        return self.state == self.State.ACCEPTED

    @property
    def is_defer(self) -> bool:
        return self.kind == self.Kind.DEFER

    @property
    def is_rescope(self) -> bool:
        return self.kind == self.Kind.RESCOPE

    @property
    def is_hand_over(self) -> bool:
        return self.kind == self.Kind.HAND_OVER

    @property
    def is_drop(self) -> bool:
        return self.kind == self.Kind.DROP


class InboundReply(models.Model):
    """A reply to a check-in reminder that was taken (checkins/replies.py): kept so that a message is taken once.

    Only what replay protection needs: whose reply, for which week, the message's id and what came of it; the
    words went into the check-in.
    """

    class Outcome(models.TextChoices):
        DRAFTED = "drafted", _("added to the draft")
        ALREADY_SUBMITTED = "submitted", _("not added: the check-in was already submitted")

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="+")
    week = models.DateField(_("week"), help_text=_("The Monday that names the team's week."))
    message_id = models.CharField(_("message id"), max_length=255,
                                  help_text=_("The reply's Message-ID, or sha256: and a digest of its bytes when it "
                                              "has none."))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("inbound reply")
        verbose_name_plural = _("inbound replies")
        ordering = ["-received_at", "pk"]
        constraints = [
            # Replay: the same message, delivered again (a provider's retry, a Maildir read twice), is taken once.
            # Its index serves the claim's lookup.
            models.UniqueConstraint(fields=["person", "message_id"], name="inbound_reply_once_per_message"),
            models.CheckConstraint(condition=Q(outcome__in=["drafted", "submitted"]),
                                   name="inbound_reply_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} · week of {self.week:%d %b %Y} · {self.get_outcome_display()}"
