"""Telling people things, each exactly once: kinds, delivery, preferences, unsubscribe links, calendar sources.

Feature apps register their kinds (and calendar sources) in `AppConfig.ready()`; the core never
imports them. A feature calls `deliver()` when its event commits or its scheduler finds something due.

How a delivery goes (`deliver`):

1. Claim a `Delivery` row, unique on (recipient, kind, key). A rerun, or the loser of two concurrent
   calls, hits the constraint and gets `None`: nothing is shown or sent twice.
2. Reminder kinds (`reminder=True`) are skipped while the person has snoozed reminders
   (status `skipped`, the reason in `detail`).
3. Unless the person turned the kind off in the app, a `Notification` appears in their centre.
4. Unless they turned its email off, the email is queued when the transaction commits
   (`notifications.tasks.send_notification_email`, status `claimed` until it has gone, then `sent`).
   A reminder that falls in the person's quiet hours (in their own time zone) is not queued:
   the delivery is `held` with the end of the quiet hours in `detail`, and the periodic task
   `notifications.tasks.release_held_emails` sends it once the quiet hours are over. The in-app
   notification is not held: it makes no noise.
"""

from __future__ import annotations

import email.policy
import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from alignment.models import Membership, Organisation, Role, User
from alignment.one_query import read_first
from alignment.outbox import Outbox, send_then_record
from alignment.permissions import people_who_may
from notifications import queue
from notifications.models import Delivery, Notification, NotificationPreference

# The salt keeps its first name: links in e-mails already sent must go on working.
UNSUBSCRIBE_SALT = "alignment.notifications.unsubscribe"
SNOOZE_DAYS = 7

logger = logging.getLogger(__name__)


# Who may receive a kind (`Kind.audience`): the roles of a team (`alignment.models.Role`'s values), an
# organisation's admins, or anyone at all. A person's preferences list the kinds whose audience they are in.
LEADER, MEMBER, FACILITATOR = Role.LEADER.value, Role.MEMBER.value, Role.FACILITATOR.value
ADMIN = "admin"
ANYONE = "anyone"
AUDIENCES = frozenset({LEADER, MEMBER, FACILITATOR, ADMIN, ANYONE})


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    description: str = ""
    reminder: bool = False
    email_default: bool = True
    in_app_default: bool = True
    audience: frozenset[str] = frozenset({ANYONE})  # who may receive it: see AUDIENCES

    def reaches(self, audiences: set[str] | frozenset[str]) -> bool:
        """Whether someone who is each of `audiences` (their roles in any team, `admin`) may receive it."""
        return ANYONE in self.audience or bool(self.audience & audiences)


_kinds: dict[str, Kind] = {}


def register_kind(key: str, label: str, *, description: str = "", reminder: bool = False,
                  email_default: bool = True, in_app_default: bool = True,
                  audience: str | Iterable[str] = ANYONE) -> None:
    """Make a kind of notification known (called from a feature app's `ready()`; calling again replaces it).

    `audience`: who may receive it — `LEADER`, `MEMBER`, `FACILITATOR` (a role in some team), `ADMIN` (an
    organisation's admin) or `ANYONE` (the default), or several of them. It decides only which kinds a
    person's preferences list; `deliver` sends a kind to whoever its caller names.
    """
    chosen = frozenset({audience} if isinstance(audience, str) else audience)
    if not chosen or not chosen <= AUDIENCES:
        raise ValueError(f"A notification kind's audience is one or more of {sorted(AUDIENCES)}, not {audience!r}")
    _kinds[key] = Kind(key, label, description, reminder, email_default, in_app_default, chosen)


def kinds() -> list[Kind]:
    """Every registered kind, in the order they were registered."""
    return list(_kinds.values())


