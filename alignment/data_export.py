"""Download my data: a zip of JSON and Markdown with everything a person wrote and everything recorded about them.

The core knows nothing of charters, check-ins or retrospectives, so each feature app registers an **export
source** from its `AppConfig.ready()` (`register_export_source(name, collect)`). `collect(subject)` returns an
`ExportPart`: JSON-able records by file name, and optionally Markdown documents, read in a fixed number of
queries however much the person wrote. The zip holds each source's files under a folder of its name, with a
README.md at the top saying what is in it.

A source gives only the person's own words and what is recorded about them, never another person's private
data (someone else's check-in, anonymous card or vote). An `ExportSubject` with an `organisation` is an
admin's export of someone in it: every source keeps to that organisation's teams (`subject.within(...)`)
and leaves out what the person keeps to themselves (`subject.for_themselves`).

The requests (`DataExport`) follow the invitation's shape: asking writes the row, its audit event and queues
the build on commit; the build claims the row for a lease, so a worker that dies mid-build lets go and the
sweep tries again; the finished zip goes into the row (the database, never a local file, so any web node
serves it) and the row is the e-mail's outbox entry. The link expires after `DATA_EXPORT_VALID_DAYS`; the
daily purge deletes expired zips.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from alignment import audit, task_queue
from alignment.errors import ActionRefused
from alignment.models import (
    AuditEvent,
    AuditKind,
    DataExport,
    Invitation,
    Membership,
    Organisation,
    User,
    hash_token,
)
from alignment.outbox import Outbox

# The registry -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSubject:
    """Whose data, and how far: everything (asked by the person), or one organisation's teams (asked by its admin)."""

    person: User
    organisation: Organisation | None = None

    @property
    def for_themselves(self) -> bool:
        """The person's own export: what they keep to themselves (notifications, anonymous cards) goes in too."""
        return self.organisation is None

    def within(self, team_path: str) -> Q:
        """A filter keeping rows whose team (reached by `team_path`, e.g. "check_in__team") is in scope."""
        if self.organisation is None:
            return Q()
        return Q(**{f"{team_path}__organisation": self.organisation})


@dataclass
class ExportPart:
    """What one source gives: `records` become `<source>/<name>.json`, `documents` become `<source>/<name>.md`."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)


Collect = Callable[[ExportSubject], ExportPart]
_sources: dict[str, Collect] = {}


def register_export_source(name: str, collect: Collect) -> None:
    """Add a feature's part of the zip, in the folder `name` (one source per name)."""
    _sources.setdefault(name, collect)


# Markdown the sources share ----------------------------------------------------------------------------

def when(moment: datetime | None) -> str:
    """A moment as the zip writes it in Markdown: UTC, to the minute."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def quoted(text: str) -> str:
    """Someone's words as a Markdown block quote, every line of them."""
    return "\n".join(f"> {line}" if line else ">" for line in (text or "").strip().splitlines()) or "> —"


def document(title: str, sections: list[str], *, empty: str = "Nothing here.") -> str:
    """A Markdown document: a title, then its sections (each already Markdown), or `empty`."""
    return f"# {title}\n\n" + ("\n\n".join(sections) if sections else empty) + "\n"


# The core's part: the account, memberships, invitations sent, administered organisations, audit events ------

