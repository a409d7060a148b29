"""What charters posts to a team's chat webhooks (`notifications.webhooks`): a version ratified."""

from __future__ import annotations

from charters.models import Charter
from notifications import webhooks

RATIFIED = "charter_ratified"


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
                        url=charter.get_absolute_url(), link_label=f"Read version {charter.number}")
