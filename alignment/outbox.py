"""An e-mail's outbox entry: the row that decided to send it, claimed for each try and retried after a wait.

A model taking part (notifications' `Delivery`, the core's `Invitation`) has `email_lease_until` and
`email_attempts`. A try claims its row by compare-and-set on a row nobody holds, with tries left, and
holds it for the lease: a worker that dies mid-send lets go when the lease passes. A failed try holds
the row until its next try is due, so the sweep that finds rows still to send (`waiting`) leaves it
until then. A row whose model marks it sent with `email_sent_at` (`Invitation`, `DataExport`) is sent by
`send_once`; others (`Delivery`) say what "sent" means themselves. Every e-mail goes by `send_then_record`, which
counts each try (`delivery_tried`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.mail import EmailMessage, mailers
from django.db.models import F, Model, Q, QuerySet
from django.utils import timezone

from alignment.signals import delivery_tried

logger = logging.getLogger(__name__)


def _nothing(*args) -> None:
    return None


def send_then_record(message: Callable[[], EmailMessage], *, sender: type, sent: Callable[[], object] = _nothing,
                     failed: Callable[[Exception], object] = _nothing) -> None:
    """Hand `message()` to the mail relay, then run `sent()` at once: before saying goodbye to the relay.

    The relay has the message once it answers its end with 250; nothing after that (QUIT, closing the
    connection) takes it back. So the send is recorded first, and a worker that dies while the relay
    says goodbye has recorded it already. What is left is SMTP's own window (RFC 1047): between the
    relay taking the message and its sender hearing so. A sender that dies there leaves its row unsent,
    and the next try sends the message again under the same Message-ID, which receivers keep as one.

    A message that cannot be made or sent runs `failed(error)` and raises; an error in `sent()` raises
    without it (the message went: it is not a failed try). Either way the try is counted: `delivery_tried`
    from `sender`, "sent" once `sent()` has run, "failed" once `failed()` has.
    """
    mailer = mailers.default
    try:
        made = message()
        mailer.open()
        mailer.send_messages([made])  # an open connection stays open: the goodbye waits for `sent()`
    except Exception as error:
        _say_goodbye(mailer)
        failed(error)
        delivery_tried.send(sender=sender, channel="email", outcome="failed")
        raise
    try:
        sent()
    finally:
        _say_goodbye(mailer)
    delivery_tried.send(sender=sender, channel="email", outcome="sent")


def _say_goodbye(mailer) -> None:
    try:
        mailer.close()
    except Exception:  # the message's fate was settled before: a relay that hangs up badly changes nothing
        logger.warning("closing the mail relay's connection failed", exc_info=True)


@dataclass(frozen=True)
class Outbox:
    lease: timedelta  # longer than any one send takes: a try still holding a row after this has died
    grace: timedelta  # a new row's own task sends it within seconds; the sweep leaves it this long
    backoff: tuple[timedelta, ...]  # the wait after the 1st, 2nd… failed try; after the last, no more tries

    @property
    def max_attempts(self) -> int:
        return len(self.backoff) + 1

    def free(self, now: datetime) -> Q:
        """Rows nobody holds now, with tries left."""
        return ((Q(email_lease_until__isnull=True) | Q(email_lease_until__lte=now))
                & Q(email_attempts__lt=self.max_attempts))

    def claim(self, rows: QuerySet, now: datetime) -> bool:
        """Take the one row of `rows` for a try, if nobody holds it and it has tries left (1 query)."""
        return bool(rows.filter(self.free(now)).update(email_lease_until=now + self.lease,
                                                       email_attempts=F("email_attempts") + 1))

    def send_once(self, row: Model, message: Callable[[], EmailMessage], now: datetime) -> bool:
        """Claim `row` if it is not sent yet (its `email_sent_at`), send `message()` and mark it sent; True if
        this try sent it. A failed send holds the row until its next try, and raises (3 queries)."""
        rows = type(row)._default_manager.filter(pk=row.pk)
        if not self.claim(rows.filter(email_sent_at__isnull=True), now):
            return False

        send_then_record(message, sender=type(row),
                         sent=lambda: rows.update(email_sent_at=timezone.now(), email_lease_until=None),
                         failed=lambda error: rows.update(email_lease_until=self.next_try(row.email_attempts + 1, now)))
        return True

    def next_try(self, attempts: int, now: datetime) -> datetime | None:
        """When a row whose `attempts`-th try failed may be tried again; None after the last."""
        return now + self.backoff[attempts - 1] if attempts < self.max_attempts else None

    def waiting(self, rows: QuerySet, now: datetime, *, decided: str) -> QuerySet:
        """Of `rows` (those still to send), the ones due a try: past the grace (`decided` names when the
        row was written), not held by a live try, with tries left."""
        return rows.filter(self.free(now), **{f"{decided}__lte": now - self.grace})
