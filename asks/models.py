"""Requests between teams: one team asks another for something, routed by the receiving team's boundaries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from charters.models import BoundaryLabel


class Route(models.TextChoices):
    """Who decides an ask: the boundary's label it touches, or nobody knows (no boundary, or an unlabelled one)."""

    FIXED = BoundaryLabel.FIXED.value, _("fixed")
    CONSULT = BoundaryLabel.CONSULT.value, _("consult")
    TEAM_DECIDES = BoundaryLabel.TEAM_DECIDES.value, _("team decides")
    UNCLEAR = "unclear", _("unclear who decides")


class AskQuerySet(models.QuerySet):
    def open(self) -> AskQuerySet:
        return self.filter(state=Ask.State.OPEN)

    def unclear(self) -> AskQuerySet:
        return self.filter(route=Route.UNCLEAR)


class Ask(models.Model):
    """Something one team asks of another (a change, a decision, help), and the receiving team's answer."""

    class Kind(models.TextChoices):
        CHANGE = "change", _("a change")
        DECISION = "decision", _("a decision")
        HELP = "help", _("help")

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        DECIDED = "decided", _("Decided")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # What a receiving team may answer; "open" and "withdrawn" are not answers.
    ANSWERS = (State.ACCEPTED, State.DECLINED, State.DECIDED)

    asking_team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="asks_sent",
                                    verbose_name=_("asking for"))
    receiving_team = models.ForeignKey("alignment.Team", on_delete=models.CASCADE, related_name="asks_received")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 related_name="asks")
    kind = models.CharField(_("what you ask for"), max_length=10, choices=Kind.choices, default=Kind.CHANGE)
    title = models.CharField(_("what you ask"), max_length=200)
    body = models.TextField(_("why, and what it would take"), blank=True, max_length=5000)
    # The boundary picked, and what it said when the ask was made: a later charter version may change it.
    boundary = models.ForeignKey("charters.Boundary", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    area = models.CharField(_("area of work"), max_length=160, blank=True)
    set_by = models.CharField(_("set by"), max_length=160, blank=True)
    route = models.CharField(_("who decides"), max_length=12, choices=Route.choices)
    due_on = models.DateField(_("consult me by"), null=True, blank=True,
                              help_text=_("For a consult boundary: the day by which the team decides."))
    # For a "team decides" boundary: the proposal in the receiving team's decision log; its outcome is the ask's.
    decision = models.OneToOneField("decisions.Decision", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="ask")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    answer = models.TextField(_("answer"), blank=True, max_length=5000)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Bumped by every change of state, so the asker's notices are keyed by the occurrence.
    version = models.PositiveIntegerField(default=1)
    # One per empty form handed out (`asks.views.ask_create`): submitting the same form twice asks once.
    idempotency_key = models.UUIDField(_("form submission key"), null=True, blank=True, editable=False)

    objects = AskQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(asking_team=models.F("receiving_team")),
                                   name="ask_between_two_teams"),
            models.CheckConstraint(condition=~models.Q(route="consult") | models.Q(due_on__isnull=False),
                                   name="ask_consult_has_due_date"),
            models.CheckConstraint(condition=models.Q(state__in=["open", "withdrawn"])
                                   | models.Q(answered_at__isnull=False), name="ask_answer_has_time"),
            models.UniqueConstraint(fields=["asking_team", "idempotency_key"], name="ask_idempotency_key_unique"),
        ]
        indexes = [
            # The receiving team's list of requests, newest first.
            models.Index(fields=["receiving_team", "-created_at", "-id"], name="ask_received"),
            # The asking team's list of requests, newest first.
            models.Index(fields=["asking_team", "-created_at", "-id"], name="ask_sent"),
            # The scheduler's sweep for consultations coming due: open consult asks by due date.
            models.Index(fields=["due_on"], name="ask_consult_due",
                         condition=models.Q(state="open", route="consult")),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        team = self.receiving_team
        return reverse("asks:detail", args=[team.organisation.slug, team.slug, self.pk])

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    @property
    def is_answered(self) -> bool:
        return self.state in self.ANSWERS

    @property
    def is_withdrawn(self) -> bool:
        return self.state == self.State.WITHDRAWN

    @property
    def is_unclear(self) -> bool:
        return self.route == Route.UNCLEAR

    @property
    def is_fixed(self) -> bool:
        return self.route == Route.FIXED

    @property
    def is_consult(self) -> bool:
        return self.route == Route.CONSULT

    @property
    def goes_to_decision_log(self) -> bool:
        return self.route == Route.TEAM_DECIDES

    @property
    def route_in_words(self) -> str:
        """Who decides it, as both teams read it."""
        team = self.receiving_team.name
        if self.is_fixed:
            owner = self.set_by or "whoever owns it"
            return f"Fixed, set by {owner}: the owner decides; {team}'s leaders pass it on and record the answer."
        if self.is_consult:
            return f"Consult: {team} decides after consulting you, by {self.due_on:%-d %B %Y}."
        if self.goes_to_decision_log:
            return f"Team decides: a proposal in {team}'s decision log, judged by its purpose."
        return f"Unclear who decides: no boundary of {team}'s charter covers it. Its leaders sort it out."


class AskComment(models.Model):
    """Consultation input on an ask: the asker's and the receiving team's words, in order."""

    ask = models.ForeignKey(Ask, on_delete=models.CASCADE, related_name="comments", db_index=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField(_("your input"), max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # An ask's thread, oldest first, on its page.
            models.Index(fields=["ask", "created_at"], name="ask_comment_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.ask}"

    def get_absolute_url(self) -> str:
        return f"{self.ask.get_absolute_url()}#comment-{self.pk}"
