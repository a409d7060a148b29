"""The chat outbox: every message Charter sends to chat is a `ChatMessage` row, sent exactly once.

1. `queue()` writes the rows in the caller's transaction, unique on (connection, chat user, key): a rerun, or
   the other of two concurrent runs, writes nothing more, and a rollback sends nothing. `chat.tasks.send_message`
   is queued for each new row when the transaction commits.
2. `attempt()` claims a row by compare-and-set on its attempts (a duplicated task sends once) and holds it for
   `LEASE`, draws the message for the connection's chat (`chat.blocks`) and sends it (`chat.client`). Sent: the
   row says where it landed. A network error, a 5xx, a 429 or Slack's `ratelimited`: tried again after 1, 5
   and 30 minutes and 2 hours; any other error, or the fifth failure, fails it.
3. Beat's `send_due_chat_messages` (`queue_due`) finds what is due: retries, rows held by a try whose worker
   died (their lease ran out) and rows whose task was never queued (a broker away at commit), and a message
   held for the person's quiet hours once they end.

A row names a chat user, not a person: unlinking afterwards does not stop what was decided while linked.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from alignment.signals import delivery_tried
from alignment.task_queue import after_commit
from alignment.task_queue import now as queue_now
from chat import blocks, verification
from chat.client import Api, ChatError
from chat.models import ChatConnection, ChatMessage
from notifications.services import absolute_url

logger = logging.getLogger(__name__)

SEND_MESSAGE = "chat.tasks.send_message"
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
LEASE = timedelta(minutes=5)  # far longer than a send (three calls of at most 5 s): a try holding it longer died
QUEUE_GRACE = timedelta(minutes=2)  # a new row's own task sends it within seconds; the sweep leaves it this long
PENDING = (ChatMessage.Status.QUEUED, ChatMessage.Status.RETRYING)


def message_row(*, connection: ChatConnection, chat_user_id: str, key: str, message: blocks.Message,
                op: str = ChatMessage.Op.POST, channel_id: str = "", message_ts: str = "",
                not_before: datetime | None = None, now: datetime | None = None) -> ChatMessage:
    """An unsaved row for `queue`."""
    return ChatMessage(connection=connection, chat_user_id=chat_user_id, key=key[:200], op=op, channel_id=channel_id,
                       message_ts=message_ts, body=message.as_json(), next_attempt_at=not_before,
                       created_at=now or timezone.now())


def queue(rows: list[ChatMessage]) -> list[int]:
    """Write the rows not written before, in the caller's transaction; their sends go once it commits.

    Queries: the insert (conflicts ignored), and the new rows' ids; none for no rows.
    """
    if not rows:
        return []
    with transaction.atomic():
        ChatMessage.objects.bulk_create(rows, ignore_conflicts=True)
        named = {(row.connection_id, row.chat_user_id, row.key) for row in rows}
        ids = [pk for pk, *name in ChatMessage.objects.filter(
            connection_id__in={row.connection_id for row in rows}, key__in={row.key for row in rows},
            status=ChatMessage.Status.QUEUED, attempts=0).values_list("pk", "connection_id", "chat_user_id", "key")
            if tuple(name) in named]
        after_commit(SEND_MESSAGE, ids)
    return ids


def attempt(message_id: int, *, now: datetime | None = None) -> bool:
    """Send one message if it is due and nobody holds it; True if this try sent it."""
    now = now or timezone.now()
    row = ChatMessage.objects.select_related("connection").filter(pk=message_id).first()
    if row is None or row.status not in PENDING or (row.next_attempt_at is not None and row.next_attempt_at > now):
        return False
    claimed = ChatMessage.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)).update(
        attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return False
    attempts = row.attempts + 1
    try:
        channel, ts = send(row)
    except ChatError as error:
        retry = error.retryable and attempts < MAX_ATTEMPTS
        ChatMessage.objects.filter(pk=row.pk).update(
            status=ChatMessage.Status.RETRYING if retry else ChatMessage.Status.FAILED,
            next_attempt_at=now + BACKOFF[attempts - 1] if retry else None, last_error=str(error)[:300])
        logger.warning("chat message %s (%s) attempt %d failed: %s", row.pk, row.key, attempts, error)
        delivery_tried.send(sender=ChatMessage, channel="chat", outcome="failed")
        return False
    ChatMessage.objects.filter(pk=row.pk).update(status=ChatMessage.Status.SENT, sent_at=timezone.now(),
                                                 next_attempt_at=None, last_error="", sent_channel_id=channel,
                                                 sent_ts=ts)
    delivery_tried.send(sender=ChatMessage, channel="chat", outcome="sent")
    return True


def send(row: ChatMessage) -> tuple[str, str]:
    """Post, replace or show the row's message in its connection's chat; (channel, message id) where it landed."""
    connection, message = row.connection, blocks.Message.from_json(row.body)
    api = Api.of(connection)
    Op = ChatMessage.Op
    if connection.is_slack:
        drawn = blocks.slack_message(message)
        if row.op == Op.UPDATE:
            answer = api.slack("chat.update", {"channel": row.channel_id, "ts": row.message_ts, **drawn})
        elif row.op == Op.EPHEMERAL:
            answer = api.slack("chat.postEphemeral", {"channel": row.channel_id, "user": row.chat_user_id, **drawn})
            return row.channel_id, str(answer.get("message_ts", ""))
        else:  # a user's id as the channel: the app's direct messages with them
            answer = api.slack("chat.postMessage", {"channel": row.chat_user_id, **drawn})
        return str(answer.get("channel", row.channel_id)), str(answer.get("ts", ""))
    post = blocks.mattermost_post(message, actions_url=absolute_url(reverse("chat:mattermost_actions")))
    if row.op == Op.UPDATE:
        answer = api.mattermost("PUT", f"posts/{row.message_ts}/patch", post)
        return row.channel_id, str(answer.get("id", row.message_ts))
    if row.op == Op.EPHEMERAL:
        answer = api.mattermost("POST", "posts/ephemeral", {"user_id": row.chat_user_id,
                                                            "post": {"channel_id": row.channel_id, **post}})
        return row.channel_id, str(answer.get("id", ""))
    channel = direct_channel(api, connection, row.chat_user_id)
    answer = api.mattermost("POST", "posts", {"channel_id": channel, **post})
    return channel, str(answer.get("id", ""))


def direct_channel(api: Api, connection: ChatConnection, chat_user_id: str) -> str:
    """The direct-message channel between the bot and a Mattermost user (made if need be; the same one each time)."""
    bot = connection.bot_user_id
    if not bot:
        bot = str(api.mattermost("GET", "users/me").get("id", ""))
        ChatConnection.objects.filter(pk=connection.pk).update(bot_user_id=bot)
    return str(api.mattermost("POST", "channels/direct", [bot, chat_user_id]).get("id", ""))


def due_ids(now: datetime, *, limit: int = 500) -> list[int]:
    """Messages to try now: retries and held messages that are due, leases run out, rows never queued."""
    never_queued = Q(next_attempt_at__isnull=True, created_at__lte=now - QUEUE_GRACE)
    return list(ChatMessage.objects.filter(status__in=PENDING).filter(Q(next_attempt_at__lte=now) | never_queued)
                .order_by("pk").values_list("pk", flat=True)[:limit])


def queue_due(now: datetime | None = None, *, limit: int = 500) -> int:
    """Beat's sweep: queue what is due (see `due_ids`) and forget requests too old to replay; how many queued."""
    now = now or timezone.now()
    due = due_ids(now, limit=limit)
    queue_now(SEND_MESSAGE, due)
    verification.forget_expired(now)
    if due:
        logger.info("send_due_chat_messages: %d queued", len(due))
    return len(due)
