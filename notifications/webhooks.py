"""Team webhooks: a team's events posted to a chat's incoming webhook or, signed, to an integration's endpoint.

A webhook has a format (`TeamWebhook.Format`). A *chat* webhook gets Slack-compatible JSON (`{"text": ...}`)
of the events that read well in a channel. A *JSON* webhook gets every event it chose as an envelope
(`{"id", "type", "created_at", "organisation", "team", "data"}`), signed with its secret the way Stripe signs
(`Charter-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`); docs/integrations.md says how
a receiver checks it. Feature apps register the events they post (`register_webhook_event` in
`AppConfig.ready()`) and call `post_event()` (or `post_events()` for a batch) inside the transaction of what
happened, with the chat text and the JSON data; the core never imports them.

How an event goes:

1. `post_event` writes one `WebhookDelivery` per active webhook of the team subscribed to the event,
   unique on (webhook, event, key): a rerun, or the other of two concurrent calls, writes nothing more.
   Its payload is what that webhook's format posts (the body's bytes are the payload serialised one fixed way,
   so every attempt posts the same bytes). The rows are written in the caller's transaction, so a rollback
   posts nothing, and `notifications.tasks.send_webhook` is queued when it commits.
2. `attempt()` claims the delivery (compare-and-set on its attempts, so a duplicated task posts once),
   builds the request for the webhook's format (a JSON one signed anew, with the attempt's time), POSTs it
   with a 5-second timeout, follows no redirect, and logs the outcome on the row. A 2xx answer: sent. A
   network error, a timeout, 429 or 5xx: tried again after 1 minute, 5 minutes, 30 minutes and 2 hours
   (`next_attempt_at`; beat's `send_due_webhooks` picks due retries up, and also deliveries whose task was
   never queued); after the fifth attempt it has failed. Any other answer (4xx, a redirect) fails it at
   once. A test message is tried once.
3. Every failed attempt adds one to the webhook's `consecutive_failures`, across its deliveries; a
   success resets it. At `DISABLE_AFTER_FAILURES` (5) failed attempts in a row the webhook is turned
   off, its waiting deliveries fail, and the team's leaders are told once (`webhook_disabled`). For a
   single event that is its retries running out, about 2½ hours after it first failed. A leader turns
   it back on from the team's webhooks page.

The address may be a secret (a chat's is: whoever has it can post to the channel): pages show
`masked_url()`, logs and errors name the webhook by id, and only https is accepted, to public addresses
only, except for hosts in `settings.WEBHOOK_ALLOW_HTTP_HOSTS` (a chat server on this machine; the tests'
local server). A JSON webhook's signing secret is kept sealed (`alignment.sealed`), shown whole once when
it is made or rolled, masked after; a rolled secret's predecessor still signs for `PREVIOUS_SECRET_GRACE`.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from alignment import sealed
from alignment.errors import ActionRefused
from alignment.locks import lock_team
from alignment.permissions import ARCHIVED_REFUSAL, Capability
from alignment.row_urls import RowUrls
from alignment.signals import delivery_tried
from notifications import queue
from notifications import services as notifications
from notifications.models import TeamWebhook, WebhookDelivery

logger = logging.getLogger(__name__)

WEBHOOK_DISABLED = "webhook_disabled"  # the notification kind the team's leaders get (notifications/apps.py)
TEST_EVENT = "test"  # "Send a test message": not a registered event, never subscribed to
TEST_TYPE = "ping"  # the test message's `type` in a JSON webhook's envelope
Format = TeamWebhook.Format

TIMEOUT_SECONDS = 5
# The wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failed attempt is the last.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_ATTEMPTS = len(BACKOFF) + 1
LONGEST_WAIT = timedelta(hours=6)  # a 429's Retry-After is honoured up to this
DISABLE_AFTER_FAILURES = 5
# A claimed attempt that never recorded its outcome (the worker died) is tried again after this.
LEASE = timedelta(minutes=10)
# A queued delivery whose task has not claimed it by then was never queued (the broker was away).
QUEUE_GRACE = timedelta(minutes=5)
MAX_WEBHOOKS_PER_TEAM = 5
RECENT_DELIVERIES = 10

PENDING = (WebhookDelivery.Status.QUEUED, WebhookDelivery.Status.RETRYING)

USER_AGENT = "Charter-webhooks/1"
SECRET_PREFIX = "whsec_"
PREVIOUS_SECRET_GRACE = timedelta(hours=24)  # a rolled secret still signs this long, for the receiver to change over
# The envelope's `id`: the same for an occurrence on every webhook and every retry (receivers drop duplicates by it).
EVENT_ID_NAMESPACE = uuid.UUID("6f1b7d4e-3c1a-4d52-9a55-2f7c0f3e8b11")


# Events ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEvent:
    key: str  # what a webhook's `events` lists
    label: str
    description: str = ""
    type: str = ""  # the JSON envelope's `type` and the `Charter-Event` header (`checkin.submitted`)
    chat: bool = True  # offered to chat webhooks too (it reads well as a line in a channel)

    def allows(self, format: str) -> bool:
        return format == Format.JSON or self.chat


_events: dict[str, WebhookEvent] = {}


def register_webhook_event(key: str, label: str, description: str = "", *, type: str = "",
                           chat: bool = True) -> None:
    """Make an event postable to webhooks (from a feature app's `ready()`; calling again replaces it).

    `type` names it in a JSON webhook's posts (`team.did_something`; the key by default); `chat=False` offers
    it to JSON webhooks only (an event for an integration to act on, not a line for a channel).
    """
    _events[key] = WebhookEvent(key, label, description, type or key, chat)


def events(format: str | None = None) -> list[WebhookEvent]:
    """Every registered event (those a webhook of `format` may get), in the order they were registered."""
    return [event for event in _events.values() if format is None or event.allows(format)]


def event_type(key: str) -> str:
    if key == TEST_EVENT:
        return TEST_TYPE
    event = _events.get(key)
    return event.type if event else key


def event_label(key: str) -> str:
    if key == TEST_EVENT:
        return "Test message"
    event = _events.get(key)
    return event.label if event else key


# The address: checked, masked ------------------------------------------------------------------------


def allowed_http_hosts() -> set[str]:
    return {host.lower() for host in settings.WEBHOOK_ALLOW_HTTP_HOSTS}


def url_refusal(url: str) -> str | None:
    """Why this address cannot be a webhook, in words; None when it can."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        return "This is not a web address."
    host = (parts.hostname or "").lower()
    if not host:
        return "Give the whole address, starting with https://."
    allowed = host in allowed_http_hosts()
    if parts.scheme != "https" and not (parts.scheme == "http" and allowed):
        return ("The address must start with https://: the webhook's address is a secret and must not travel "
                "unencrypted.")
    if parts.username or parts.password:
        return "Leave out the user name and password: chat webhooks carry their secret in the path."
    if not allowed and _is_internal_name(host):
        return "This address points inside a private network. Give the chat service's public webhook address."
    return None


def _is_internal_name(host: str) -> bool:
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return not _is_public(host)
    except ValueError:
        return False  # a name: its addresses are checked when it is posted to


def _is_public(address: str) -> bool:
    """Not private, loopback, link-local, shared, reserved or multicast (IPv4-mapped IPv6 included)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    return ip.is_global and not ip.is_multicast


def resolve_for_posting(host: str, port: int) -> str | None:
    """The one address a post to `host` connects to, resolved once; None if any of its addresses is not public.

    The post connects to this very address (`post_json`): resolving the name a second time to connect
    would let a name that answered with a public address for the check answer with a private one for
    the connection (DNS rebinding).
    """
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    addresses = [info[4][0] for info in infos]
    if not addresses or any(not _is_public(address) for address in addresses):
        return None
    return addresses[0]


def masked_url(url: str) -> str:
    """The address as pages show it: scheme and host, then only the last four characters of the secret.

    `https://hooks.slack.com/services/T0/B0/abcdefgh1234` → `https://hooks.slack.com/…/1234`.
    """
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    rest = url.split(host, 1)[1] if host and host in url else ""
    tail = f"/{rest[-4:]}" if len(rest) > 8 else ""  # a short path would be shown almost whole
    return f"{parts.scheme}://{host}/…{tail}"


def _scrub(text: str, url: str) -> str:
    """An error's words without the address in them (it is a secret)."""
    parts = urlsplit(url)
    for secret in (url, parts.path):
        if len(secret) > 1:
            text = text.replace(secret, masked_url(url))
    return text


# A JSON webhook's signing secret ----------------------------------------------------------------------


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 43 URL-safe characters (256 random bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_of(webhook: TeamWebhook) -> str:
    """The webhook's signing secret in full (empty for a chat webhook, or one this site's keys cannot open)."""
    return sealed.unseal(webhook.secret_sealed)


def masked_secret(webhook: TeamWebhook) -> str:
    """The secret as pages show it after it was first shown: `whsec_…` and its last four characters."""
    secret = secret_of(webhook)
    return f"{SECRET_PREFIX}…{secret[-4:]}" if secret else ""


def previous_secret_signs(webhook: TeamWebhook, now: datetime) -> bool:
    """Whether the secret a roll replaced still signs posts (for `PREVIOUS_SECRET_GRACE` after the roll)."""
    return bool(webhook.previous_secret_sealed and webhook.previous_secret_until
                and now < webhook.previous_secret_until)


def signing_secrets(webhook: TeamWebhook, now: datetime) -> list[str]:
    """The secrets a post is signed with now: the current one, then the one it replaced while that still signs."""
    found = [secret_of(webhook)]
    if previous_secret_signs(webhook, now):
        found.append(sealed.unseal(webhook.previous_secret_sealed))
    return [secret for secret in found if secret]


def signature(*, secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    """The `Charter-Signature` header: `t=<timestamp>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, one `v1` per secret."""
    signed = f"{timestamp}.".encode() + body
    return ",".join([f"t={timestamp}", *(f"v1={hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()}"
                                         for secret in secrets)])


def encode(body: dict) -> bytes:
    """The bytes posted for a payload: one fixed serialisation, so that every attempt posts the same bytes
    (a database's JSON column may give the keys back in another order)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


# Posting an event --------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Slack's escaping: &, < and > are its markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def payload(*, text: str, url: str = "", link_label: str = "", fields: Sequence[tuple[str, str]] = ()) -> dict:
    """The JSON posted: `text` only, with a `<url|label>` link, so Slack, Mattermost and Discord's
    Slack-compatible endpoint all show it."""
    lines = [_escape(text)]
    lines += [f"{_escape(title)}: {_escape(value)}" for title, value in fields]
    if url:
        lines.append(f"<{notifications.absolute_url(url)}|{_escape(link_label or 'Open in Charter')}>")
    return {"text": "\n".join(lines)}


def person(user) -> dict | None:
    """A person as a JSON payload names them: id and name only (never their address)."""
    return {"id": user.pk, "name": user.name} if user is not None else None


def envelope(*, team, event: str, key: str, data: dict, now: datetime) -> dict:
    """What a JSON webhook gets: the occurrence's stable id, its type and time, where it happened, and `data`."""
    organisation = team.organisation
    return {
        "id": str(uuid.uuid5(EVENT_ID_NAMESPACE, f"{team.pk}/{event}/{key}")),
        "type": event_type(event),
        "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "organisation": {"slug": organisation.slug, "name": organisation.name},
        "team": {"slug": team.slug, "name": team.name, "url": notifications.absolute_url(team.get_absolute_url())},
        "data": data,
    }


@dataclass(frozen=True)
class Occurrence:
    """One event about one thing (`key`), as each format posts it.

    `text` (with `url`, `link_label`, `fields`) is the chat message; `data` is a JSON webhook's `data`, with
    absolute links (`notifications.absolute_url`) and only what every member of the team may read. Either may
    be a function, called only when a webhook of its format wants the event (when it costs queries to build).
    """

    team: object
    event: str
    key: str
    text: str | Callable[[], str] = ""
    data: dict | Callable[[], dict] | None = None
    url: str = ""
    link_label: str = ""
    fields: Sequence[tuple[str, str]] = ()

    def chat_payload(self) -> dict:
        text = self.text() if callable(self.text) else self.text
        return payload(text=text, url=self.url, link_label=self.link_label, fields=self.fields)

    def json_payload(self, now: datetime) -> dict:
        data = self.data() if callable(self.data) else self.data
        return envelope(team=self.team, event=self.event, key=self.key[:200], data=data or {}, now=now)


def _wanting(hooks: list[TeamWebhook], event: str) -> list[TeamWebhook]:
    """Of these webhooks, those that want `event` (filtered here: SQLite has no JSON containment)."""
    wanted = _events.get(event)
    return [hook for hook in hooks if event in hook.events and wanted is not None and wanted.allows(hook.format)]


def _active_hooks(teams) -> list[TeamWebhook]:
    """The active webhooks of the teams that are not archived (1 query, none without such a team)."""
    live = [team.pk for team in teams if not team.is_archived]
    if not live:
        return []
    return list(TeamWebhook.objects.filter(team__in=live, disabled_at__isnull=True)
                .only("pk", "team_id", "events", "format"))


def wants_event(*, team, event: str) -> bool:
    """Whether an active webhook of the team wants `event`: ask first when the message is costly to build."""
    return bool(_wanting(_active_hooks([team]), event))


def post_event(*, team, event: str, key: str, text: str | Callable[[], str] = "", url: str = "",
               link_label: str = "", fields: Sequence[tuple[str, str]] = (),
               data: dict | Callable[[], dict] | None = None, now: datetime | None = None) -> list[int]:
    """Post `event` about `key` to every active webhook of the team that wants it, once each.

    Call it inside the transaction of what happened: the deliveries commit or roll back with it, and
    are sent once it commits. A chat webhook gets `text` (with a link to `url`, site-relative: `/o/…`), a
    JSON one `data` (see `Occurrence`). Returns the ids of the deliveries queued now (none for a key posted
    before). Queries: the team's webhooks; then, only if one wants the event, the deliveries made before,
    the insert, and the new rows' ids.
    """
    return post_events([Occurrence(team=team, event=event, key=key, text=text, data=data, url=url,
                                   link_label=link_label, fields=fields)], now=now)


def post_events(occurrences: Sequence[Occurrence], *, now: datetime | None = None) -> list[int]:
    """`post_event` for many occurrences, of many teams, in the same four queries as one (for a batch)."""
    for occurrence in occurrences:
        if occurrence.event not in _events:
            raise LookupError(f"No webhook event {occurrence.event!r} is registered "
                              "(register_webhook_event in AppConfig.ready)")
    if not occurrences:
        return []
    now = now or timezone.now()
    hooks = _active_hooks({occurrence.team.pk: occurrence.team for occurrence in occurrences}.values())
    rows = []
    for occurrence in occurrences:
        wanting = _wanting([hook for hook in hooks if hook.team_id == occurrence.team.pk], occurrence.event)
        built: dict[str, dict] = {}  # each format's payload, built once for the occurrence
        for hook in wanting:
            if hook.format not in built:
                built[hook.format] = (occurrence.json_payload(now) if hook.format == Format.JSON
                                      else occurrence.chat_payload())
            rows.append(WebhookDelivery(webhook_id=hook.pk, event=occurrence.event, key=occurrence.key[:200],
                                        payload=built[hook.format], created_at=now))
    return _queue_deliveries(rows) if rows else []


def _queue_deliveries(rows: list[WebhookDelivery]) -> list[int]:
    def named(delivery) -> tuple[int, str, str]:
        return delivery.webhook_id, delivery.event, delivery.key

    hook_ids, keys = {row.webhook_id for row in rows}, {row.key for row in rows}
    with transaction.atomic():
        posted = {named(row) for row in WebhookDelivery.objects.filter(webhook_id__in=hook_ids, key__in=keys)
                  .only("webhook_id", "event", "key")}
        new = [row for row in rows if named(row) not in posted]
        if not new:
            return []
        # A concurrent call for the same key loses on the unique constraint and inserts nothing.
        WebhookDelivery.objects.bulk_create(new, ignore_conflicts=True)
        # (A row the concurrent winner made may be read here too: the task's claim posts it once.)
        wanted = {named(row) for row in new}
        ids = [pk for pk, *name in WebhookDelivery.objects.filter(
            webhook_id__in={row.webhook_id for row in new}, key__in={row.key for row in new},
            status=WebhookDelivery.Status.QUEUED, attempts=0).values_list("pk", "webhook_id", "event", "key")
            if tuple(name) in wanted]
        # Beat's `send_due_webhooks` sends what was never queued (a broker away at commit).
        queue.after_commit(queue.SEND_WEBHOOK, ids)
    return ids


# Sending -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one POST came to."""

    ok: bool
    retryable: bool = False
    status: int | None = None
    error: str = ""
    retry_after: int | None = None  # seconds, from a 429's Retry-After


def guarded_connection(host: str, port: int, *, https: bool, timeout: float):
    """A connection to `host`, pinned to the address checked now; None when that address is in a private network
    (hosts in `WEBHOOK_ALLOW_HTTP_HOSTS` excepted). Connecting to the address that was checked, not resolving
    the name again, leaves a rebinding DNS answer no gap. For webhooks and any other post to an address people
    typed (the chat app's API calls)."""
    if host in allowed_http_hosts():
        address = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)[0][4][0]
    else:
        address = resolve_for_posting(host, port)
        if address is None:
            return None
    pinned = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
    return pinned(host, port, address=address, timeout=timeout)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, while the request names the host (its Host header)."""

    def __init__(self, host: str, port: int, *, address: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As `_PinnedHTTPConnection`, over TLS: the certificate and SNI are checked for the host's name."""

    def __init__(self, host: str, port: int, *, address: str, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post_json(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST `body` (JSON bytes) with `headers` to `url`; never raises for what the network or the server answered.

    The host is resolved once and the connection made to the address that was checked. No redirect
    is followed: it could send the message somewhere else, so it is answered as a failure.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    connection = None
    try:
        connection = guarded_connection(host, port, https=https, timeout=TIMEOUT_SECONDS)
        if connection is None:
            return Outcome(ok=False, error="refused: the address resolves to a private network")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(4096)
        status = response.status
        if 200 <= status < 300:
            return Outcome(ok=True, status=status)
        retry_after = _seconds(response.getheader("Retry-After"))
        return Outcome(ok=False, retryable=status == 429 or status >= 500, status=status,
                       error=_scrub(f"HTTP {status} {response.reason}", url), retry_after=retry_after)
    except (http.client.HTTPException, OSError) as error:
        return Outcome(ok=False, retryable=True, error=_scrub(f"{type(error).__name__}: {error}", url))
    except (ValueError, UnicodeError) as error:  # an address that cannot be used
        return Outcome(ok=False, error=_scrub(f"unusable address: {error}", url))
    finally:
        if connection is not None:
            connection.close()


def _seconds(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def max_attempts(delivery: WebhookDelivery) -> int:
    return 1 if delivery.event == TEST_EVENT else MAX_ATTEMPTS


def wait_after(attempts: int, retry_after: int | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (a 429's Retry-After, if longer)."""
    wait = BACKOFF[min(attempts, len(BACKOFF)) - 1]
    if retry_after:
        wait = max(wait, min(timedelta(seconds=retry_after), LONGEST_WAIT))
    return wait


def attempt(delivery_id: int, *, now: datetime | None = None) -> WebhookDelivery | None:
    """Post one delivery if it is due; log the outcome, schedule a retry or give up, disable a failing webhook.

    Returns the delivery after the attempt, or None when there was nothing to do (sent or failed
    already, not yet due, or claimed by another run).
    """
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None or delivery.status not in PENDING:
        return None
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now:
        return None
    if not delivery.webhook.is_active or delivery.attempts >= max_attempts(delivery):
        # Turned off meanwhile; or the worker died during the last attempt, leaving no outcome.
        reason = "the webhook is turned off" if not delivery.webhook.is_active else "no outcome of the last attempt"
        WebhookDelivery.objects.filter(pk=delivery.pk, status__in=PENDING).update(
            status=WebhookDelivery.Status.FAILED, last_error=f"not sent: {reason}", next_attempt_at=None,
            finished_at=now)
        return None
    # Claim the attempt first, so that a duplicated task posts once; a worker that dies while posting
    # leaves the lease to run out, and beat tries again.
    claimed = WebhookDelivery.objects.filter(pk=delivery.pk, status=delivery.status,
                                             attempts=delivery.attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    delivery.attempts += 1
    request = build_request(delivery, now)
    outcome = post_json(delivery.webhook.url, *request) if isinstance(request, tuple) else request
    _record(delivery, outcome, now)
    return delivery


def build_request(delivery: WebhookDelivery, now: datetime) -> tuple[bytes, dict[str, str]] | Outcome:
    """The body and headers of this attempt, as the webhook's format posts them; an `Outcome` if it cannot be.

    The body is the same bytes on every attempt. A JSON webhook's post is signed now, with the attempt's
    time, so a retry carries a fresh timestamp that a receiver's tolerance window accepts.
    """
    body = encode(delivery.payload)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    webhook = delivery.webhook
    if webhook.is_signed:
        keys = signing_secrets(webhook, now)
        if not keys:  # sealed under a SECRET_KEY this site no longer has
            return Outcome(ok=False, error="not sent: the signing secret cannot be read here; roll the secret")
        headers |= {"Charter-Event": event_type(delivery.event), "Charter-Delivery": str(delivery.pk),
                    "Charter-Signature": signature(secrets=keys, timestamp=int(now.timestamp()), body=body)}
    return body, headers


def _record(delivery: WebhookDelivery, outcome: Outcome, now: datetime) -> None:
    Status = WebhookDelivery.Status
    with transaction.atomic():
        # Locked so that two deliveries of one webhook count their failures one after the other.
        webhook = (TeamWebhook.objects.select_for_update(of=("self",)).select_related("team__organisation")
                   .filter(pk=delivery.webhook_id).first())
        if webhook is None:
            return  # removed, with its log, while this was being posted
        delivery.response_status = outcome.status
        delivery.last_error = outcome.error[:300]
        if outcome.ok:
            delivery.status, delivery.next_attempt_at, delivery.finished_at = Status.SENT, None, now
            webhook.consecutive_failures = 0
        elif outcome.retryable and delivery.attempts < max_attempts(delivery):
            delivery.status = Status.RETRYING
            delivery.next_attempt_at = now + wait_after(delivery.attempts, outcome.retry_after)
            webhook.consecutive_failures += 1
        else:
            delivery.status, delivery.next_attempt_at, delivery.finished_at = Status.FAILED, None, now
            webhook.consecutive_failures += 1
        disabling = webhook.is_active and webhook.consecutive_failures >= DISABLE_AFTER_FAILURES
        if disabling and delivery.status == Status.RETRYING:
            # No retry to a webhook being turned off; the row keeps its own error.
            delivery.status, delivery.next_attempt_at, delivery.finished_at = Status.FAILED, None, now
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=delivery.status, response_status=delivery.response_status, last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at, finished_at=delivery.finished_at)
        webhook.save(update_fields=["consecutive_failures"])
        delivery_tried.send(sender=WebhookDelivery, channel="webhook", outcome="sent" if outcome.ok else "failed")
        logger.info("webhook %s: %s %s attempt %d: %s", webhook.pk, delivery.event, delivery.key, delivery.attempts,
                    "sent" if outcome.ok else outcome.error or outcome.status)
        if disabling:
            _disable(webhook, now=now, reason=f"{webhook.consecutive_failures} failed attempts in a row; "
                                              f"the last: {outcome.error or 'no answer'}")


def _disable(webhook: TeamWebhook, *, now: datetime, reason: str) -> None:
    """Turn a failing webhook off (once: compare-and-set), fail what waits for it, tell the leaders once."""
    turned_off = TeamWebhook.objects.filter(pk=webhook.pk, disabled_at__isnull=True).update(
        disabled_at=now, disabled_reason=reason[:200])
    if not turned_off:
        return
    webhook.disabled_at, webhook.disabled_reason = now, reason[:200]
    WebhookDelivery.objects.filter(webhook=webhook, status__in=PENDING).update(
        status=WebhookDelivery.Status.FAILED, next_attempt_at=None, finished_at=now,
        last_error="not sent: the webhook was turned off")
    logger.warning("webhook %s of team %s turned off: %s", webhook.pk, webhook.team_id, reason)
    team = webhook.team
    where = "the receiving service" if webhook.is_signed else "your chat service"
    body = (f"Posting to {masked_url(webhook.url)} failed {webhook.consecutive_failures} times in a row, so "
            f"{team.name}'s events are no longer posted there ({reason}). Check the address in {where}, "
            "then turn the webhook back on or replace it.")
    notifications.tell_team(  # those who manage the team's webhooks
        team, Capability.MANAGE_TEAM, kind=WEBHOOK_DISABLED, key=f"webhook-disabled:{webhook.pk}:{now.isoformat()}",
        subject=f"{team.name}: a {'' if webhook.is_signed else 'chat '}webhook was turned off", body=body,
        url=reverse("notifications:webhooks", args=[team.organisation.slug, team.slug]), now=now)


def due_delivery_ids(now: datetime, *, limit: int = 500) -> list[int]:
    """Deliveries to try now: retries that are due, leases run out, and rows whose task was never queued."""
    never_queued = Q(status=WebhookDelivery.Status.QUEUED, next_attempt_at__isnull=True,
                     created_at__lte=now - QUEUE_GRACE)
    return list(WebhookDelivery.objects.filter(status__in=PENDING)
                .filter(Q(next_attempt_at__lte=now) | never_queued)
                .order_by("pk").values_list("pk", flat=True)[:limit])


# What a team's leader does with its webhooks ---------------------------------------------------------


def queue_due(now: datetime, *, limit: int = 500) -> int:
    """Queue the deliveries due now (retries, lapsed claims, never queued); returns how many."""
    due = due_delivery_ids(now, limit=limit)
    queue.now(queue.SEND_WEBHOOK, due)
    if due:
        logger.info("send_due_webhooks: %d queued", len(due))
    return len(due)


def _refuse_if_archived(team) -> None:
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)


def _known(chosen: Sequence[str], format: str) -> list[str]:
    return [event.key for event in events(format) if event.key in set(chosen)]


def refusal_of_events(chosen: Sequence[str], format: str) -> str | None:
    """Why a webhook of `format` cannot get these events, in words; None when it can."""
    json_only = [event.label for event in events() if event.key in set(chosen) and not event.allows(format)]
    if not json_only:
        return None
    named = " and ".join(f"“{label}”" for label in json_only)
    them = "them" if len(json_only) > 1 else "it"
    return (f"{named} {'go' if len(json_only) > 1 else 'goes'} to JSON webhooks only: a chat channel gets the "
            f"team's news, not each person's. Untick {them}, or choose {Format.JSON.label}.")


def add_webhook(*, team, actor, url: str, events: Sequence[str], format: str = Format.CHAT) -> TeamWebhook:
    """Add a webhook posting the chosen events, a JSON one with a new signing secret (`secret_of` gives it).

    Refused for a non-https or private address, a sixth webhook, or an event its format does not get.
    """
    url = url.strip()
    refusal = url_refusal(url) or refusal_of_events(events, format)
    if refusal:
        raise ActionRefused(refusal)
    with transaction.atomic():
        team = lock_team(team.pk)  # the count and the same-address check hold until this commits
        _refuse_if_archived(team)
        existing = list(TeamWebhook.objects.filter(team=team).values_list("url", flat=True))
        if url in existing:
            raise ActionRefused("This address is already one of the team's webhooks.")
        if len(existing) >= MAX_WEBHOOKS_PER_TEAM:
            raise ActionRefused(f"A team has at most {MAX_WEBHOOKS_PER_TEAM} webhooks. Remove one first.")
        return TeamWebhook.objects.create(
            team=team, url=url, format=format, events=_known(events, format), created_by=actor,
            secret_sealed=sealed.seal(new_secret()) if format == Format.JSON else "")


def change_events(*, webhook: TeamWebhook, events: Sequence[str]) -> None:
    _refuse_if_archived(webhook.team)
    refusal = refusal_of_events(events, webhook.format)
    if refusal:
        raise ActionRefused(refusal)
    webhook.events = _known(events, webhook.format)
    webhook.save(update_fields=["events"])


def roll_secret(*, webhook: TeamWebhook, now: datetime | None = None) -> str:
    """Give a JSON webhook a new signing secret and return it; the old one signs too for `PREVIOUS_SECRET_GRACE`.

    Posts carry a `v1` signature for each, so the receiver changes over without missing one. Rolling again
    within that time ends the oldest secret at once (only the one just replaced goes on signing).
    """
    _refuse_if_archived(webhook.team)
    if not webhook.is_signed:
        raise ActionRefused("A chat webhook has no signing secret: its address is its secret. To change it, "
                            "add the new address and remove this one.")
    now = now or timezone.now()
    secret = new_secret()
    with transaction.atomic():
        locked = TeamWebhook.objects.select_for_update().filter(pk=webhook.pk).first()
        if locked is None:
            raise ActionRefused("This webhook was removed meanwhile.")
        locked.previous_secret_sealed, locked.previous_secret_until = locked.secret_sealed, now + PREVIOUS_SECRET_GRACE
        locked.secret_sealed = sealed.seal(secret)
        locked.save(update_fields=["secret_sealed", "previous_secret_sealed", "previous_secret_until"])
    webhook.secret_sealed = locked.secret_sealed
    webhook.previous_secret_sealed, webhook.previous_secret_until = locked.previous_secret_sealed, now + PREVIOUS_SECRET_GRACE
    return secret


def enable_webhook(*, webhook: TeamWebhook) -> bool:
    """Turn a webhook that was turned off back on, its failure count at zero; False if it was on."""
    _refuse_if_archived(webhook.team)
    return bool(TeamWebhook.objects.filter(pk=webhook.pk, disabled_at__isnull=False).update(
        disabled_at=None, disabled_reason="", consecutive_failures=0))


def remove_webhook(*, webhook: TeamWebhook) -> None:
    """Forget the webhook and its delivery log."""
    _refuse_if_archived(webhook.team)
    webhook.delete()


def send_test(*, webhook: TeamWebhook, actor, now: datetime | None = None) -> list[int]:
    """Queue a test message to the webhook (tried once; its outcome shows in the log); returns [its id]."""
    _refuse_if_archived(webhook.team)
    if not webhook.is_active:
        raise ActionRefused("This webhook is turned off. Turn it back on first.")
    now = now or timezone.now()
    team = webhook.team
    chosen = _known(webhook.events, webhook.format)
    key = f"test:{now.isoformat()}"
    if webhook.is_signed:
        body = envelope(team=team, event=TEST_EVENT, key=key, now=now, data={
            "message": f"A test message from Charter for {team.name}, sent by {actor.name}.",
            "sent_by": person(actor), "events": [event_type(event) for event in chosen]})
    else:
        wanted = ", ".join(event_label(event) for event in chosen).lower() or "nothing yet"
        body = payload(text=f"A test message from Charter for {team.name}, sent by {actor}. "
                            f"This channel will get: {wanted}.",
                       url=team.get_absolute_url(), link_label=f"{team.name} in Charter")
    return _queue_deliveries([WebhookDelivery(webhook_id=webhook.pk, event=TEST_EVENT, key=key, payload=body,
                                              created_at=now)])


# The team's webhooks page ------------------------------------------------------------------------------


@dataclass
class WebhookRow:
    webhook: TeamWebhook
    masked_url: str
    event_labels: list[str]
    deliveries: list[WebhookDelivery]
    urls: dict[str, str] = field(default_factory=dict)
    form: object = None  # the view's events form for this webhook
    masked_secret: str = ""  # a JSON webhook's signing secret, masked
    previous_secret_until: datetime | None = None  # while a rolled secret still signs too
    revealed_secret: str = ""  # the secret in full, on the page that made or rolled it, once


def webhook_rows(team, *, now: datetime | None = None) -> list[WebhookRow]:
    """The team's webhooks with their latest deliveries, masked: two queries, however long the logs."""
    now = now or timezone.now()
    hooks = list(TeamWebhook.objects.filter(team=team))
    newest_first = Window(RowNumber(), partition_by=F("webhook_id"), order_by=[F("created_at").desc(), F("pk").desc()])
    recent = (WebhookDelivery.objects.filter(webhook__in=hooks).annotate(row=newest_first)
              .filter(row__lte=RECENT_DELIVERIES).order_by("-created_at", "-pk")) if hooks else []
    by_hook: dict[int, list[WebhookDelivery]] = {}
    for delivery in recent:
        delivery.event_label = event_label(delivery.event)
        by_hook.setdefault(delivery.webhook_id, []).append(delivery)
    actions = {name: RowUrls(f"notifications:webhook_{name}", team.organisation.slug, team.slug)
               for name in ("events", "enable", "remove", "test", "roll")}  # reversed once, not per webhook
    return [WebhookRow(webhook=hook, masked_url=masked_url(hook.url),
                       event_labels=[event_label(key) for key in _known(hook.events, hook.format)],
                       deliveries=by_hook.get(hook.pk, []),
                       urls={name: urls.of(hook.pk) for name, urls in actions.items()},
                       masked_secret=masked_secret(hook) if hook.is_signed else "",
                       previous_secret_until=hook.previous_secret_until if previous_secret_signs(hook, now) else None)
            for hook in hooks]
