"""What charters posts to a team's chat webhooks (`alignment.webhooks`): a version ratified."""

from __future__ import annotations

from notifications import webhooks

RATIFIED = "charter_ratified"


def post_ratified(sender, *, charter, **kwargs) -> None:
    """`charter_ratified` receiver: queued inside the ratifying transaction, posted once it commits.

    Keyed by the version, so it is posted once however often the signal is sent for it.
    """
    team = charter.team
    text = f"{team.name} ratified version {charter.number} of its charter."
    if charter.purpose_statement:
        text += f"\nPurpose: {charter.purpose_statement}"
    webhooks.post_event(team=team, event=RATIFIED, key=f"charter-{charter.pk}", text=text,
                        url=charter.get_absolute_url(), link_label=f"Read version {charter.number}")