def collect_account(subject: ExportSubject) -> ExportPart:
    """The person's account and what the core recorded about them: 4 queries, 7 for their own copy.

    Their memberships with teams, invitations they sent, organisations they run, and audit events where they
    acted (their sign-ins too, for their own export); for their own copy also their two-factor methods (what
    kind, when added and last used, never a secret), their links to identity providers with what those said
    about them, and their recorded sessions.
    """
    person = subject.person
    account = {"email": person.email, "display_name": person.display_name, "name": person.name,
               "time_zone": person.time_zone, "joined": person.date_joined, "is_active": person.is_active}
    if subject.for_themselves:
        account |= {"last_login": person.last_login, "reminders_snoozed_until": person.reminders_snoozed_until,
                    "quiet_hours_start": person.quiet_hours_start, "quiet_hours_end": person.quiet_hours_end}
    memberships = [{
        "organisation": m.team.organisation.name, "team": m.team.name, "roles": [role.value for role in m.roles],
        "joined": m.joined_at,
    } for m in Membership.objects.filter(subject.within("team"), user=person)
        .select_related("team__organisation").order_by("joined_at", "pk")]  # query: memberships, with teams
    invitations = [{
        "organisation": i.team.organisation.name, "team": i.team.name, "email": i.email,
        "roles": [role.value for role in i.roles], "sent": i.created_at, "state": i.state.value,
    } for i in Invitation.objects.filter(subject.within("team"), invited_by=person)
        .select_related("team__organisation").order_by("created_at", "pk")]  # query: invitations they sent
    administered = person.administered_organisations.order_by("name")
    if subject.organisation is not None:
        administered = administered.filter(pk=subject.organisation.pk)
    admin_of = [{"organisation": o.name} for o in administered]  # query: organisations they run
    events = AuditEvent.objects.filter(actor=person).select_related("organisation", "team").order_by("at", "pk")
    if subject.organisation is not None:
        events = events.filter(organisation=subject.organisation)
    audit_events = [{
        "at": e.at, "what": e.kind, "summary": e.summary, "organisation": e.organisation.name if e.organisation else "",
        "team": e.team.name if e.team else "", "changes": e.changes, "from_address": e.ip_address,
        "browser": e.user_agent,
    } for e in events]  # query: audit events where they acted
    records = {}
    if subject.for_themselves:
        records = {
            "sign_in_methods": [{"method": a.type, "added": a.created_at, "last_used": a.last_used_at}
                                for a in Authenticator.objects.filter(user=person).order_by("created_at", "pk")],
            # query: their two-factor methods (never their secrets)
            "identity_provider_links": [{"provider": link.provider, "id_there": link.uid,
                                         "first_sign_in": link.date_joined, "last_sign_in": link.last_login,
                                         "what_it_said": link.extra_data}
                                        for link in SocialAccount.objects.filter(user=person).order_by("pk")],
            # query: their links to identity providers
            "sessions": [{"from_address": s.ip, "browser": s.user_agent, "signed_in": s.created_at,
                          "last_seen": s.last_seen_at}
                         for s in UserSession.objects.filter(user=person).order_by("created_at", "pk")],
            # query: the sign-ins "Your sessions" lists
        }
    lines = [f"- **E-mail:** {person.email}", f"- **Name:** {person.name}", f"- **Time zone:** {person.time_zone}",
             f"- **Joined Charter:** {when(person.date_joined)}"]
    teams = [f"- {m['team']} ({m['organisation']}): {', '.join(m['roles'])} since {when(m['joined'])}"
             for m in memberships]
    return ExportPart(
        records={"account": [account], "memberships": memberships, "invitations_sent": invitations,
                 "organisations_administered": admin_of, "audit_events": audit_events, **records},
        documents={"account": document("Your account", ["\n".join(lines),
                                                        "## Your teams\n\n" + ("\n".join(teams) or "None.")])},
    )


# Building the zip --------------------------------------------------------------------------------------

