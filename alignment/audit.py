"""The audit trail: who did what, when, from where, and what changed; written once, never changed.

Each service that makes a security- or governance-relevant change calls `record(...)` inside its own
transaction, so a change rolled back leaves no event. Who and from where come from the current
request (`AuditContextMiddleware` keeps its address and browser in a context variable); a Celery task
or a management command records with no address.

Nothing in the app changes or deletes an event: `AuditEvent`'s manager, `save()` and `delete()` refuse,
and on PostgreSQL a trigger (migration 0016) refuses UPDATE and DELETE from anyone. The one way out
is `purge_expired`, the daily retention purge, which tells the trigger so in its own transaction.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import logging
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from alignment.lockout import client_ip
from alignment.models import AuditEvent, AuditKind, Organisation
from alignment.pages import Paged, page_number
from alignment.weeks import months_before

logger = logging.getLogger(__name__)

USER_AGENT_LENGTH = AuditEvent._meta.get_field("user_agent").max_length
SUMMARY_LENGTH = AuditEvent._meta.get_field("summary").max_length
PURGE_BATCH = 1000  # events per transaction of the purge
PER_PAGE = 50


@dataclass(frozen=True)
class Origin:
    """Where a request came from: what every event recorded while answering it says."""

    ip_address: str | None
    user_agent: str
    user: object = None  # the request's (lazy) user: the actor when a service is not told one


_origin: ContextVar[Origin | None] = ContextVar("audit_origin", default=None)


def origin_of(request: HttpRequest) -> Origin:
    """The request's client address (the sign-in lockout's rule, `lockout.client_ip`) and browser."""
    address = client_ip(request)
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError:
        address = None  # a malformed forwarded header is not worth failing the change for
    return Origin(ip_address=address, user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_LENGTH],
                  user=getattr(request, "user", None))


class AuditContextMiddleware:
    """Makes the request's address and browser known to `record` for as long as the request runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = _origin.set(origin_of(request))
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)


def _plain(changes: dict | None) -> dict:
    # Dates, times and decimals as JSON has them (what DjangoJSONEncoder writes), so any value can be given.
    return json.loads(json.dumps(changes or {}, cls=DjangoJSONEncoder))


def changed(before: dict, after: dict) -> dict:
    """{field: [before, after]} for each field whose value differs."""
    return {field: [before.get(field), value] for field, value in after.items() if before.get(field) != value}


def record(kind: AuditKind | str, *, organisation=None, team=None, actor=None, summary: str,
           changes: dict | None = None, actor_email: str = "", request: HttpRequest | None = None) -> AuditEvent:
    """Write one audit event (1 query); call it inside the transaction of the change it records.

    `changes` maps a field to its value, or to a `[before, after]` pair when it changed: a list of two is
    always read as such (the audit page writes it "before → after"), so a value that is itself a list is
    written as words. `actor` defaults to the signed-in person of the current request, if any. `actor_email` is for an
    event with no account behind it (a failed sign-in: the address tried). `request` is for Django's
    signals, which may run outside the middleware (the test client's `login()`).
    """
    origin = origin_of(request) if request is not None else _origin.get()
    if actor is None and origin is not None and getattr(origin.user, "is_authenticated", False):
        actor = origin.user
    organisation_id = organisation.pk if organisation is not None else getattr(team, "organisation_id", None)
    return AuditEvent.objects.create(
        kind=AuditKind(kind), organisation_id=organisation_id, team=team, actor=actor,
        actor_email=(actor.email if actor is not None else actor_email)[:254], summary=summary[:SUMMARY_LENGTH],
        changes=_plain(changes), ip_address=origin.ip_address if origin else None,
        user_agent=origin.user_agent if origin else "", at=timezone.now(),
    )


# Reading ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Filters:
    """What the admin narrowed the trail to; empty values filter nothing."""

    kind: str = ""
    person: str = ""  # part of the actor's e-mail
    since: date | None = None  # from this day, in the reader's time zone
    until: date | None = None  # to this day, included

    def apply(self, events):
        if self.kind:
            events = events.filter(kind=self.kind)
        if self.person:
            events = events.filter(actor_email__icontains=self.person.strip())
        if self.since:
            events = events.filter(at__gte=_start_of(self.since))
        if self.until:
            events = events.filter(at__lt=_start_of(self.until + timedelta(days=1)))
        return events

    def as_changes(self) -> dict:
        return {name: value for name, value in {"kind": self.kind, "person": self.person, "since": self.since,
                                                 "until": self.until}.items() if value}


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def events_of(organisation: Organisation, filters: Filters):
    """The organisation's events, newest first, filtered (served by the index on organisation, -at)."""
    return filters.apply(AuditEvent.objects.filter(organisation=organisation)).order_by("-at", "-pk")


@dataclass(frozen=True, kw_only=True)
class AuditPage(Paged):
    """A page of the organisation's audit trail, newest first."""

    organisation: Organisation
    filters: Filters
    events: list[AuditEvent]


def audit_page(organisation: Organisation, filters: Filters, *, page: str | int | None) -> AuditPage:
    """A page of the organisation's events with their teams: 1 query, however long the trail (a page plus one)."""
    number = page_number(page)
    start = (number - 1) * PER_PAGE
    events = list(events_of(organisation, filters).select_related("team")[start:start + PER_PAGE + 1])
    return AuditPage(organisation=organisation, filters=filters, events=events[:PER_PAGE], number=number,
                     has_next=len(events) > PER_PAGE)