def audiences_of(user) -> frozenset[str]:
    """What `user` is, for `Kind.audience`: each role they hold in some team, and `admin` (one query)."""
    memberships = Membership.objects.filter(user=OuterRef("pk"))
    found = User.objects.filter(pk=user.pk).annotate(
        leader=Exists(memberships.filter(is_leader=True)), member=Exists(memberships.filter(is_member=True)),
        facilitator=Exists(memberships.filter(is_facilitator=True)),
        admin=Exists(Organisation.admins.through.objects.filter(user_id=OuterRef("pk"))),
    ).values(LEADER, MEMBER, FACILITATOR, ADMIN).first() or {}
    return frozenset({ANYONE} | {audience for audience, held in found.items() if held})


def kinds_for(user) -> list[Kind]:
    """The kinds `user` may receive, in the order they were registered (one query)."""
    audiences = audiences_of(user)
    return [kind for kind in _kinds.values() if kind.reaches(audiences)]


def get_kind(key: str) -> Kind:
    try:
        return _kinds[key]
    except KeyError:
        raise LookupError(f"No notification kind {key!r} is registered (register_kind in AppConfig.ready)") from None


# Preferences ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    kind: Kind
    email: bool
    in_app: bool


def preferences(user) -> list[Choice]:
    """The person's choice for every kind they may receive (`kinds_for`), defaults filled in (two queries)."""
    saved = {p.kind: p for p in NotificationPreference.objects.filter(user=user)}
    return [_choice(kind, saved.get(kind.key)) for kind in kinds_for(user)]


def preference(user, kind_key: str) -> Choice:
    """The person's choice for one kind (one query)."""
    return _choice(get_kind(kind_key), NotificationPreference.objects.filter(user=user, kind=kind_key).first())


def _choice(kind, saved: NotificationPreference | None) -> Choice:
    """What the person chose for `kind`, or the kind's defaults when they never chose."""
    if saved is None:
        return Choice(kind, kind.email_default, kind.in_app_default)
    return Choice(kind, saved.email, saved.in_app)


def set_preference(*, user, kind: str, email: bool | None = None, in_app: bool | None = None) -> Choice:
    """Record the person's choice for a kind; `None` keeps what they had."""
    current = preference(user, kind)
    values = {"email": current.email if email is None else email,
              "in_app": current.in_app if in_app is None else in_app}
    NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults=values)
    return Choice(current.kind, **values)


def is_snoozed(user, now: datetime) -> bool:
    return bool(user.reminders_snoozed_until and user.reminders_snoozed_until > now)


def quiet_hours_end(user, now: datetime) -> datetime | None:
    """When the person's quiet hours end if `now` falls in them, else `None`.

    The window is in the person's own time zone and may run over midnight (22:00–07:00).
    """
    start, end = user.quiet_hours_start, user.quiet_hours_end
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(user.time_zone or "UTC")
    local = timezone.localtime(now, zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # over midnight
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone)


def in_quiet_hours(user, now: datetime) -> bool:
    return quiet_hours_end(user, now) is not None


# Unsubscribe links ---------------------------------------------------------------------------------------


def unsubscribe_token(user, kind: str) -> str:
    """A signed token naming the person and the kind; it never expires (the link sits in old emails)."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"u": user.pk, "k": kind}, compress=False)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, kind) from a token, or `None` if it was tampered with or names no kind we know."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or data.get("k") not in _kinds or not isinstance(data.get("u"), int):
        return None
    return data["u"], data["k"]


def unsubscribe_url(user, kind: str) -> str:
    return settings.SITE_URL + reverse("notifications:unsubscribe", args=[unsubscribe_token(user, kind)])


def absolute_url(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


# Delivering ----------------------------------------------------------------------------------------------


_in_app_only: ContextVar[str] = ContextVar("notifications_in_app_only", default="")


@contextmanager
def in_app_only(reason: str) -> Iterator[None]:
    """Deliveries made inside appear in the app but send no email (seeding demo data, say), `reason` recorded."""
    token = _in_app_only.set(reason)
    try:
        yield
    finally:
        _in_app_only.reset(token)


@dataclass(frozen=True)
class Message:
    """One thing to tell one person: what `deliver_many` takes. `url` is site-relative (`/o/…`)."""

    recipient: object  # a User, with the fields deliver reads (email, time zone, quiet hours, snooze)
    kind: str
    key: str
    subject: str
    body: str
    url: str


def deliver(*, recipient, kind: str, key: str, subject: str, body: str, url: str,
            now: datetime | None = None) -> Delivery | None:
    """Tell `recipient` about `key` once: claim, honour preferences, snooze and quiet hours, show, email.

    Returns the new `Delivery`, or `None` when this (recipient, kind, key) was claimed before
    (a rerun, or the other of two concurrent calls), in which case nothing is shown or sent.
    `url` is site-relative (`/o/…`); the email makes it absolute with `SITE_URL`.
    """
    delivered = deliver_many([Message(recipient, kind, key, subject, body, url)], now=now)
    return delivered[0] if delivered else None


def deliver_many(messages: Iterable[Message], *, now: datetime | None = None) -> list[Delivery]:
    """`deliver` for a batch, in the same few queries whatever its size; returns the deliveries made.

    Queries: the claims already made (1), the recipients' preferences for these kinds (1), the new
    claims, each with its outcome (1), the notifications (1). If another run claimed one of them
    meanwhile, the batch falls back to claiming one by one, so each is still made once.
    """
    now = now or timezone.now()
    wanted: dict[tuple[int, str, str], Message] = {}
    for message in messages:
        get_kind(message.kind)  # an unknown kind is a programming error: fail before claiming anything
        wanted.setdefault((message.recipient.pk, message.kind, message.key[:200]), message)
    if not wanted:
        return []
    with transaction.atomic():
        claimed = set(Delivery.objects.filter(recipient_id__in={pk for pk, _, _ in wanted},
                                              kind__in={kind for _, kind, _ in wanted},
                                              key__in={key for _, _, key in wanted})
                      .values_list("recipient_id", "kind", "key"))
        fresh = [(key, message) for (pk, kind, key), message in wanted.items() if (pk, kind, key) not in claimed]
        if not fresh:
            return []
        saved = {(p.user_id, p.kind): p for p in NotificationPreference.objects.filter(
            user_id__in={m.recipient.pk for _, m in fresh}, kind__in={m.kind for _, m in fresh})}
        outcomes = [_decide(message, key, saved.get((message.recipient.pk, message.kind)), now)
                    for key, message in fresh]
        deliveries = [delivery for delivery, _ in outcomes]
        try:
            with transaction.atomic():
                Delivery.objects.bulk_create(deliveries)
        except IntegrityError:  # a concurrent run claimed some of these meanwhile: one by one, each once
            outcomes = [(delivery, shown) for delivery, shown in outcomes if _claim_alone(delivery)]
            deliveries = [delivery for delivery, _ in outcomes]
        _show([delivery.pk for delivery, shown in outcomes if shown])
        _queue_emails([d.pk for d in deliveries if d.status == Delivery.Status.CLAIMED])
    return deliveries


def tell_team(team, capability, *, kind: str, key: str, subject: str, body: str, url: str, besides=None,
              memberships=None, now: datetime | None = None) -> list[Delivery]:
    """Tell everyone in `team` who holds `capability` (but `besides`, who did it) the same thing, in one batch.

    `memberships`: the team's, with their people, when the caller loaded them already.
    """
    return deliver_many([Message(person, kind, key, subject, body, url)
                         for person in people_who_may(team, capability, besides=besides, memberships=memberships)],
                        now=now)


def _claim_alone(delivery: Delivery) -> bool:
    try:
        with transaction.atomic():
            delivery.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def _decide(message: Message, key: str, saved: NotificationPreference | None,
            now: datetime) -> tuple[Delivery, bool]:
    """The claim to make, with its outcome as the person chose, and whether it shows in their centre.

    A delivery left `claimed` has its email queued; it becomes `sent` once the email has gone.
    """
    recipient, kind = message.recipient, get_kind(message.kind)
    delivery = Delivery(recipient=recipient, kind=kind.key, key=key, claimed_at=now, subject=message.subject[:200],
                        body=message.body, url=message.url[:500])
    if kind.reminder and is_snoozed(recipient, now):
        delivery.status = Delivery.Status.SKIPPED
        delivery.detail = f"reminders snoozed until {recipient.reminders_snoozed_until.isoformat()}"
        return delivery, False
    chosen = _choice(kind, saved)
    in_app, email = chosen.in_app, chosen.email
    held_until = quiet_hours_end(recipient, now) if kind.reminder else None
    no_email = _in_app_only.get()
    if no_email:
        delivery.status = Delivery.Status.SENT if in_app else Delivery.Status.SKIPPED
        delivery.detail = f"no email: {no_email}"
    elif not email or not recipient.email:
        delivery.status = Delivery.Status.SENT if in_app else Delivery.Status.SKIPPED
        delivery.detail = "in the app only: email is off" if in_app else "email and in-app are off"
    elif held_until is not None:
        delivery.status = Delivery.Status.HELD
        delivery.detail = f"quiet hours until {held_until.isoformat()}"
    else:
        delivery.detail = "email queued"
    return delivery, in_app


def _show(delivery_ids: list[int]) -> None:
    """These deliveries' notifications, copied from their rows in one INSERT … SELECT (1 query).

    The text is the delivery's: copying it inside the database spares building a second object
    per person and sending the text over the wire twice (a reminder round writes thousands).
    """
    if not delivery_ids:
        return
    n, d = Notification._meta, Delivery._meta
    columns = {name: n.get_field(name).column for name in ("recipient", "kind", "subject", "body", "url", "created_at")}
    sources = {name: d.get_field(name).column for name in ("recipient", "kind", "subject", "body", "url", "claimed_at")}
    with connection.cursor() as cursor:
        quote = connection.ops.quote_name
        cursor.execute(
            f"INSERT INTO {quote(n.db_table)} ({', '.join(map(quote, columns.values()))}) "
            f"SELECT {', '.join(map(quote, sources.values()))} FROM {quote(d.db_table)} "
            f"WHERE {quote(d.pk.column)} IN ({', '.join(['%s'] * len(delivery_ids))})",
            delivery_ids)


def _queue_emails(delivery_ids: list[int]) -> None:
    queue.after_commit(queue.SEND_EMAIL, delivery_ids)


def mark_read(*, user, up_to: int) -> int:
    """Mark read the person's unread notifications up to the id `up_to` (the newest their page showed)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True, pk__lte=up_to).update(
        read_at=timezone.now())


