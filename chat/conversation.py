"""What Charter does with a verified request from chat: a command, a button, a dialog saved.

Each acts as the linked person (`chat.acting`) through the same services and capabilities as the web pages,
and answers in words: a refusal (the week closed, not in the team, already answered) is said in the chat,
never a silent failure. How each chat carries the answer is the views' business (`chat.views`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from alignment.errors import ActionRefused
from alignment.permissions import Capability
from chat import checkin_dialog, commitments, decide, verification
from chat.acting import Incoming, access_as, account_of, team_of
from chat.blocks import Message
from chat.charter import charter_message
from chat.dialogs import Saved, open_dialog
from chat.linking import LINK_MAX_AGE, link_url
from chat.models import ChatConnection
from chat.reminders import CHECK_IN

HELP = Message(title="Charter in chat", text="\n".join([
    "/charter — the team's purpose, non-negotiables and boundaries",
    "/charter decide <proposal> — put a proposal to the purpose and log it in the decision log",
    "/charter checkin — this week's check-in, in a dialog",
    "/charter link — link your chat account to you in Charter",
    "/charter help — this list",
]))


def run_command(incoming: Incoming, text: str, now: datetime | None = None) -> Message | None:
    """`/charter [word] [the rest]`: the answer only whoever typed it sees; None when a dialog opened instead."""
    word, _, rest = text.strip().partition(" ")
    word = word.lower()
    if word in ("help", "?"):
        return HELP
    if word == "link":
        minutes = int(LINK_MAX_AGE.total_seconds() // 60)
        return Message(title="Link your chat account to Charter",
                       text=f"Open this link signed in to Charter and confirm it is you: {link_url(incoming.link_request)}"
                            f"\nIt works for {minutes} minutes. Nobody else sees this message.")
    try:
        account = account_of(incoming)
        connection = team_of(incoming, account.user)
        if word == "":
            return charter_message(access_as(account.user, connection))
        if word == "decide":
            access = access_as(account.user, connection, Capability.LOG_DECISION)
            open_dialog(connection, incoming.trigger_id,
                        decide.decide_dialog(access, connection, incoming.chat_user_id, rest.strip()))
            return None
        if word in ("checkin", "check-in"):
            access = access_as(account.user, connection, Capability.CHECK_IN)
            open_dialog(connection, incoming.trigger_id,
                        checkin_dialog.checkin_dialog(access, connection, incoming.chat_user_id, now))
            return None
    except ActionRefused as refused:
        return Message(text=str(refused))
    return Message(title=f"“{word}” is not a command Charter knows", text=HELP.text)


@dataclass(frozen=True)
class Clicked:
    """The message whose button was pressed: its channel and its id there (Slack's `ts`, Mattermost's post id)."""

    channel_id: str = ""
    message_id: str = ""


@dataclass(frozen=True)
class Outcome:
    """What a button comes to: the message it was on replaced (an answer), or words for the clicker alone."""

    replace: Message | None = None
    say: str = ""


def _connection(incoming: Incoming, data: dict) -> ChatConnection:
    connection = incoming.connection_of(int(data.get("t", 0)))
    if connection is None or connection.pk != data.get("c"):
        raise ActionRefused("This team is no longer connected to this chat.")
    return connection


def run_action(incoming: Incoming, data: dict, clicked: Clicked, now: datetime | None = None) -> Outcome:
    """A button Charter put in a message (`data`, its signed value), pressed by the chat user it was for."""
    action = data.get("a")
    try:
        account = account_of(incoming)
        connection = _connection(incoming, data)
        user = account.user
        if action == CHECK_IN:
            access = access_as(user, connection, Capability.CHECK_IN)
            open_dialog(connection, incoming.trigger_id,
                        checkin_dialog.checkin_dialog(access, connection, incoming.chat_user_id, now))
            return Outcome()
        if action in (commitments.ACCEPT, commitments.DECLINE, commitments.ACCEPT_ANYWAY):
            access = access_as(user, connection, Capability.CHECK_IN)
            return Outcome(replace=commitments.answer_request(access, connection, data, incoming.chat_user_id))
        if action == commitments.PROPOSE:
            access = access_as(user, connection, Capability.CHECK_IN)
            open_dialog(connection, incoming.trigger_id, commitments.propose_dialog(
                access, connection, data, incoming.chat_user_id,
                replaces={"ch": clicked.channel_id, "ts": clicked.message_id}))
            return Outcome()
        if action in (commitments.RENEGOTIATION_ACCEPT, commitments.RENEGOTIATION_DECLINE):
            access = access_as(user, connection, Capability.ANSWER_CHECKINS)
            return Outcome(replace=commitments.decide_renegotiation(access, connection, data))
    except ActionRefused as refused:
        return Outcome(say=str(refused))
    return Outcome(say="This button is not one Charter knows any more.")


def submit_dialog(incoming: Incoming, data: dict, values: dict[str, str], now: datetime | None = None, *,
                  then: Callable[[Saved], None] | None = None) -> Saved:
    """A dialog Charter opened (`data`, its signed state), saved: `DialogErrors` to fix, `ActionRefused` in words.

    A dialog's state is used once: its nonce is remembered in the transaction that saves, so a dialog sent again
    after it saved is refused, while one sent again to fix what was refused is not. `then(saved)` runs in that
    transaction too: the messages answering it are written with what it saved.
    """
    now = now or timezone.now()
    account = account_of(incoming)
    connection = _connection(incoming, data)
    if verification.was_seen(f"dialog:{data['n']}"):
        raise ActionRefused("This dialog was saved already.")
    savers = {checkin_dialog.CALLBACK: (Capability.CHECK_IN, checkin_dialog.save_checkin),
              decide.CALLBACK: (Capability.LOG_DECISION, decide.log_from_dialog),
              commitments.PROPOSE: (Capability.CHECK_IN, commitments.propose_date)}
    if data.get("a") not in savers:
        raise ActionRefused("This dialog is not one Charter knows any more.")
    capability, save = savers[data["a"]]
    access = access_as(account.user, connection, capability)
    with transaction.atomic():
        try:
            verification.remember(f"dialog:{data['n']}", until=now + verification.DIALOG_MAX_AGE)
        except verification.Refused:
            raise ActionRefused("This dialog was saved already.") from None
        saved = save(access, data, values)
        if then is not None:
            then(saved)
        return saved
