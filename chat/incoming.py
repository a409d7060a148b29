"""Reading and verifying what Slack and Mattermost post to Charter, before anything is done or written.

Each function reads one kind of request as its chat sends it, proves it (`chat.verification`) and gives back
an `Incoming` (who, from where, with the connections that proved it) and what it carries. `Refused` when it
is not proved; nothing has been written then.

- Slack posts commands and interactions (`payload=` JSON) form-encoded and signs each with the app's secret.
- Mattermost posts slash commands form-encoded with the command's token; a button's click as JSON carrying
  the `context` Charter gave the button; a dialog's submission as JSON carrying the `state` Charter gave it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.http import HttpRequest, QueryDict

from alignment import sealed
from chat import verification
from chat.acting import Incoming
from chat.blocks import mattermost_values, slack_values
from chat.models import ChatConnection, ChatKind
from chat.verification import Refused


def _connections(kind: str, workspace_id: str) -> list[ChatConnection]:
    """The connections to one workspace (one query), with their teams for the answers."""
    if not workspace_id:
        return []
    return list(ChatConnection.objects.select_related("team__organisation").filter(kind=kind,
                                                                                   workspace_id=workspace_id))


def _connection(pk) -> list[ChatConnection]:
    return list(ChatConnection.objects.select_related("team__organisation").filter(pk=pk)) if pk else []


def _json(raw: str | bytes) -> dict:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise Refused("not JSON") from None
    if not isinstance(data, dict):
        raise Refused("not a JSON object")
    return data


# Slack ---------------------------------------------------------------------------------------------------


def _slack(request: HttpRequest, workspace_id: str, now: datetime) -> list[ChatConnection]:
    candidates = [(c, sealed.unseal(c.signing_secret_sealed)) for c in _connections(ChatKind.SLACK, workspace_id)]
    return verification.verify_slack(request.headers, request.body, candidates, now)


def slack_command(request: HttpRequest, now: datetime) -> tuple[Incoming, str]:
    """A slash command: who typed it where, and its text after `/charter`."""
    form = QueryDict(request.body)
    connections = _slack(request, form.get("team_id", ""), now)
    return Incoming(kind=ChatKind.SLACK, workspace_id=form.get("team_id", ""), chat_user_id=form.get("user_id", ""),
                    chat_user_name=form.get("user_name", ""), channel_id=form.get("channel_id", ""),
                    trigger_id=form.get("trigger_id", ""), connections=connections), form.get("text", "")


@dataclass
class SlackInteraction:
    """A button pressed (`block_actions`) or a modal submitted (`view_submission`), its signed value read."""

    type: str
    data: dict = field(default_factory=dict)  # what Charter signed in the button or the modal
    values: dict[str, str] = field(default_factory=dict)  # a modal's fields
    channel_id: str = ""
    message_ts: str = ""


def slack_interaction(request: HttpRequest, now: datetime) -> tuple[Incoming, SlackInteraction]:
    payload = _json(QueryDict(request.body).get("payload", ""))
    user = payload.get("user") or {}
    workspace_id = (payload.get("team") or {}).get("id") or user.get("team_id", "")
    connections = _slack(request, workspace_id, now)
    incoming = Incoming(kind=ChatKind.SLACK, workspace_id=workspace_id, chat_user_id=user.get("id", ""),
                        chat_user_name=user.get("username") or user.get("name", ""),
                        channel_id=(payload.get("channel") or {}).get("id", ""),
                        trigger_id=payload.get("trigger_id", ""), connections=connections)
    kind = payload.get("type", "")
    if kind == "view_submission":
        view = payload.get("view") or {}
        data = verification.read_action(view.get("private_metadata", ""), max_age=verification.DIALOG_MAX_AGE,
                                        chat_user_id=incoming.chat_user_id)
        return incoming, SlackInteraction(kind, data, values=slack_values(view))
    if kind == "block_actions":
        action = (payload.get("actions") or [{}])[0]
        if not action.get("value"):  # a link button ("Open in Charter"): Slack tells, nothing to do
            return incoming, SlackInteraction("link")
        data = verification.read_action(action["value"], max_age=verification.BUTTON_MAX_AGE,
                                        chat_user_id=incoming.chat_user_id)
        container = payload.get("container") or {}
        return incoming, SlackInteraction(kind, data, channel_id=container.get("channel_id") or incoming.channel_id,
                                          message_ts=container.get("message_ts") or
                                          (payload.get("message") or {}).get("ts", ""))
    return incoming, SlackInteraction(kind)


# Mattermost ---------------------------------------------------------------------------------------------------


def mattermost_command(request: HttpRequest, now: datetime) -> tuple[Incoming, str]:
    form = QueryDict(request.body)
    candidates = [(c, sealed.unseal(c.command_token_sealed))
                  for c in _connections(ChatKind.MATTERMOST, form.get("team_id", ""))]
    connections = verification.verify_mattermost_token(form.get("token", ""), candidates)
    trigger_id = form.get("trigger_id", "")
    if not trigger_id:
        raise Refused("no trigger")
    verification.remember(f"mattermost-command:{trigger_id}", until=now + 2 * verification.SLACK_WINDOW)
    return Incoming(kind=ChatKind.MATTERMOST, workspace_id=form.get("team_id", ""),
                    chat_user_id=form.get("user_id", ""), chat_user_name=form.get("user_name", ""),
                    channel_id=form.get("channel_id", ""), trigger_id=trigger_id,
                    connections=connections), form.get("text", "")


def _mattermost_signed(body: dict, value: str, *, max_age) -> tuple[Incoming, dict]:
    """A click's or a dialog's request: what Charter signed in it, for the user who sent it, and its connection."""
    data = verification.read_action(value, max_age=max_age, chat_user_id=str(body.get("user_id", "")))
    connections = [c for c in _connection(data.get("c")) if c.kind == ChatKind.MATTERMOST]
    if not connections:
        raise Refused("no such connection")
    connection = connections[0]
    return Incoming(kind=ChatKind.MATTERMOST, workspace_id=connection.workspace_id,
                    chat_user_id=str(body.get("user_id", "")), chat_user_name=str(body.get("user_name", "")),
                    channel_id=str(body.get("channel_id", "")), trigger_id=str(body.get("trigger_id", "")),
                    connections=connections), data


def mattermost_action(request: HttpRequest, now: datetime) -> tuple[Incoming, dict, str]:
    """A button's click: who, what Charter signed in the button, and the post it was on."""
    body = _json(request.body)
    context = body.get("context") or {}
    incoming, data = _mattermost_signed(body, str(context.get("value", "")), max_age=verification.BUTTON_MAX_AGE)
    if not incoming.trigger_id:
        raise Refused("no trigger")
    verification.remember(f"mattermost-action:{incoming.trigger_id}", until=now + verification.BUTTON_MAX_AGE)
    return incoming, data, str(body.get("post_id", ""))


def mattermost_dialog(request: HttpRequest, now: datetime) -> tuple[Incoming, dict, dict, bool]:
    """A dialog's submission: who, its signed state, its values by name, and whether it was cancelled.

    Its state's nonce is remembered when it saves (`chat.conversation.submit_dialog`); one seen is refused here.
    """
    body = _json(request.body)
    incoming, data = _mattermost_signed(body, str(body.get("state", "")), max_age=verification.DIALOG_MAX_AGE)
    if verification.was_seen(f"dialog:{data.get('n', '')}"):
        raise Refused("replayed")
    return incoming, data, mattermost_values(body.get("submission") or {}), bool(body.get("cancelled"))
