"""What charters posts to a team's webhooks (`notifications.webhooks`): a version ratified.

A ratified charter is read by everyone in the organisation, so its purpose and non-negotiables may be
posted whole.
"""

from __future__ import annotations

from charters.models import Charter
from notifications import webhooks
from notifications.services import absolute_url

RATIFIED = "charter_ratified"


def ratified_data(charter: Charter) -> dict:
    """A JSON webhook's `data` for a ratified version (1 query: its non-negotiables)."""
    return {"charter": {
        "id": charter.pk,
        "version": charter.number,
        "purpose": charter.purpose_statement,
        "non_negotiables": list(charter.non_negotiables.order_by("position", "pk").values_list("title", flat=True)),
        "ratified_at": charter.ratified_at.isoformat(timespec="seconds") if charter.ratified_at else None,
        "ratified_by": webhooks.person(charter.ratified_by),
        "url": absolute_url(charter.get_absolute_url()),
    }}


def post_ratified(charter: Charter) -> None:
    """Post a ratified version to the team's webhooks that want it, once the ratification commits.

    Called by `services.ratify` inside its transaction, so a rollback posts nothing. Keyed by the
    version: posted once however often it is called for it.
    """
    team = charter.team
    text = f"{team.name} ratified version {charter.number} of its charter."
    if charter.purpose_statement:
        text += f"\nPurpose: {charter.purpose_statement}"
    webhooks.post_event(team=team, event=RATIFIED, key=f"charter-{charter.pk}", text=text,
                        url=charter.get_absolute_url(), link_label=f"Read version {charter.number}",
                        data=lambda: ratified_data(charter))
