"""Connecting a team to its chat, and linking people's chat accounts: keyword-only functions owning their writes."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from alignment import sealed
from alignment.errors import ActionRefused
from alignment.locks import lock_team
from alignment.permissions import ARCHIVED_REFUSAL
from chat.client import Api, ChatError, address_refusal
from chat.linking import LinkRequest
from chat.models import ChatAccount, ChatConnection, ChatKind


@dataclass(frozen=True)
class Workspace:
    """What connecting learns from the chat's API with the bot's token: whose chat it is, and the channel's name."""

    id: str
    name: str
    bot_user_id: str
    channel_name: str


def learn_workspace(*, kind: str, api_base_url: str, bot_token: str, channel_id: str) -> Workspace:
    """Ask the chat who the token belongs to (and so check it works); refused in words when it does not."""
    api = Api(kind, api_base_url.rstrip("/"), bot_token)
    label = ChatKind(kind).label
    try:
        if kind == ChatKind.SLACK:
            me = api.slack("auth.test", {})
            try:  # the channel's name is for the settings page only: a bot without channels:read still works
                name = str(api.slack("conversations.info", {"channel": channel_id}).get("channel", {}).get("name", ""))
            except ChatError:
                name = ""
            return Workspace(str(me.get("team_id", "")), str(me.get("team", "")), str(me.get("user_id", "")), name)
        me = api.mattermost("GET", "users/me")
        channel = api.mattermost("GET", f"channels/{channel_id}")
        return Workspace(str(channel.get("team_id", "")), "", str(me.get("id", "")),
                         str(channel.get("display_name") or channel.get("name") or ""))
    except ChatError as error:
        raise ActionRefused(f"{label} did not accept the bot's token or the channel ({error}). Check them and "
                            "the API address.") from None


def connect(*, team, actor, kind: str, api_base_url: str, channel_id: str, bot_token: str = "",
            signing_secret: str = "", command_token: str = "") -> ChatConnection:
    """Connect the team to a chat channel, or change its connection; a secret left blank keeps the one saved.

    The bot's token is tried first (`learn_workspace`): a wrong token, address or channel is refused in words
    and nothing is saved.
    """
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    api_base_url, channel_id = api_base_url.strip().rstrip("/"), channel_id.strip()
    if refusal := address_refusal(api_base_url):
        raise ActionRefused(refusal)
    existing = ChatConnection.objects.filter(team=team).first()
    same_chat = existing is not None and existing.kind == kind
    bot_token = bot_token.strip() or (sealed.unseal(existing.bot_token_sealed) if same_chat else "")
    signing_secret = signing_secret.strip() or (sealed.unseal(existing.signing_secret_sealed) if same_chat else "")
    command_token = command_token.strip() or (sealed.unseal(existing.command_token_sealed) if same_chat else "")
    if not bot_token:
        raise ActionRefused("Give the bot's token.")
    if kind == ChatKind.SLACK and not signing_secret:
        raise ActionRefused("Give the Slack app's signing secret: every request from Slack is checked with it.")
    if kind == ChatKind.MATTERMOST and not command_token:
        raise ActionRefused("Give the token of the /charter slash command: every command is checked with it.")
    workspace = learn_workspace(kind=kind, api_base_url=api_base_url, bot_token=bot_token, channel_id=channel_id)
    if not workspace.id:
        raise ActionRefused(f"{ChatKind(kind).label} did not say which workspace the token belongs to.")
    with transaction.atomic():
        team = lock_team(team.pk)
        if team is None or team.is_archived:
            raise ActionRefused(ARCHIVED_REFUSAL)
        connection, _ = ChatConnection.objects.update_or_create(team=team, defaults={
            "kind": kind, "api_base_url": api_base_url, "workspace_id": workspace.id,
            "workspace_name": workspace.name, "channel_id": channel_id, "channel_name": workspace.channel_name,
            "bot_user_id": workspace.bot_user_id, "bot_token_sealed": sealed.seal(bot_token),
            "signing_secret_sealed": sealed.seal(signing_secret) if kind == ChatKind.SLACK else "",
            "command_token_sealed": sealed.seal(command_token) if kind == ChatKind.MATTERMOST else "",
            "connected_by": actor, "connected_at": timezone.now()})
    return connection


def disconnect(*, connection: ChatConnection) -> None:
    """Forget the team's chat, with the messages waiting to go there. People's linked accounts stay theirs."""
    if connection.team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    connection.delete()


def masked(secret_sealed: str) -> str:
    """A secret as pages show it: its last four characters."""
    secret = sealed.unseal(secret_sealed)
    return f"…{secret[-4:]}" if len(secret) > 8 else ("set" if secret else "")


def link_account(*, user, request: LinkRequest) -> ChatAccount:
    """Link the chat user who asked (`request`) to `user`, who confirmed it signed in.

    A chat user is one person, and a person has one account per workspace: a link the chat user had to someone
    else, or one `user` had to another account of the same workspace, is replaced.
    """
    same_workspace = Q(kind=request.kind, workspace_id=request.workspace_id)
    with transaction.atomic():
        already = ChatAccount.objects.filter(same_workspace, chat_user_id=request.chat_user_id, user=user).first()
        if already is not None:
            if already.chat_user_name != request.chat_user_name and request.chat_user_name:
                already.chat_user_name = request.chat_user_name
                already.save(update_fields=["chat_user_name"])
            return already
        ChatAccount.objects.filter(same_workspace).filter(Q(chat_user_id=request.chat_user_id) | Q(user=user)).delete()
        try:
            with transaction.atomic():
                return ChatAccount.objects.create(user=user, kind=request.kind, workspace_id=request.workspace_id,
                                                  chat_user_id=request.chat_user_id,
                                                  chat_user_name=request.chat_user_name)
        except IntegrityError:  # the same link confirmed twice at once: the other one made it
            found = ChatAccount.objects.filter(same_workspace, chat_user_id=request.chat_user_id, user=user).first()
            if found is None:
                raise ActionRefused("This chat account was linked to someone else at the same moment. "
                                    "Run /charter link again.") from None
            return found


def unlink_account(*, account: ChatAccount) -> None:
    """The chat user is nobody in Charter any more: no more check-ins or requests in chat, commands refused."""
    account.delete()
