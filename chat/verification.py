"""Proving that an incoming request came from the team's chat, now, and only once.

- **Slack** signs every request with the app's signing secret: `X-Slack-Signature` is `v0=` and the hex
  HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}`. The timestamp must be within
  `SLACK_WINDOW` of now, and a signature seen before is refused (`remember`).
- **Mattermost** sends its slash commands with the command's token, which is compared in constant time;
  the command's `trigger_id` is remembered so that a replay is refused. Buttons and dialogs carry what
  Charter put in them, signed here with a timestamp (`sign_action`): a button's value names the chat user
  it was sent to and the thing it answers, and is good for `BUTTON_MAX_AGE`; a dialog's state is good for
  `DIALOG_MAX_AGE` and used once (its nonce is remembered when the dialog is saved).

Every check runs before anything is written: a refused request writes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone

from chat.models import SeenRequest

SLACK_WINDOW = timedelta(minutes=5)
BUTTON_MAX_AGE = timedelta(days=30)  # a request to answer may wait in someone's messages for weeks
DIALOG_MAX_AGE = timedelta(hours=2)  # a dialog is filled in when it is opened
ACTION_SALT = "chat.action"


class Refused(Exception):
    """The request is not proved to come from the chat (401), or was seen before."""


# Slack ------------------------------------------------------------------------------------------------------


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    signed = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def verify_slack[T](headers, body: bytes, candidates: Sequence[tuple[T, str]], now: datetime) -> list[T]:
    """Of `candidates` ((connection, its signing secret)), those whose secret signed this request; refused if none,
    or if its timestamp is outside the window. The signature is remembered: the same one again is refused."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or not signature:
        raise Refused("missing signature")
    if abs(now.timestamp() - int(timestamp)) > SLACK_WINDOW.total_seconds():
        raise Refused("stale timestamp")
    signed_by = [connection for connection, secret in candidates
                 if secret and hmac.compare_digest(slack_signature(secret, timestamp, body), signature)]
    if not signed_by:
        raise Refused("bad signature")
    remember(f"slack:{signature}", until=now + 2 * SLACK_WINDOW)
    return signed_by


# Mattermost --------------------------------------------------------------------------------------------------


def verify_mattermost_token[T](token: str, candidates: Iterable[tuple[T, str]]) -> list[T]:
    """Of `candidates` ((connection, its slash command's token)), those whose token this is; refused if none."""
    matched = [connection for connection, expected in candidates
               if expected and token and hmac.compare_digest(expected.encode(), token.encode())]
    if not matched:
        raise Refused("bad token")
    return matched


# What Charter signs: buttons' values and dialogs' states --------------------------------------------------------


def sign_action(data: dict) -> str:
    """`data` signed with this site's key and the time (the site's clock, `timezone.now`), for a button's value or
    a dialog's state."""
    return signing.dumps({**data, "at": int(timezone.now().timestamp())}, salt=ACTION_SALT, compress=True)


def new_nonce() -> str:
    return secrets.token_urlsafe(12)


def read_action(value: str, *, max_age: timedelta, chat_user_id: str) -> dict:
    """What `sign_action` signed, if this site signed it within `max_age` for this very chat user."""
    try:
        data = signing.loads(value or "", salt=ACTION_SALT)
    except signing.BadSignature:
        raise Refused("bad signature") from None
    if not isinstance(data, dict) or data.get("u") != chat_user_id:
        raise Refused("for someone else")
    if not 0 <= timezone.now().timestamp() - int(data.get("at", 0)) <= max_age.total_seconds():
        raise Refused("expired")
    return data


# Replays ----------------------------------------------------------------------------------------------------


def _digest(proof: str) -> str:
    return hashlib.sha256(proof.encode()).hexdigest()


def was_seen(proof: str) -> bool:
    return SeenRequest.objects.filter(digest=_digest(proof)).exists()


def remember(proof: str, *, until: datetime) -> None:
    """Remember what made a request unique until `until`; refused if it was seen before (a replay).

    Looked up first, so that a replay writes nothing; two identical requests at once both find nothing, and the
    unique digest lets one of them in.
    """
    if was_seen(proof):
        raise Refused("replayed")
    try:
        with transaction.atomic():
            SeenRequest.objects.create(digest=_digest(proof), expires_at=until)
    except IntegrityError:
        raise Refused("replayed") from None


def forget_expired(now: datetime | None = None) -> int:
    """Forget what can no longer be replayed (its window is over); the sweep calls it."""
    deleted, _ = SeenRequest.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted
