"""Review cycles: the periods a team's goals run for, ending in a retrospective."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        # team_id, not team: ordering by the relation would join teams and organisations.
        ordering = ["team_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["team", "number"], name="cycle_number_unique_per_team"),
            models.UniqueConstraint(fields=["team"], condition=Q(state="open"), name="cycle_one_open_per_team"),
            models.CheckConstraint(condition=Q(end_date__gt=models.F("start_date")), name="cycle_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"Cycle {self.number} ({self.start_date:%d %b} – {self.end_date:%d %b %Y})"

    def get_absolute_url(self) -> str:
        # The cycle is shown on the team page until reviews have pages of their own.
        return reverse("team", args=[self.team.organisation.slug, self.team.slug]) + "#cycle"


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