def _json(records) -> str:
    return json.dumps(records, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n"


def _readme(subject: ExportSubject, now: datetime, parts: dict[str, ExportPart]) -> str:
    scope = ("everything you wrote in Charter and everything it recorded about you" if subject.for_themselves else
             f"what {subject.person.name} wrote in the teams of {subject.organisation.name}, and their account "
             f"basics; what they keep to themselves (notifications, cards written anonymously) is left out")
    files = [f"- `{name}/{file}.json`" for name, part in parts.items() for file in part.records]
    files += [f"- `{name}/{file}.md`" for name, part in parts.items() for file in part.documents]
    return document(f"Data of {subject.person.name} ({subject.person.email})", [
        f"Made {when(now)}. This zip holds {scope}.",
        "Each folder is one part of Charter. The `.json` files are the records, for a program to read; "
        "the `.md` files say the same for a person. Times are in UTC.",
        "## Files\n\n" + "\n".join(sorted(files)),
    ])


def build_archive(subject: ExportSubject, *, now: datetime | None = None) -> bytes:
    """The zip for `subject`: each source's files in its folder and a README; a fixed number of queries."""
    now = now or timezone.now()
    parts = {"account": collect_account(subject)}
    for name, collect in _sources.items():
        parts[name] = collect(subject)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.md", _readme(subject, now, parts))
        for name, part in parts.items():
            for file, records in part.records.items():
                archive.writestr(f"{name}/{file}.json", _json(records))
            for file, text in part.documents.items():
                archive.writestr(f"{name}/{file}.md", text)
    return buffer.getvalue()


# Asking ------------------------------------------------------------------------------------------------

BUILD_DATA_EXPORT = "alignment.tasks.build_data_export"
EMAIL_DATA_EXPORT = "alignment.tasks.email_data_export"


def token_of(export: DataExport) -> str:
    """The link's secret: made again from the row's seed with this server's key; the database keeps its hash."""
    return salted_hmac("alignment.data-export-token", export.token_seed, algorithm="sha256").hexdigest()


def download_url(export: DataExport) -> str:
    return reverse("data_export_download", args=[token_of(export)])


@dataclass(frozen=True)
class YourData:
    """The "Your data" section of the profile page: the latest copy the person asked of their own data."""

    export: DataExport | None
    being_prepared: bool = False
    ready: bool = False
    expired: bool = False
    failed: bool = False
    download_url: str = ""

    @property
    def may_ask(self) -> bool:
        """One request at a time: asking again waits until the one being prepared is ready."""
        return not self.being_prepared


def your_data(person: User, *, now: datetime | None = None) -> YourData:
    """What the profile says of the person's latest copy of their data (1 query, without the zip)."""
    now = now or timezone.now()
    export = DataExport.objects.asked_by(person).filter(person=person).first()
    if export is None:
        return YourData(export=None)
    ready = export.is_downloadable(now)
    return YourData(export=export, being_prepared=export.is_pending, ready=ready,
                    expired=export.state == DataExport.State.READY and not ready, failed=export.has_failed,
                    download_url=download_url(export) if ready else "")


def request_export(*, person: User, actor: User, organisation: Organisation | None = None) -> DataExport:
    """Ask for `person`'s data, for `actor` (the person, or an admin of `organisation`); built after commit.

    One request at a time per person and asker: a second while one is being prepared is refused.
    """
    seed = secrets.token_urlsafe(32)
    export = DataExport(person=person, requested_by=actor, organisation=organisation, token_seed=seed)
    export.token_hash = hash_token(token_of(export))
    with transaction.atomic():
        try:
            export.save()
        except IntegrityError:
            raise ActionRefused("Your data is already being prepared: we'll e-mail you when it is ready."
                                if person.pk == actor.pk else
                                f"{person.name}'s data is already being prepared for you: we'll e-mail you "
                                f"when it is ready.") from None
        scope = f" in {organisation.name}" if organisation else ""
        audit.record(AuditKind.DATA_EXPORT_REQUESTED, organisation=organisation, actor=actor,
                     summary=f"Data export of {person.email}{scope} requested by {actor.email}",
                     changes={"person": person.email, "export": export.pk})
        task_queue.after_commit(BUILD_DATA_EXPORT, [export.pk])
    return export


# Building and e-mailing (tasks call these) --------------------------------------------------------------

BUILD_LEASE = timedelta(minutes=15)  # longer than a build takes: a try still holding it died
BUILD_BACKOFF = (timedelta(minutes=1), timedelta(minutes=10))  # the wait after each failed build; then: failed
GRACE = timedelta(minutes=2)  # a new request's own task starts within seconds; the sweep leaves it this long
EMAIL_OUTBOX = Outbox(lease=timedelta(minutes=10), grace=GRACE,
                      backoff=(timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)))


def _build_free(now: datetime) -> Q:
    return (Q(build_lease_until__isnull=True) | Q(build_lease_until__lte=now)) & Q(
        build_attempts__lt=len(BUILD_BACKOFF) + 1)


def build_export(export_id: int, *, now: datetime | None = None) -> bool:
    """Build the zip of a pending request once, then queue its e-mail; True if this call built it.

    The try claims the row first (compare-and-set on a row nobody holds), so two runs build once and a
    worker that dies mid-build lets go when the lease passes. A failed build waits before its next try
    and raises; after the last, the request is marked failed and the person may ask again.
    """
    now = now or timezone.now()
    claimed = DataExport.objects.pending().filter(_build_free(now), pk=export_id).update(
        build_lease_until=now + BUILD_LEASE, build_attempts=F("build_attempts") + 1)
    if not claimed:
        return False
    export = (DataExport.objects.defer("archive").select_related("person", "organisation")
              .get(pk=export_id))
    try:
        archive = build_archive(ExportSubject(person=export.person, organisation=export.organisation), now=now)
    except Exception:
        retry = now + BUILD_BACKOFF[export.build_attempts - 1] if export.build_attempts <= len(BUILD_BACKOFF) else None
        DataExport.objects.pending().filter(pk=export_id).update(
            build_lease_until=retry, **({} if retry else {"state": DataExport.State.FAILED}))
        raise
    ready = timezone.now()
    with transaction.atomic():
        built = DataExport.objects.pending().filter(pk=export_id).update(
            state=DataExport.State.READY, archive=archive, archive_size=len(archive), ready_at=ready,
            expires_at=ready + timedelta(days=settings.DATA_EXPORT_VALID_DAYS), build_lease_until=None)
        if built:
            task_queue.after_commit(EMAIL_DATA_EXPORT, [export_id])
    return bool(built)


