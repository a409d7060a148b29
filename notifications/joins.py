"""Telling a team's leaders that someone joined it: the core sends `alignment.signals.member_joined`, this listens.

Connected in `NotificationsConfig.ready()`. The kind is registered there too, for the leaders only.
"""

from __future__ import annotations

from django.urls import reverse

from alignment.permissions import Capability, people_who_may
from notifications import services

MEMBER_JOINED = "member_joined"


def tell_leaders(sender, *, membership, invitation, joined: bool, **kwargs) -> None:
    """The team's leaders (but whoever joined) hear once per invitation accepted, with a link to the person.

    Runs inside the accepting transaction: nothing is told if the acceptance rolls back.
    """
    team, person = membership.team, membership.user
    roles = " and ".join(str(role.label).lower() for role in invitation.roles) or "member"
    inviter = invitation.invited_by
    invited = f" {inviter.name} invited them." if inviter is not None else ""
    if joined:
        subject = f"{team.name}: {person.name} joined the team"
        body = (f"{person.name} accepted the invitation and joined {team.name} as {roles}.{invited} "
                "Say hello, and make sure they can find the charter and this week's check-in.")
    else:
        subject = f"{team.name}: {person.name} is now also {roles}"
        body = f"{person.name} was already in {team.name} and accepted the invitation to be {roles}.{invited}"
    url = reverse("team", args=[team.organisation.slug, team.slug]) + f"#member-{membership.pk}"
    services.deliver_many([services.Message(leader, MEMBER_JOINED, f"joined:{invitation.pk}", subject, body, url)
                           for leader in people_who_may(team, Capability.MANAGE_TEAM, besides=person)])
