"""A person's calendar feed: a secret address any calendar app subscribes to, and the ICS it serves.

The address holds a random token (`secrets.token_urlsafe(32)`); only its SHA-256 is stored
(`CalendarFeed.token_hash`), so the full address is shown once, when it is made. Making a new one
replaces the hash, which revokes the old address at once; stopping the feed deletes the row.

What the feed lists comes from the calendar sources feature apps register
(`alignment.notifications.register_calendar_source`): check-in deadlines (`checkins.calendar`)
and review sessions (`reviews.calendar`). The core knows neither. The window runs from
`WINDOW_BEFORE` (two weeks) before the fetch to `WINDOW_AFTER` (thirteen weeks, a quarter) after
it: enough history for an app that keeps what it saw, and the next cycle or two of reviews.

Each event keeps its team's time zone (`DTSTART;TZID=Europe/London:…`) with the VTIMEZONE
definitions it needs, so an event stays at the team's local time across a daylight-saving change
and every app shows it at the right instant wherever its reader is.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, vDuration
from icalendar import Event as ICalEvent

from alignment import audit, fragments
from alignment.models import AuditKind, hash_token
from notifications import services as notifications
from notifications.models import CalendarFeed

WINDOW_BEFORE = timedelta(weeks=2)
WINDOW_AFTER = timedelta(weeks=13)
# How often apps are asked to fetch again (REFRESH-INTERVAL, X-PUBLISHED-TTL); most fetch less often anyway.
REFRESH = timedelta(hours=1)
# `last_fetched_at` is written at most this often: apps fetch every few minutes to hours, and a write
# per fetch would cost more than the answer to "is this address still in use?" is worth.
FETCH_STAMP_EVERY = timedelta(hours=1)
PRODID = "-//Charter//Calendar feed//EN"


def issue_token(*, user, replacing: str | None = None) -> str | None:
    """A new secret address for `user`, replacing (and so revoking) the one the page showed; the token.

    `replacing` is `feed_version()` of the address the person saw ("" for none). If it has changed since
    (a double click, a second tab), nothing is replaced and None comes back: the address made a moment
    ago stays the one that works. `None` replaces whatever is there. Only the token's hash is stored:
    the caller shows the address once. A new address is an export of the person's deadlines: audited.
    """
    with transaction.atomic():
        token = _issue_token(user=user, replacing=replacing)
        if token is not None:
            audit.record(AuditKind.CALENDAR_ADDRESS_MADE, actor=user,
                         summary=f"{user.email} made a {'new ' if replacing else ''}calendar feed address",
                         changes={"replaced": replacing or None})
    return token


def _issue_token(*, user, replacing: str | None) -> str | None:
    token, now = secrets.token_urlsafe(32), timezone.now()
    values = {"token_hash": hash_token(token), "created_at": now, "last_fetched_at": None}
    if replacing is None:
        CalendarFeed.objects.update_or_create(user=user, defaults=values)
        return token
    if not replacing:
        try:
            with transaction.atomic():
                CalendarFeed.objects.create(user=user, **values)  # the one-to-one's unique index: one wins
        except IntegrityError:
            return None
        return token
    current = CalendarFeed.objects.filter(user=user).values_list("token_hash", flat=True).first()
    if current is None or _version(current) != replacing:
        return None
    # Compare-and-set on the address the person saw: of two concurrent replacements one changes the row.
    changed = CalendarFeed.objects.filter(user=user, token_hash=current).update(**values)
    return token if changed else None


def _version(token_hash: str) -> str:
    # A few characters of the hash of a 256-bit secret: they name the address and reveal nothing of it.
    return token_hash[:16]


def feed_version(feed: CalendarFeed | None) -> str:
    """What a page showing `feed` sends back when it asks to replace it ("" when there is none)."""
    return _version(feed.token_hash) if feed is not None else ""


def revoke_feed(*, user) -> bool:
    """Stop the person's feed: the address answers 404 from now on. False if there was none."""
    with transaction.atomic():
        deleted, _ = CalendarFeed.objects.filter(user=user).delete()
        if deleted:
            audit.record(AuditKind.CALENDAR_FEED_STOPPED, actor=user, summary=f"{user.email} stopped their calendar feed")
    return bool(deleted)