def export_csv(*, organisation: Organisation, filters: Filters, actor) -> Iterator[str]:
    """Record that `actor` exported the (filtered) trail, then its events as CSV lines, to stream."""
    with transaction.atomic():
        record(AuditKind.AUDIT_EXPORTED, organisation=organisation, actor=actor,
               summary=f"Audit trail of {organisation.name} exported as CSV", changes=filters.as_changes())
    return csv_rows(events_of(organisation, filters))


CSV_HEADER = ["when (UTC)", "what", "by", "team", "summary", "what changed", "from address", "browser"]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with = + - @ as a formula: a summary quoting a name must not.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_rows(events) -> Iterator[str]:
    """The events as CSV lines, read from the database a chunk at a time (for a streamed download)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    kinds = dict(AuditKind.choices)
    for event in events.select_related("team").iterator(chunk_size=500):
        yield writer.writerow([_cell(str(cell)) for cell in (
            event.at.astimezone(UTC).isoformat(timespec="seconds"), kinds.get(event.kind, event.kind),
            event.actor_email, event.team.name if event.team else "", event.summary,
            json.dumps(event.changes, ensure_ascii=False) if event.changes else "", event.ip_address or "",
            event.user_agent)])


# Retention -------------------------------------------------------------------------------------------------

def _delete_batch(events, batch: int) -> int:
    ids = list(events.order_by("at", "pk").values_list("pk", flat=True)[:batch])
    if not ids:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The trigger lets this transaction, and only it, delete audit events.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL charter.audit_purge = 'on'")
        # The base manager: the default one refuses to delete.
        deleted, _ = AuditEvent._base_manager.filter(pk__in=ids).delete()
    return deleted


def purge_expired(*, now: datetime | None = None, batch: int = PURGE_BATCH) -> int:
    """Delete the events older than their organisation's retention, in batches; how many went.

    Events of no organisation (sign-ins, the site admin's changes) are kept `AUDIT_RETENTION_MONTHS`.
    Each organisation's purge is itself recorded, so the trail says what left it. Idempotent: a
    second run finds nothing older than the cut-off.
    """
    now = now or timezone.now()
    total = 0
    keeping = Organisation.objects.values_list("pk", "audit_retention_months").order_by("pk")
    scopes = [(Q(organisation_id=pk), months, pk) for pk, months in keeping]
    scopes.append((Q(organisation__isnull=True), settings.AUDIT_RETENTION_MONTHS, None))
    for scope, months, organisation_id in scopes:
        cutoff = months_before(now, months)
        old = AuditEvent.objects.filter(scope, at__lt=cutoff)
        purged = 0
        while deleted := _delete_batch(old, batch):
            purged += deleted
        if purged:
            total += purged
            logger.info("audit retention: %d event(s) before %s deleted (organisation %s, kept %d months)",
                        purged, cutoff.date().isoformat(), organisation_id, months)
            if organisation_id is not None:
                with transaction.atomic():
                    record(AuditKind.AUDIT_PURGED, organisation=Organisation(pk=organisation_id),
                           summary=f"{purged} audit event(s) older than {months} months deleted",
                           changes={"deleted": purged, "before": cutoff})
    return total


# What Django tells us: sign-ins and the site admin's changes ------------------------------------------------

def on_signed_in(sender, request, user, **kwargs) -> None:
    record(AuditKind.SIGNED_IN, actor=user, summary=f"{user.email} signed in", request=request)


def on_signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:  # signing out when not signed in changes nothing
        record(AuditKind.SIGNED_OUT, actor=user, summary=f"{user.email} signed out", request=request)


def on_sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    """The address tried, never the password (Django has already blanked it; we keep only the address)."""
    tried = str((credentials or {}).get("username") or (credentials or {}).get("email") or "").strip().lower()
    record(AuditKind.SIGN_IN_FAILED, actor_email=tried, summary=f"Sign-in failed for {tried or 'no address'}",
           request=request)


def on_site_admin_change(sender, instance, created: bool, **kwargs) -> None:
    """Copy each entry of Django's admin log (add, change, delete through /admin/) into the trail."""
    if not created:
        return
    verb = {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "changed")
    model = instance.content_type.name if instance.content_type_id else "object"
    organisation = _organisation_of(instance)
    record(AuditKind.SITE_ADMIN_CHANGE, organisation=organisation, actor=instance.user,
           summary=f"In the site's admin, {model} “{instance.object_repr}” {verb}",
           changes={"model": model, "object_id": instance.object_id, "action": verb,
                    "change": instance.get_change_message()})


def _organisation_of(entry) -> Organisation | None:
    """The organisation an admin log entry's object belongs to, when it says so (1 or 2 queries).

    The admin logs a deletion before it deletes, so a deleted object is still there to ask.
    """
    if not entry.content_type_id:
        return None
    try:
        target = entry.get_edited_object()
    except Exception:  # noqa: BLE001 - a model without the row any more, or a key that does not parse
        return None
    if isinstance(target, Organisation):
        return target
    organisation_id = getattr(target, "organisation_id", None)
    if organisation_id is None and getattr(target, "team_id", None) is not None:
        organisation_id = target.team.organisation_id
    return Organisation(pk=organisation_id) if organisation_id else None
