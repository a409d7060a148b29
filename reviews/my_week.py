"""What retrospectives put in someone's week (`alignment.my_week`), in one query for all their teams.

A retrospective running in one of the person's teams where they have not taken part yet (no card,
rating, vote or note of theirs); one getting ready whose session (the day its cycle ends) is within
`SESSION_SOON_DAYS`: to start it for those who run retrospectives, to look out for for the others. And, for
the leaders (`trigger_items`), each review prompt of their charter until it is taken up or dismissed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse

from alignment.models import Membership
from alignment.my_week import WeekItem, access_to
from reviews import permissions
from reviews.models import NonNegotiableRating, RetroCard, RetroNote, Retrospective, RetroVote, ReviewTrigger
from reviews.rollover import ends_at

SESSION_SOON_DAYS = 7


def week_items(person, memberships: list[Membership], now: datetime) -> list[WeekItem]:
    accesses = {m.team_id: access_to(person, m) for m in memberships}
    mine = {"retrospective": OuterRef("pk")}
    took_part = (Exists(RetroCard.objects.filter(author=person, **mine))
                 | Exists(NonNegotiableRating.objects.filter(participant=person, **mine))
                 | Exists(RetroVote.objects.filter(voter=person, **mine))
                 | Exists(RetroNote.objects.filter(author=person, **mine)))
    retros = (Retrospective.objects.running().filter(team_id__in=list(accesses)).select_related("cycle")
              .annotate(took_part=took_part)
              .only("team_id", "phase", "started_at", "cycle__number", "cycle__end_date", "cycle__team_id"))
    items = []
    for retro in retros:  # query: the running retrospectives of my teams, with whether I took part
        access = accesses[retro.team_id]
        team = retro.team = retro.cycle.team = access.team  # already loaded
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


def trigger_items(person, memberships: list[Membership], now: datetime) -> list[WeekItem]:
    """The review prompts still open in the teams whose charter the person stewards (1 query, none if none)."""
    accesses = {m.team_id: access_to(person, m) for m in memberships}
    stewarded = [team_id for team_id, access in accesses.items() if access.can(permissions.ACT_ON_TRIGGER)]
    if not stewarded:
        return []
    triggers = (ReviewTrigger.objects.filter(team_id__in=stewarded, state=ReviewTrigger.State.OPEN)
                .only("pk", "team_id", "headline", "fired_at").order_by("fired_at", "pk"))
    items = []
    for trigger in triggers:  # query: the open prompts of the teams I lead
        team = accesses[trigger.team_id].team  # already loaded
        url = reverse("reviews:trigger", args=[team.organisation.slug, team.slug, trigger.pk])
        items.append(WeekItem(team, "review_trigger", f"The charter asks to be revisited: {trigger.headline}", url,
                              for_leader=True, since=trigger.fired_at))
    return items
