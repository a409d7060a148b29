"""Team webhooks: a team's events posted to a chat's incoming-webhook address, each once, retried with backoff.

Feature apps register the events they post (`register_webhook_event` in `AppConfig.ready()`) and call
`post_event()` inside the transaction of what happened; the core never imports them.

How an event goes:

1. `post_event` writes one `WebhookDelivery` per active webhook of the team subscribed to the event,
   unique on (webhook, event, key): a rerun, or the other of two concurrent calls, writes nothing more.
   The rows are written in the caller's transaction, so a rollback posts nothing, and
   `notifications.tasks.send_webhook` is queued when it commits.
2. `attempt()` claims the delivery (compare-and-set on its attempts, so a duplicated task posts once),
   POSTs the Slack-compatible JSON (`{"text": ...}`) with a 5-second timeout, follows no redirect, and
   logs the outcome on the row. A 2xx answer: sent. A network error, a timeout, 429 or 5xx: tried again
   after 1 minute, 5 minutes, 30 minutes and 2 hours (`next_attempt_at`; beat's `send_due_webhooks`
   picks due retries up, and also deliveries whose task was never queued); after the fifth attempt it
   has failed. Any other answer (4xx, a redirect) fails it at once. A test message is tried once.
3. Every failed attempt adds one to the webhook's `consecutive_failures`, across its deliveries; a
   success resets it. At `DISABLE_AFTER_FAILURES` (5) failed attempts in a row the webhook is turned
   off, its waiting deliveries fail, and the team's leaders are told once (`webhook_disabled`). For a
   single event that is its retries running out, about 2½ hours after it first failed. A leader turns
   it back on from the team's webhooks page.

The address is a secret (whoever has it can post to the channel): pages show `masked_url()`, logs and
errors name the webhook by id, and only https is accepted, to public addresses only, except for hosts
in `settings.WEBHOOK_ALLOW_HTTP_HOSTS` (a chat server on this machine; the tests' local server).
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone

from alignment.errors import ActionRefused
from alignment.locks import lock_team
from alignment.permissions import ARCHIVED_REFUSAL, Capability
from alignment.row_urls import RowUrls
from notifications import queue
from notifications import services as notifications
from notifications.models import TeamWebhook, WebhookDelivery

logger = logging.getLogger(__name__)

WEBHOOK_DISABLED = "webhook_disabled"  # the notification kind the team's leaders get (notifications/apps.py)
TEST_EVENT = "test"  # "Send a test message": not a registered event, never subscribed to

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


# Events ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEvent:
    key: str
    label: str
    description: str = ""


_events: dict[str, WebhookEvent] = {}


def register_webhook_event(key: str, label: str, description: str = "") -> None:
    """Make an event postable to webhooks (from a feature app's `ready()`; calling again replaces it)."""
    _events[key] = WebhookEvent(key, label, description)


def events() -> list[WebhookEvent]:
    """Every registered event, in the order they were registered."""
    return list(_events.values())


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


def _subscribed(team, event: str) -> list[TeamWebhook]:
    """The team's active webhooks that want `event` (1 query; filtered here: SQLite has no JSON containment)."""
    if team.is_archived:
        return []
    return [hook for hook in TeamWebhook.objects.filter(team=team, disabled_at__isnull=True).only("pk", "events")
            if event in hook.events]


def wants_event(*, team, event: str) -> bool:
    """Whether an active webhook of the team wants `event`: ask first when the message is costly to build."""
    return bool(_subscribed(team, event))


def post_event(*, team, event: str, key: str, text: str, url: str = "", link_label: str = "",
               fields: Sequence[tuple[str, str]] = (), now: datetime | None = None) -> list[int]:
    """Post `event` about `key` to every active webhook of the team that wants it, once each.

    Call it inside the transaction of what happened: the deliveries commit or roll back with it, and
    are sent once it commits. `url` is site-relative (`/o/…`). Returns the ids of the deliveries
    queued now (none for a key posted before). Queries: the team's webhooks; then, only if one wants
    the event, the deliveries made before, the insert, and the new rows' ids.
    """
    if event not in _events:
        raise LookupError(f"No webhook event {event!r} is registered (register_webhook_event in AppConfig.ready)")
    hooks = _subscribed(team, event)
    if not hooks:
        return []
    return _queue_deliveries(hooks, event=event, key=key[:200],
                             body=payload(text=text, url=url, link_label=link_label, fields=fields),
                             now=now or timezone.now())


def _queue_deliveries(hooks: list[TeamWebhook], *, event: str, key: str, body: dict, now: datetime) -> list[int]:
    with transaction.atomic():
        posted = set(WebhookDelivery.objects.filter(webhook__in=hooks, event=event, key=key)
                     .values_list("webhook_id", flat=True))
        new = [hook.pk for hook in hooks if hook.pk not in posted]
        if not new:
            return []
        # A concurrent call for the same key loses on the unique constraint and inserts nothing.
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(webhook_id=pk, event=event, key=key, payload=body, created_at=now) for pk in new],
            ignore_conflicts=True)
        # (A row the concurrent winner made may be read here too: the task's claim posts it once.)
        ids = list(WebhookDelivery.objects.filter(webhook_id__in=new, event=event, key=key,
                                                  status=WebhookDelivery.Status.QUEUED, attempts=0)
                   .values_list("pk", flat=True))
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