def feed_of(user) -> CalendarFeed | None:
    """The person's feed, if they made one (1 query)."""
    return CalendarFeed.objects.filter(user=user).first()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed an address's token opens, with its person; None for an unknown, replaced or stopped one."""
    return (CalendarFeed.objects.select_related("user")
            .filter(token_hash=hash_token(token), user__is_active=True).first())


def is_token_of(feed: CalendarFeed | None, token: str) -> bool:
    """Whether `token` is the one `feed` holds now (a token shown after a later regenerate is not)."""
    return feed is not None and secrets.compare_digest(feed.token_hash, hash_token(token))


def feed_url(token: str) -> str:
    """The absolute https:// (or http://) address of a feed."""
    return notifications.absolute_url(reverse("notifications:calendar_ics", args=[token]))


def webcal_url(token: str) -> str:
    """The same address as webcal://, which opens the subscribe dialogue of the reader's calendar app."""
    return "webcal://" + feed_url(token).split("://", 1)[1]


def note_fetch(feed: CalendarFeed, now: datetime) -> None:
    """Record that an app fetched the feed, at most once per `FETCH_STAMP_EVERY` (0 or 1 query)."""
    if feed.last_fetched_at is not None and now - feed.last_fetched_at < FETCH_STAMP_EVERY:
        return
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=now)
    feed.last_fetched_at = now


def window(now: datetime) -> tuple[datetime, datetime]:
    """The instants the feed covers: from two weeks before `now` to thirteen weeks after."""
    return now - WINDOW_BEFORE, now + WINDOW_AFTER


def uid_domain() -> str:
    """The host of `SITE_URL`: UIDs are `<source's uid>@<host>`, stable across fetches (RFC 5545 3.8.4.7)."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


@dataclass(frozen=True)
class FeedContents:
    """What a person's feed shows at `now`: its window and the events in it, in order."""

    now: datetime
    start: datetime
    end: datetime
    events: list[notifications.Event]

    @property
    def timezone_years(self) -> tuple[int, int]:
        """The years whose zone rules the feed writes out: a year's margin either side of the window."""
        return self.start.year - 1, self.end.year + 2

    @property
    def etag(self) -> str:
        """A weak entity tag of the ICS these contents make: the same for every fetch that shows the same events.

        Each fetch stamps its events with its own moment (DTSTAMP, when the calendar was written, RFC 5545
        3.8.7.2), so two answers with the same events differ in those bytes alone: the tag is weak (RFC 9110
        8.8.1) and digests everything else the ICS is written from (the events with their zones, the years of
        zone rules, the site's address) and the release, so a deploy that writes the feed differently makes
        a new tag."""
        return f'W/"{fragments.digest((fragments.release(), settings.SITE_URL, self.timezone_years, self.events))}"'


def feed_contents(user, now: datetime) -> FeedContents:
    """Every registered source's events for `user` in the window around `now` (the sources' queries)."""
    start, end = window(now)
    return FeedContents(now=now, start=start, end=end, events=notifications.calendar_events(user, start, end))


def render_ics(contents: FeedContents) -> bytes:
    """The person's calendar as ICS."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Charter")
    calendar.add("x-wr-caldesc", "Check-in deadlines and review sessions of your teams.")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    domain, stamp = uid_domain(), contents.now.astimezone(UTC)
    for event in contents.events:
        calendar.add_component(_vevent(event, domain, stamp))
    # Each zone's rules as dated transitions.
    first, last = contents.timezone_years
    calendar.add_missing_timezones(first_date=date(first, 1, 1), last_date=date(last, 1, 1))
    return calendar.to_ical()


def _vevent(event: notifications.Event, domain: str, stamp: datetime) -> ICalEvent:
    vevent = ICalEvent()
    vevent.add("uid", f"{event.uid}@{domain}")
    vevent.add("dtstamp", stamp)
    vevent.add("dtstart", event.start)  # in the team's zone: TZID=<zone>
    vevent.add("dtend", event.end)
    vevent.add("summary", event.title)
    description = event.description
    if event.url:
        link = notifications.absolute_url(event.url)
        vevent.add("url", link)
        # Several apps never show URL; the link in the text is what people click.
        description = f"{description}\n\n{link}" if description else link
    if description:
        vevent.add("description", description)
    vevent.add("transp", "TRANSPARENT")  # a deadline or a review day is not a meeting: nobody shows as busy
    return vevent
