"""Who hears that a retrospective has started: everyone who takes part, but whoever started it.

Told inside the starting transaction (`reviews.retro.services.advance_phase`), once per session (its key),
so a double click or two facilitators at once tell nobody twice. And who hears that a retrospective's
amendment action became a comment on the charter's amendment: its leaders (`tell_action_commented`, told
inside `reviews.retro.services.add_action`). Registered in `reviews/apps.py`.
"""

from __future__ import annotations

from datetime import datetime

from django.urls import reverse

from alignment.permissions import Capability
from notifications import services as notifications
from reviews.models import Retrospective
from reviews.retro.models import RetroAction

RETRO_STARTED = "retrospective_started"


def tell_session_started(retro: Retrospective, *, actor, now: datetime) -> None:
    """`retro.team` loaded."""
    team = retro.team
    notifications.tell_team(
        team, Capability.TAKE_PART_IN_RETRO, besides=actor, kind=RETRO_STARTED, key=f"retro-started-{retro.pk}",
        subject=f"{team.name}: the retrospective has started — join now",
        body=f"{actor.name} opened the session of cycle {retro.cycle.number}. It starts with last session's "
             "actions, then everyone's cards.", url=retro.get_absolute_url(), now=now)


# A retrospective agreed a change to the charter: it is a comment on the amendment, which the leaders steward.
ACTION_COMMENTED = "retro_action_on_amendment"


def tell_action_commented(action: RetroAction, *, comment, team, actor, now: datetime) -> None:
    """The team's leaders (but the one who agreed it) hear of an amendment action, once per comment it made.

    `action.retrospective` with its `cycle` loaded; `comment.charter` is the amendment it is on.
    """
    retro, charter = action.retrospective, comment.charter
    url = reverse("charters:version", args=[team.organisation.slug, team.slug, charter.number])
    notifications.tell_team(
        team, Capability.STEWARD_CHARTER, besides=actor, kind=ACTION_COMMENTED, key=f"retro-action-comment-{comment.pk}",
        subject=f"{team.name}: the retrospective proposes a change to the charter — “{action.title}”",
        body=(f"{actor.name} agreed this in the retrospective of cycle {retro.cycle.number}, and it is now a comment "
              f"on the {comment.get_section_display().lower()} section of the amendment (version {charter.number}):"
              f"\n\n{action.proposed_change}\n\nRead it there and take it into the text, or answer the comment."),
        url=f"{url}#comment-{comment.pk}", now=now)
