"""Who a verified chat request acts as, and in which team: the linked person, with that person's capabilities.

A chat user acts as the Charter person they linked (`ChatAccount`), never more: every action asks
`alignment.permissions` as the web pages do (`access_as`), and a refusal comes back in words for the chat
rather than as a 404 or a 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.http import Http404

from alignment import permissions
from alignment.errors import ActionRefused
from alignment.models import Membership
from alignment.permissions import Capability, TeamAccess
from chat.linking import LinkRequest, link_url
from chat.models import ChatAccount, ChatConnection


@dataclass
class Incoming:
    """A request from chat, verified: the connections whose secret proved it, and who sent it from where."""

    kind: str
    workspace_id: str
    chat_user_id: str
    chat_user_name: str = ""
    channel_id: str = ""
    trigger_id: str = ""
    connections: list[ChatConnection] = field(default_factory=list)

    @property
    def link_request(self) -> LinkRequest:
        return LinkRequest(self.kind, self.workspace_id, self.chat_user_id, self.chat_user_name)

    def connection_of(self, team_id: int) -> ChatConnection | None:
        return next((c for c in self.connections if c.team_id == team_id), None)


class NotLinked(ActionRefused):
    """The chat user is nobody in Charter yet: the answer carries the link to change that."""

    def __init__(self, incoming: Incoming):
        super().__init__(f"Your chat account is not linked to anyone in Charter yet. Link it here (the link works "
                         f"for 15 minutes): {link_url(incoming.link_request)}")


def account_of(incoming: Incoming) -> ChatAccount:
    """The linked account with its person (one query); `NotLinked` when there is none or the person is switched off."""
    account = (ChatAccount.objects.select_related("user")
               .filter(kind=incoming.kind, workspace_id=incoming.workspace_id, chat_user_id=incoming.chat_user_id)
               .first())
    if account is None:
        raise NotLinked(incoming)
    if not account.user.is_active:
        raise ActionRefused("The Charter account linked to you is switched off.")
    return account


def team_of(incoming: Incoming, user) -> ChatConnection:
    """The team a command is about: the one whose channel it was typed in, else the person's one team connected
    to this workspace (one query, none in a team's channel); refused in words when that is not one team."""
    in_channel = next((c for c in incoming.connections if c.channel_id == incoming.channel_id), None)
    if in_channel is not None:
        return in_channel
    by_team = {c.team_id: c for c in incoming.connections}
    mine = list(Membership.objects.filter(user=user, team_id__in=list(by_team)).values_list("team_id", flat=True))
    if len(mine) == 1:
        return by_team[mine[0]]
    if not mine:
        raise ActionRefused("None of your teams is connected to this chat. A team's leader connects it from the "
                            "team's settings in Charter.")
    raise ActionRefused("You are in several teams connected to this chat: type the command in your team's channel.")


def access_as(user, connection: ChatConnection, capability: Capability | None = None) -> TeamAccess:
    """The person's access to the connection's team, as `team_access` gives it to a page; refused in words.

    With no capability: reading what everyone in the organisation reads (`reader_access`), as the charter page.
    """
    team = connection.team
    org_slug, team_slug = team.organisation.slug, team.slug
    try:
        if capability is None:
            return permissions.reader_access(user, org_slug, team_slug)
        return permissions.team_access(user, org_slug, team_slug, capability)
    except Http404:
        raise ActionRefused(f"You are not in {team.name} in Charter.") from None
    except PermissionDenied as denied:
        raise ActionRefused(str(denied) or "Your role in this team does not allow this.") from None
