"""Who hears that a retrospective has started: everyone who takes part, but whoever started it.

Told inside the starting transaction (`reviews.retro.services.advance_phase`), once per session (its key),
so a double click or two facilitators at once tell nobody twice. Registered in `reviews/apps.py`.
"""

from __future__ import annotations

from datetime import datetime

from alignment.permissions import Capability
from notifications import services as notifications
from reviews.models import Retrospective

RETRO_STARTED = "retrospective_started"


def tell_session_started(retro: Retrospective, *, actor, now: datetime) -> None:
    """`retro.team` loaded."""
    team = retro.team
    notifications.tell_team(
        team, Capability.TAKE_PART_IN_RETRO, besides=actor, kind=RETRO_STARTED, key=f"retro-started-{retro.pk}",
        subject=f"{team.name}: the retrospective has started — join now",
        body=f"{actor.name} opened the session of cycle {retro.cycle.number}. It starts with last session's "
             "actions, then everyone's cards.", url=retro.get_absolute_url(), now=now)