def unread_count(user) -> int:
    """The bell's number (one query)."""
    return unread(user)[0]


def unread(user) -> tuple[int, int]:
    """The person's unread notifications: how many, and the newest's id (0 without any). One query, off the
    `notification_unread` index."""
    return read_first(_unread, default=(0, 0), person=user.pk)


def unread_count_of(person: int) -> Coalesce:
    """The bell's number as a scalar subquery of the person's id, which rides on the memberships query every
    page with the header runs (`alignment.permissions.register_person_rider`)."""
    return Coalesce(Subquery(_unread(person).values("count")), 0)


def _unread(person: int):
    return (Notification.objects.filter(recipient_id=person, read_at__isnull=True).order_by().values("recipient_id")
            .annotate(count=Count("pk"), newest=Max("pk")).values_list("count", "newest"))


# Calendar sources ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Something in a person's calendar: aware datetimes; `url` site-relative."""

    uid: str
    title: str
    start: datetime
    end: datetime
    url: str = ""
    description: str = ""


def days_around(start: datetime, end: datetime) -> tuple[date, date]:
    """The calendar days a feed's window [start, end) can touch in any zone, for a source's date filter: a day
    either side of UTC's (every zone's midnight lies within a day of UTC's)."""
    return start.astimezone(UTC).date() - timedelta(days=1), end.astimezone(UTC).date() + timedelta(days=1)


