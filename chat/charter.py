"""`/charter`: the team's charter in force — its purpose, non-negotiables and boundaries — as a chat message."""

from __future__ import annotations

from django.urls import reverse

from alignment.permissions import TeamAccess
from charters.models import BoundaryLabel, Charter, PurposePart
from chat.blocks import Message, Section
from notifications.services import absolute_url


def charter_message(access: TeamAccess) -> Message:
    """What the charter in force says (three queries: the charter, its non-negotiables, its boundaries)."""
    team = access.team
    url = absolute_url(reverse("charters:detail", args=[team.organisation.slug, team.slug]))
    charter = Charter.objects.active_for(team)
    if charter is None:
        return Message(title=f"{team.name}'s charter", link_url=url,
                       text="No charter is in force yet: the team's leaders draft one and put it to the team.")
    purpose = [f"{PurposePart(part).label}: {text}" for part in PurposePart
               if (text := charter.purpose_part_text(part).strip())]
    non_negotiables = [f"{item.title} — {item.standard.strip()}" if item.standard.strip() else item.title
                       for item in charter.non_negotiables.all()]
    labels = dict(BoundaryLabel.choices)
    boundaries = [f"{item.area}: {labels.get(item.label, 'not labelled yet')}" for item in charter.boundaries.all()]
    return Message(
        title=f"{team.name}'s charter", text=charter.purpose_statement, link_url=url,
        sections=(Section("Purpose", tuple(purpose)),
                  Section("Non-negotiables", tuple(non_negotiables) or ("None written down.",)),
                  Section("Boundaries (who decides)", tuple(boundaries) or ("None written down.",))))
