"""The chat pages, each built for its reader: the team's chat settings, the link to confirm, one's chat accounts."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.urls import reverse

from alignment.models import Membership
from chat.linking import LinkRequest
from chat.models import ChatAccount, ChatConnection
from chat.services import masked
from notifications.services import absolute_url


def request_urls() -> dict[str, str]:
    """The addresses to paste into Slack's app settings and Mattermost's slash command."""
    return {name: absolute_url(reverse(f"chat:{name}")) for name in (
        "slack_commands", "slack_interactions", "mattermost_commands", "mattermost_actions", "mattermost_dialogs")}


def slack_manifest() -> dict:
    """The Slack app's manifest (paste it in “Create an app → From a manifest”), with this site's addresses."""
    urls = request_urls()
    return {
        "display_information": {"name": "Charter", "background_color": "#1d4e5f",
                                "description": "Check in, answer commitments and put proposals to your purpose."},
        "features": {
            "bot_user": {"display_name": "Charter", "always_online": True},
            "slash_commands": [{"command": "/charter", "url": urls["slack_commands"], "should_escape": False,
                                "description": "Your team's charter; decide, check in, link your account",
                                "usage_hint": "[decide <proposal> | checkin | link | help]"}],
        },
        "oauth_config": {"scopes": {"bot": ["commands", "chat:write", "im:write", "channels:read"]}},
        "settings": {"interactivity": {"is_enabled": True, "request_url": urls["slack_interactions"]},
                     "org_deploy_enabled": False, "socket_mode_enabled": False, "token_rotation_enabled": False},
    }


@dataclass(frozen=True)
class TeamChatPage:
    connection: ChatConnection | None
    masked_bot_token: str
    masked_secret: str  # the signing secret (Slack) or the command's token (Mattermost)
    linked: int  # the team's people linked to an account in its chat
    people: int
    urls: dict[str, str]
    manifest: str


def team_chat_page(team) -> TeamChatPage:
    """The team's chat and how many of its people linked an account there (two queries; one without chat)."""
    connection = ChatConnection.objects.filter(team=team).first()
    linked = people = 0
    if connection is not None:
        members = Membership.objects.filter(team=team)
        people = members.count()
        linked = ChatAccount.objects.filter(kind=connection.kind, workspace_id=connection.workspace_id,
                                            user__in=members.values("user")).count()
    secret = "" if connection is None else masked(
        connection.signing_secret_sealed if connection.is_slack else connection.command_token_sealed)
    return TeamChatPage(connection=connection, masked_bot_token=masked(connection.bot_token_sealed) if connection else "",
                        masked_secret=secret, linked=linked, people=people, urls=request_urls(),
                        manifest=json.dumps(slack_manifest(), indent=2))


@dataclass(frozen=True)
class LinkPage:
    request: LinkRequest | None
    teams: list[str]  # the reader's teams connected to the chat user's workspace
    already: bool  # this chat user is linked to the reader already


def link_page(request: LinkRequest | None, user) -> LinkPage:
    """What following the link shows: whose chat account, and which of the reader's teams use that chat (two queries)."""
    if request is None:
        return LinkPage(None, [], False)
    teams = list(ChatConnection.objects.filter(kind=request.kind, workspace_id=request.workspace_id,
                                               team__memberships__user=user).order_by("team__name")
                 .values_list("team__name", flat=True))
    already = ChatAccount.objects.filter(user=user, kind=request.kind, workspace_id=request.workspace_id,
                                         chat_user_id=request.chat_user_id).exists()
    return LinkPage(request, teams, already)


def accounts_of(user) -> list[ChatAccount]:
    return list(ChatAccount.objects.filter(user=user))
