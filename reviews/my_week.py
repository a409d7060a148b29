"""What retrospectives put in someone's week (`alignment.my_week`): one part of its query for all their teams.

A retrospective running in one of the person's teams where they have not taken part yet (no card,
rating, vote or note of theirs); one getting ready whose session (the day its cycle ends) is within
`SESSION_SOON_DAYS`: to start it for those who run retrospectives, to look out for for the others. And, for
the leaders (`triggers`), each review prompt of their charter until it is taken up or dismissed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef
from django.urls import reverse

from alignment.models import Membership
from alignment.my_week import WeekItem, WeekSource, access_to
from alignment.one_query import Rows, Shaped
from reviews import permissions
from reviews.models import (
    NonNegotiableRating,
    RetroCard,
    RetroNote,
    Retrospective,
    RetroVote,
    ReviewCycle,
    ReviewTrigger,
)
from reviews.rollover import ends_at

SESSION_SOON_DAYS = 7


def retrospectives(person, memberships: list[Membership], now: datetime) -> dict[str, Shaped]:
    return {"running": Shaped(_running, {"teams": [m.team_id for m in memberships], "person": person.pk})}


def _running(teams: list[int], person: int) -> Rows:
    """part: the running retrospectives of my teams, with whether I took part"""
    mine = {"retrospective": OuterRef("pk")}
    took_part = (Exists(RetroCard.objects.filter(author_id=person, **mine))
                 | Exists(NonNegotiableRating.objects.filter(participant_id=person, **mine))
                 | Exists(RetroVote.objects.filter(voter_id=person, **mine))
                 | Exists(RetroNote.objects.filter(author_id=person, **mine)))
    return Rows(Retrospective.objects.running().filter(team_id__in=teams),
                ("team", "cycle", "phase", "started_at"),
                {"took_part": took_part, "cycle_number": F("cycle__number"), "cycle_end_date": F("cycle__end_date")})


def retrospective_items(person, memberships: list[Membership], now: datetime, found: dict) -> list[WeekItem]:
    accesses = {m.team_id: access_to(person, m) for m in memberships}
    items = []
    for retro in found["running"]:
        access = accesses[retro.team_id]
        team = retro.team = access.team  # already loaded
        retro.cycle = ReviewCycle(pk=retro.cycle_id, team=team, number=retro.cycle_number,
                                  end_date=retro.cycle_end_date)
        may = permissions.retro_permissions(access, retro)
        url = reverse("reviews:retrospective", args=[team.organisation.slug, team.slug, retro.pk])
        number = retro.cycle.number
        if retro.is_setup:
            session = ends_at(retro.cycle)
            if session - now > timedelta(days=SESSION_SOON_DAYS):
                continue
            if may.run:
                role = "leader" if access.membership.is_leader else "facilitator"
                items.append(WeekItem(team, "retro_to_start", f"Start the retrospective of cycle {number}", url,
                                      for_leader=True, role=role, due_at=session))
            elif may.take_part:
                items.append(WeekItem(team, "retro_soon", f"The retrospective of cycle {number} is coming up",
                                      url, due_at=session))
        elif may.take_part and not retro.took_part:
            items.append(WeekItem(team, "retro_running",
                                  f"Join the retrospective of cycle {number}: now “{retro.get_phase_display()}”",
                                  url, since=retro.started_at or now))
    return items


def open_triggers(person, memberships: list[Membership], now: datetime) -> dict[str, Shaped]:
    """The review prompts still open in the teams whose charter the person stewards (none if none)."""
    stewarded = [m.team_id for m in memberships if access_to(person, m).can(permissions.ACT_ON_TRIGGER)]
    if not stewarded:
        return {}
    return {"open": Shaped(_open_triggers, {"teams": stewarded})}


def _open_triggers(teams: list[int]) -> Rows:
    """part: the open prompts of the teams I lead"""
    return Rows(ReviewTrigger.objects.filter(team_id__in=teams, state=ReviewTrigger.State.OPEN),
                ("team", "headline", "fired_at"), order=("fired_at", "pk"))


def trigger_items(person, memberships: list[Membership], now: datetime, found: dict) -> list[WeekItem]:
    teams = {m.team_id: m.team for m in memberships}
    items = []
    for trigger in found.get("open", []):
        team = teams[trigger.team_id]  # already loaded
        url = reverse("reviews:trigger", args=[team.organisation.slug, team.slug, trigger.pk])
        items.append(WeekItem(team, "review_trigger", f"The charter asks to be revisited: {trigger.headline}", url,
                              for_leader=True, since=trigger.fired_at))
    return items


source = WeekSource(retrospectives, retrospective_items)
triggers = WeekSource(open_triggers, trigger_items)