def all_day(day: date, zone, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """`day` as an all-day event in `zone` (00:00 to 00:00 the next day there), if it begins in [start, end)."""
    begins = datetime.combine(day, time.min, zone)
    if not start <= begins < end:
        return None
    return begins, datetime.combine(day + timedelta(days=1), time.min, zone)


CalendarSource = Callable[..., list[Event]]
_calendar_sources: list[CalendarSource] = []


def register_calendar_source(source: CalendarSource) -> None:
    """Add `source(user, start, end) -> list[Event]` to everyone's calendar feed (from `ready()`)."""
    if source not in _calendar_sources:
        _calendar_sources.append(source)


def calendar_events(user, start: datetime, end: datetime) -> list[Event]:
    events = [event for source in _calendar_sources for event in source(user, start, end)]
    return sorted(events, key=lambda event: (event.start, event.uid))



# E-mail ----------------------------------------------------------------------------------------------------

# A delivery whose email may (still) go: queued, held for quiet hours, or failed and to be tried again.
SENDABLE = (Delivery.Status.CLAIMED, Delivery.Status.HELD, Delivery.Status.FAILED)
# Longer than any one send takes: a try still holding its delivery after this died with its worker.
EMAIL_LEASE = timedelta(minutes=10)
# A new delivery's own task normally sends it within seconds; the sweep leaves it that long.
EMAIL_GRACE = timedelta(minutes=2)
# The wait after the 1st, 2nd… failed try; after the last, the delivery stays failed (the in-app one is there).
EMAIL_BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                 timedelta(hours=6))
EMAIL_OUTBOX = Outbox(lease=EMAIL_LEASE, grace=EMAIL_GRACE, backoff=EMAIL_BACKOFF)
MAX_EMAIL_ATTEMPTS = EMAIL_OUTBOX.max_attempts


def email_delivery(delivery_id: int, *, now: datetime | None = None) -> bool:
    """Email one delivery that is still to go (text and HTML, its link, one-click unsubscribe); True if sent.

    Exactly once, whoever calls it and however often: the try first claims the row for `EMAIL_LEASE`
    (compare-and-set on an unsent row that nobody holds), and marks it sent after the send. A worker
    that dies in between lets go when the lease passes, and the sweep tries again. The row says "sent"
    the moment the mail server has taken the message, before the goodbye (`send_then_record`): the one
    case that can send twice is a death between the server taking it and hearing so, which is why every
    try of a delivery carries the same Message-ID (receivers drop the copy).
    A failed send is recorded with the time of its next try, and raised.
    """
    now = now or timezone.now()
    unsent = Delivery.objects.filter(pk=delivery_id, emailed_at__isnull=True, status__in=SENDABLE)
    if not EMAIL_OUTBOX.claim(unsent, now):
        return False
    delivery = Delivery.objects.select_related("recipient").get(pk=delivery_id)
    row = Delivery.objects.filter(pk=delivery_id)

    def failed(error: Exception) -> None:
        retry = EMAIL_OUTBOX.next_try(delivery.email_attempts, now)
        detail = f"email failed ({delivery.email_attempts} of {MAX_EMAIL_ATTEMPTS}): {error}"
        row.update(status=Delivery.Status.FAILED, email_lease_until=retry, detail=detail[:200])

    send_then_record(lambda: _email_message(delivery), sender=Delivery, failed=failed, sent=lambda: row.update(
        emailed_at=timezone.now(), status=Delivery.Status.SENT, email_lease_until=None, detail="emailed"))
    return True


class NotificationEmail(EmailMultiAlternatives):
    """An e-mail whose header lines are never folded into RFC 2047 encoded words.

    Python's default policy folds a line longer than 78 characters, and a line with no space in it
    (`List-Unsubscribe: <https://…>`) can only be folded by encoding it, which one-click clients
    cannot read (RFC 2369 and 8058 want the bracketed URL as it is). RFC 5322 allows 998.
    """

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(max_line_length=998))


ReplyTo = Callable[[Delivery], str | None]
_reply_to: dict[str, ReplyTo] = {}


def register_reply_to(kind: str, address: ReplyTo) -> None:
    """Give the e-mails of `kind` a Reply-To: `address(delivery)` says which, or None for none (from `ready()`).

    The check-in reminder's is a signed address per person and week, whose replies become their draft
    (checkins/replies.py). Its templates (`emails/<kind>-body.txt` and `.html`) get it as `reply_to`.
    """
    _reply_to[kind] = address