def post_json(url: str, body: dict) -> Outcome:
    """POST `body` as JSON to `url`; never raises for what the network or the server answered.

    The host is resolved once and the connection made to the address that was checked. No redirect
    is followed: it could send the message somewhere else, so it is answered as a failure.
    """
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    connection = None
    try:
        if host in allowed_http_hosts():
            address = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)[0][4][0]
        else:
            address = resolve_for_posting(host, port)
            if address is None:
                return Outcome(ok=False, error="refused: the address resolves to a private network")
        pinned = _PinnedHTTPSConnection if https else _PinnedHTTPConnection
        connection = pinned(host, port, address=address, timeout=TIMEOUT_SECONDS)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=json.dumps(body).encode(), headers={
            "Content-Type": "application/json", "User-Agent": "Charter-webhooks/1"})
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
    outcome = post_json(delivery.webhook.url, delivery.payload)
    _record(delivery, outcome, now)
    return delivery


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
    body = (f"Posting to {masked_url(webhook.url)} failed {webhook.consecutive_failures} times in a row, so "
            f"{team.name}'s events are no longer posted there ({reason}). Check the address in your chat "
            "service, then turn the webhook back on or replace it.")
    notifications.tell_team(  # those who manage the team's webhooks
        team, Capability.MANAGE_TEAM, kind=WEBHOOK_DISABLED, key=f"webhook-disabled:{webhook.pk}:{now.isoformat()}",
        subject=f"{team.name}: a chat webhook was turned off", body=body,
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


def _known(chosen: Sequence[str]) -> list[str]:
    return [event.key for event in events() if event.key in set(chosen)]


def add_webhook(*, team, actor, url: str, events: Sequence[str]) -> TeamWebhook:
    """Add a webhook posting the chosen events; refused for a non-https or private address, or a sixth one."""
    url = url.strip()
    refusal = url_refusal(url)
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
        return TeamWebhook.objects.create(team=team, url=url, events=_known(events), created_by=actor)


def change_events(*, webhook: TeamWebhook, events: Sequence[str]) -> None:
    _refuse_if_archived(webhook.team)
    webhook.events = _known(events)
    webhook.save(update_fields=["events"])


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
    wanted = ", ".join(event_label(key) for key in _known(webhook.events)).lower() or "nothing yet"
    body = payload(text=f"A test message from Charter for {team.name}, sent by {actor}. "
                        f"This channel will get: {wanted}.",
                   url=team.get_absolute_url(), link_label=f"{team.name} in Charter")
    return _queue_deliveries([webhook], event=TEST_EVENT, key=f"test:{now.isoformat()}", body=body, now=now)


# The team's webhooks page ------------------------------------------------------------------------------


@dataclass
class WebhookRow:
    webhook: TeamWebhook
    masked_url: str
    event_labels: list[str]
    deliveries: list[WebhookDelivery]
    urls: dict[str, str] = field(default_factory=dict)
    form: object = None  # the view's events form for this webhook


def webhook_rows(team) -> list[WebhookRow]:
    """The team's webhooks with their latest deliveries, masked: two queries, however long the logs."""
    hooks = list(TeamWebhook.objects.filter(team=team))
    newest_first = Window(RowNumber(), partition_by=F("webhook_id"), order_by=[F("created_at").desc(), F("pk").desc()])
    recent = (WebhookDelivery.objects.filter(webhook__in=hooks).annotate(row=newest_first)
              .filter(row__lte=RECENT_DELIVERIES).order_by("-created_at", "-pk")) if hooks else []
    by_hook: dict[int, list[WebhookDelivery]] = {}
    for delivery in recent:
        delivery.event_label = event_label(delivery.event)
        by_hook.setdefault(delivery.webhook_id, []).append(delivery)
    actions = {name: RowUrls(f"notifications:webhook_{name}", team.organisation.slug, team.slug)
               for name in ("events", "enable", "remove", "test")}  # reversed once, not per webhook
    return [WebhookRow(webhook=hook, masked_url=masked_url(hook.url),
                       event_labels=[event_label(key) for key in _known(hook.events)],
                       deliveries=by_hook.get(hook.pk, []),
                       urls={name: urls.of(hook.pk) for name, urls in actions.items()})
            for hook in hooks]
