"""What the decision log puts in someone's week (`alignment.my_week`): decisions whose review date has come.

For the people who make the team's final calls (`Capability.RECORD_OUTCOME`: its leaders) in teams at
work: each decision whose `review_on` is today or past in the team's zone. It stays until a leader marks
it reviewed (`services.mark_reviewed` clears or moves the date). One part of My week's query for all the
person's teams, none when they make no team's final calls.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from alignment.models import Membership
from alignment.my_week import WeekItem, WeekSource, access_to
from alignment.one_query import Rows, Shaped
from alignment.permissions import Capability
from decisions.models import Decision


def _deciding(person, memberships: list[Membership]) -> dict:
    accesses = {m.team_id: access_to(person, m) for m in memberships}
    return {team_id: access for team_id, access in accesses.items() if access.can(Capability.RECORD_OUTCOME)}


def queries(person, memberships: list[Membership], now: datetime) -> dict[str, Shaped]:
    deciding = _deciding(person, memberships)
    if not deciding:
        return {}
    # Every zone's today lies within a day of UTC's: the exact day is checked per team below.
    latest = timezone.localdate(now, UTC) + timedelta(days=1)
    return {"due": Shaped(_due, {"teams": list(deciding), "latest": latest})}


def _due(teams: list[int], latest) -> Rows:
    """part: my teams' decisions whose review date has come (index decision_review_due)"""
    return Rows(Decision.objects.filter(team_id__in=teams, review_on__lte=latest),
                ("team", "title", "review_on"), order=("review_on", "pk"))


def week_items(person, memberships: list[Membership], now: datetime, found: dict) -> list[WeekItem]:
    deciding = _deciding(person, memberships)
    items = []
    for decision in found.get("due", []):
        team = decision.team = deciding[decision.team_id].team  # already loaded
        if not decision.review_due(timezone.localdate(now, team.zone)):
            continue
        url = reverse("decisions:detail", args=[team.organisation.slug, team.slug, decision.pk]) + "#review"
        items.append(WeekItem(team, "decision_review", f"Review the decision “{decision.title}”", url,
                              for_leader=True, due_on=decision.review_on))
    return items


source = WeekSource(queries, week_items)