def email_export(export_id: int, *, now: datetime | None = None) -> bool:
    """E-mail the link to whoever asked, once, however often asked; True if this call sent it."""
    now = now or timezone.now()
    export = (DataExport.objects.defer("archive").select_related("person", "requested_by", "organisation")
              .filter(pk=export_id, state=DataExport.State.READY).first())
    if export is None or not export.is_downloadable(now):
        return False
    return EMAIL_OUTBOX.send_once(export, lambda: _message(export), now)


def _message(export: DataExport) -> EmailMultiAlternatives:
    context = {"export": export, "person": export.person, "asker": export.requested_by,
               "organisation": export.organisation, "yours": export.person_id == export.requested_by_id,
               "download_url": settings.SITE_URL + download_url(export)}
    message = EmailMultiAlternatives(
        subject=render_to_string("emails/data_export-subject.txt", context).strip(),
        body=render_to_string("emails/data_export-body.txt", context), to=[export.requested_by.email])
    message.attach_alternative(render_to_string("emails/data_export-body.html", context), "text/html")
    return message


def queue_unfinished(*, now: datetime | None = None, limit: int = 100) -> int:
    """Queue every build and e-mail still to do (a lost task, a dead worker, a failed try due again); how many.

    A request whose last try died without saying so is marked failed, so that its person may ask again.
    """
    now = now or timezone.now()
    unfinished = DataExport.objects.pending().filter(created_at__lte=now - GRACE)
    unfinished.filter(build_attempts__gte=len(BUILD_BACKOFF) + 1).filter(
        Q(build_lease_until__isnull=True) | Q(build_lease_until__lte=now)).update(state=DataExport.State.FAILED)
    builds = list(unfinished.filter(_build_free(now)).order_by("created_at").values_list("pk", flat=True)[:limit])
    unsent = DataExport.objects.filter(state=DataExport.State.READY, email_sent_at__isnull=True, expires_at__gt=now)
    emails = list(EMAIL_OUTBOX.waiting(unsent, now, decided="ready_at").order_by("ready_at")
                  .values_list("pk", flat=True)[:limit])
    task_queue.now(BUILD_DATA_EXPORT, builds)
    task_queue.now(EMAIL_DATA_EXPORT, emails)
    return len(builds) + len(emails)


def purge_expired(*, now: datetime | None = None) -> int:
    """Delete the zips whose link has expired (daily); the rows stay, saying an export was made. How many."""
    now = now or timezone.now()
    return DataExport.objects.filter(expires_at__lte=now, archive_size__gt=0).update(archive=None, archive_size=0)


# Downloading -------------------------------------------------------------------------------------------

def find_download(token: str, user, *, now: datetime | None = None) -> DataExport | None:
    """The export this link is for, with its zip, if `user` asked for it and may still have it; else None.

    The token and the signed-in asker both: a forwarded link is no use to anyone else. An admin's export
    is theirs only while they still run the organisation.
    """
    now = now or timezone.now()
    export = (DataExport.objects.select_related("person", "organisation")
              .filter(token_hash=hash_token(token), requested_by=user.pk).first())
    if export is None or not export.is_downloadable(now):
        return None
    if export.organisation is not None and not export.organisation.admins.filter(pk=user.pk).exists():
        return None
    return export


def record_download(*, export: DataExport, actor: User) -> None:
    with transaction.atomic():
        DataExport.objects.filter(pk=export.pk).update(downloaded_at=timezone.now())
        audit.record(AuditKind.DATA_EXPORT_DOWNLOADED, organisation=export.organisation, actor=actor,
                     summary=f"Data export of {export.person.email} downloaded by {actor.email}",
                     changes={"person": export.person.email, "export": export.pk})


def file_name(export: DataExport) -> str:
    local = export.person.email.split("@")[0]
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in local)
    return f"charter-data-{safe}-{export.ready_at:%Y-%m-%d}.zip"