def reply_to_address(delivery: Delivery) -> str | None:
    address = _reply_to.get(delivery.kind)
    return address(delivery) if address is not None else None


def _email_message(delivery: Delivery) -> EmailMultiAlternatives:
    recipient = delivery.recipient
    unsubscribe = unsubscribe_url(recipient, delivery.kind)
    reply_to = reply_to_address(delivery)
    context = {
        "delivery": delivery,
        "recipient": recipient,
        "kind": _kinds.get(delivery.kind),
        "link": absolute_url(delivery.url),
        "unsubscribe_url": unsubscribe,
        "preferences_url": settings.SITE_URL + reverse("notifications:preferences"),
        "reply_to": reply_to,
    }
    message = NotificationEmail(
        subject=delivery.subject,
        # A kind may add to the body as written (`emails/<kind>-body.txt`: what a reply to it does).
        body=render_to_string([f"emails/{delivery.kind}-body.txt", "emails/notification.txt"], context),
        to=[recipient.email],
        reply_to=[reply_to] if reply_to else [],
        headers={"List-Unsubscribe": f"<{unsubscribe}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                 "Message-ID": message_id(delivery)},
    )
    # A kind may lay its HTML part out itself (`emails/<kind>-body.html`, e.g. the leaders' digest in sections);
    # the text part is the body as written, so the two say the same.
    html = render_to_string([f"emails/{delivery.kind}-body.html", "emails/notification.html"], context)
    message.attach_alternative(html, "text/html")
    return message


def message_id(delivery: Delivery) -> str:
    """The same for every try of a delivery, so that a copy sent twice after a crash is one message."""
    what = hashlib.sha256(f"{delivery.recipient_id}:{delivery.kind}:{delivery.key}".encode()).hexdigest()[:16]
    return f"<delivery-{delivery.pk}.{what}@{urlsplit(settings.SITE_URL).hostname}>"


def unsent_email_ids(now: datetime, *, limit: int = 500) -> list[int]:
    """Deliveries whose e-mail was decided but has not gone, and that nobody is sending now (1 query).

    Past the grace its own task had, not held by a live try, with tries left: their task was lost
    (a worker or the broker died), or their last try failed and its wait is over.
    """
    unsent = Delivery.objects.filter(status__in=(Delivery.Status.CLAIMED, Delivery.Status.FAILED),
                                     emailed_at__isnull=True)
    return list(EMAIL_OUTBOX.waiting(unsent, now, decided="claimed_at")
                .order_by("claimed_at").values_list("pk", flat=True)[:limit])


def send_unsent_emails(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue every e-mail still to go (`unsent_email_ids`); returns how many. Beat runs it every minute."""
    due = unsent_email_ids(now or timezone.now(), limit=limit)
    queue.now(queue.SEND_EMAIL, due)
    if due:
        logger.info("send_unsent_emails: %d queued", len(due))
    return len(due)


def release_held_emails(*, batch_size: int = 500, now: datetime | None = None) -> int:
    """Queue the reminder emails held for quiet hours that are now over; returns how many were queued.

    A held email older than a day is dropped (`skipped`): the reminder it carried is stale by then,
    and the in-app notification is still there.
    """
    now = now or timezone.now()
    stale = Delivery.objects.filter(status=Delivery.Status.HELD, claimed_at__lt=now - timedelta(days=1)).update(
        status=Delivery.Status.SKIPPED, detail="held past a day: dropped as stale"
    )
    if stale:
        logger.info("release_held_emails: %d stale held emails skipped", stale)
    held = (Delivery.objects.filter(status=Delivery.Status.HELD).select_related("recipient")
            .order_by("claimed_at")[:batch_size])  # 1 query: the held deliveries with their people
    due = [delivery.pk for delivery in held if not in_quiet_hours(delivery.recipient, now)]
    queue.now(queue.SEND_EMAIL, due)
    logger.info("release_held_emails: %d queued", len(due))
    return len(due)
