"""Delete my account: a grace period, then a person's personal data erased and their contributions kept as "Former member".

**Asking.** The person asks on their profile page (re-entering their password), the site's staff from the Django
admin, or an organisation's admin from People for someone in no other organisation (`refusal_to_schedule`).
`schedule_erasure` sets `User.erase_after` to `ACCOUNT_DELETION_GRACE_DAYS` from now, records it in the audit trail
and e-mails the person (an `ErasureNotice`, the e-mail's outbox entry: sent once). Until that moment they keep
working and may `cancel_erasure` from the profile page.

**Erasing.** A daily task (`erase_due`) takes the accounts whose moment has come, a batch at a time, each in its
own transaction (`erase_account`), so a worker dying half-way rolls that person back and the next run starts them
again; an erased account is never taken twice (`erased_at`, set by compare-and-set in the same transaction):
1. `services.deactivate_everywhere`: their commitments and open blockers go to their teams' leaders, their
   memberships and sessions end. If an organisation refuses (they are a team's only leader, or its only admin),
   nothing of this run stays: the account is not erased, why is recorded in the audit trail and told to the person
   and that organisation's admins, once per reason (`ErasureNotice`), and the next day's run tries again.
2. Each feature app's **eraser** (`register_eraser(name, erase)`, from its `AppConfig.ready()`, in its
   `erase.py`): it deletes what is personal and not needed and keeps, under the account (now "Former member"),
   what the team needs. The core knows nothing of charters or check-ins; docs/features.md has the table.
3. The core's own rows (`erase_core`): the audit trail keeps each event but not who it was (their address
   becomes the placeholder, their address and browser go: the PostgreSQL trigger of migration 0020 lets this,
   and only this, through under `SET LOCAL charter.audit_erasure = 'on'`), their sessions, data exports,
   deletion notices, deactivation records and sign-in lockout records go, invitations to their address keep no
   address, and the site admin's log no longer names them.
4. The account itself: a placeholder address nobody receives mail at (`erased-<id>@erased.invalid`), the name
   "Former member", no usable password, preferences reset, switched off.

**Words retention.** An organisation may keep check-ins' words for a number of months after their review cycle
closed (`Organisation.checkin_words_retention_months`); a daily task (`erase_expired_words`) asks the apps that
know cycles and check-ins (`register_words_retention`) to blank what is older.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from allauth.usersessions.models import UserSession
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from alignment import audit, services, task_queue
from alignment.errors import ActionRefused
from alignment.models import (
    AuditEvent,
    AuditKind,
    DataExport,
    Deactivation,
    ErasureNotice,
    Invitation,
    Organisation,
    User,
)
from alignment.outbox import Outbox
from alignment.weeks import months_before

logger = logging.getLogger(__name__)

FORMER_MEMBER = "Former member"
PLACEHOLDER_DOMAIN = "erased.invalid"  # .invalid is reserved (RFC 2606): no mail is ever delivered there
BATCH = 50  # accounts per run of the daily erasure; the rest wait for the next run


def placeholder_email(person_id: int) -> str:
    """The address an erased account keeps: unique, and nobody's."""
    return f"erased-{person_id}@{PLACEHOLDER_DOMAIN}"


# The registry ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ErasureSubject:
    """Whose data is being erased: the account as it was (its address and name), and the placeholders."""

    person: User
    email: str
    name: str
    now: datetime

    @property
    def placeholder(self) -> str:
        return placeholder_email(self.person.pk)

    def _patterns(self) -> list[tuple[re.Pattern, str]]:
        patterns = [(re.compile(re.escape(self.email), re.IGNORECASE), self.placeholder)]
        if self.name and self.name != FORMER_MEMBER:
            # The name as a word of its own: "Erin" goes from "Erin left", not from "Erinna" or "erin@elsewhere".
            patterns.append((re.compile(rf"(?<![\w@.]){re.escape(self.name)}(?![\w@])", re.IGNORECASE),
                             FORMER_MEMBER))
        return patterns

    def scrub(self, value):
        """`value` (text, or JSON: lists and dicts of text) with their address and name replaced by the placeholders."""
        if isinstance(value, str):
            for pattern, replacement in self._patterns():
                value = pattern.sub(replacement, value)
            return value
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: self.scrub(item) for key, item in value.items()}
        return value

    def naming_them(self, fields: list[str]) -> Q:
        """Rows whose `fields` (annotated as text by `scrub_rows`) hold their address or name: a first, wide filter."""
        wanted = Q()
        for name in fields:
            wanted |= Q(**{f"_{name}_text__icontains": self.email})
            if self.name:
                wanted |= Q(**{f"_{name}_text__icontains": self.name})
        return wanted


def scrub_rows(queryset: QuerySet, fields: list[str], subject: ErasureSubject) -> int:
    """Replace the person's address and name in `fields` of the rows of `queryset` that hold them; how many changed.

    For text written by the app about them (a notice "Erin left Platform", a hand-over's reason), never for what
    other people wrote in their own words. JSON fields are scrubbed value by value and stay JSON.
    """
    texts = {f"_{name}_text": Cast(name, TextField()) for name in fields}
    rows = list(queryset.annotate(**texts).filter(subject.naming_them(fields)).order_by("pk"))
    changed = []
    for row in rows:
        before = [getattr(row, name) for name in fields]
        for name in fields:
            setattr(row, name, subject.scrub(getattr(row, name)))
        if [getattr(row, name) for name in fields] != before:
            changed.append(row)
    if changed:
        queryset.model._base_manager.bulk_update(changed, fields, batch_size=500)
    return len(changed)


Erase = Callable[[ErasureSubject], dict[str, int]]
_erasers: dict[str, Erase] = {}


def register_eraser(name: str, erase: Erase) -> None:
    """Add a feature's part of erasing a person: `erase(subject)` returns what it did, counted by noun."""
    _erasers.setdefault(name, erase)


# Asking and cancelling -------------------------------------------------------------------------------------------

EMAIL_ERASURE_NOTICE = "alignment.tasks.email_erasure_notice"
NOTICE_OUTBOX = Outbox(lease=timedelta(minutes=10), grace=timedelta(minutes=2),
                       backoff=(timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)))


@dataclass(frozen=True)
class DeletionStatus:
    """The "Delete my account" part of the profile page."""

    erase_after: datetime | None
    held_because: str = ""  # why the last run held the deletion back, when it did
    grace_days: int = 14

    @property
    def scheduled(self) -> bool:
        return self.erase_after is not None


def deletion_status(person: User) -> DeletionStatus:
    """What the profile says of the person's account deletion (1 query when one is scheduled, else none)."""
    held = ""
    if person.erase_after is not None:
        notice = (ErasureNotice.objects.filter(person=person, recipient=person, kind=ErasureNotice.Kind.HELD,
                                               created_at__gte=person.erase_after).order_by("-created_at").first())
        held = notice.reason if notice else ""
    return DeletionStatus(erase_after=person.erase_after, held_because=held,
                          grace_days=settings.ACCOUNT_DELETION_GRACE_DAYS)


def _other_organisations(person: User, organisation: Organisation) -> list[str]:
    """The organisations other than `organisation` that count `person` among their people (1 query)."""
    return list(Organisation.objects.exclude(pk=organisation.pk).filter(
        Q(teams__memberships__user=person) | Q(admins=person) | Q(teams__invitations__accepted_by=person))
        .distinct().order_by("name").values_list("name", flat=True))


def refusal_to_schedule(*, person: User, actor: User, organisation: Organisation | None = None) -> str:
    """Why `actor` may not schedule `person`'s deletion, in their words; empty when they may.

    An organisation's admin decides only for someone whose whole account is theirs to answer for: someone that no
    other organisation counts among its people (now in a team or an admin there, or once joined one of its teams).
    """
    if person.is_erased:
        return "This account is already erased."
    if person.erase_after is not None:
        return f"{person.name}'s account is already to be deleted after {person.erase_after:%-d %B %Y}."
    if organisation is None:
        return ""
    if person.pk == actor.pk:
        return "To delete your own account, use your profile page."
    if others := _other_organisations(person, organisation):
        return (f"{person.name} is also in {', '.join(others)}, so their account is not {organisation.name}'s "
                f"alone to delete. Deactivate them here instead; they, or the site's staff, can delete the account.")
    return ""


def _organisations_of(person: User) -> list[Organisation]:
    return list(Organisation.objects.filter(Q(teams__memberships__user=person) | Q(admins=person))
                .distinct().order_by("pk"))


def _record_each(kind: AuditKind, organisations: list[Organisation] | list[None], **event) -> None:
    """One event in each organisation's trail (so each one's admins read it), or one of no organisation."""
    for organisation in organisations or [None]:
        audit.record(kind, organisation=organisation, **event)


def schedule_erasure(*, person: User, actor: User, organisation: Organisation | None = None,
                     now: datetime | None = None) -> datetime:
    """Schedule `person`'s account to be erased after the grace period; tell them by e-mail. When it will be.

    `organisation` is the organisation whose admin asks (People); the person themselves and the site's staff
    pass none. Refused, in the asker's words, by `refusal_to_schedule`.
    """
    now = now or timezone.now()
    erase_after = now + timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)
    with transaction.atomic():
        if refusal := refusal_to_schedule(person=person, actor=actor, organisation=organisation):
            raise ActionRefused(refusal)
        # Compare-and-set: two requests at once schedule it once.
        if not User.objects.filter(pk=person.pk, erase_after__isnull=True, erased_at__isnull=True).update(
                erase_after=erase_after):
            raise ActionRefused(f"{person.name}'s account is already to be deleted, or already erased.")
        person.erase_after = erase_after
        notice = ErasureNotice.objects.create(person=person, recipient=person, kind=ErasureNotice.Kind.SCHEDULED,
                                              key=erase_after.isoformat(), erase_after=erase_after)
        by = ("themselves" if actor.pk == person.pk else
              f"an admin of {organisation.name} ({actor.email})" if organisation else f"the site's staff ({actor.email})")
        _record_each(AuditKind.ACCOUNT_ERASURE_SCHEDULED, [organisation] if organisation else _organisations_of(person),
                     actor=actor, summary=f"Deletion of {person.email}'s account scheduled by {by} for after "
                                          f"{erase_after:%Y-%m-%d %H:%M} UTC",
                     changes={"person": person.email, "erase_after": erase_after})
        task_queue.after_commit(EMAIL_ERASURE_NOTICE, [notice.pk])
    return erase_after


def cancel_erasure(*, person: User, actor: User) -> None:
    """Call off a scheduled deletion (the person, from their profile page, or the site's staff)."""
    with transaction.atomic():
        if not User.objects.filter(pk=person.pk, erase_after__isnull=False, erased_at__isnull=True).update(
                erase_after=None):
            raise ActionRefused("No deletion of this account is scheduled." if actor.pk != person.pk else
                                "No deletion of your account is scheduled.")
        was = person.erase_after
        person.erase_after = None
        by = "themselves" if actor.pk == person.pk else f"the site's staff ({actor.email})"
        _record_each(AuditKind.ACCOUNT_ERASURE_CANCELLED, _organisations_of(person), actor=actor,
                     summary=f"Deletion of {person.email}'s account cancelled by {by}",
                     changes={"person": person.email, "erase_after": [was, None]})


# Erasing ---------------------------------------------------------------------------------------------------------

@dataclass
class ErasureCounts:
    erased: int = 0
    held: int = 0  # an organisation refused to let them go: tried again tomorrow
    skipped: int = 0  # cancelled, or erased by another run, meanwhile
    failed: int = 0


def due(now: datetime) -> QuerySet:
    """Accounts whose deletion moment has come and that are not erased yet (the index `user_erasure_due`)."""
    return User.objects.filter(erase_after__lte=now, erased_at__isnull=True)


def erase_due(*, now: datetime | None = None, batch: int = BATCH) -> ErasureCounts:
    """Erase the accounts whose moment has come, a batch a run, each in its own transaction; the counts."""
    now = now or timezone.now()
    counts = ErasureCounts()
    for person_id in due(now).order_by("erase_after", "pk").values_list("pk", flat=True)[:batch]:
        try:
            outcome = erase_account(person_id, now=now)
        except Exception:
            logger.exception("account erasure: account %s failed; the next run tries again", person_id)
            counts.failed += 1
            continue
        setattr(counts, outcome, getattr(counts, outcome) + 1)
    logger.info("account erasure: %s", counts)
    return counts


class _HeldBack(Exception):
    def __init__(self, refusals: list[services.Refusal]):
        self.refusals = refusals


def erase_account(person_id: int, *, now: datetime | None = None) -> str:
    """Erase one account whose moment has come, in one transaction: "erased", "held" or "skipped"."""
    now = now or timezone.now()
    person = due(now).filter(pk=person_id).first()
    if person is None:
        return "skipped"
    subject = ErasureSubject(person=person, email=person.email, name=person.name, now=now)
    organisations = _organisations_of(person)
    try:
        with transaction.atomic():
            if refusals := services.deactivate_everywhere(person=person, actor=None):
                raise _HeldBack(refusals)  # undo the organisations that did let them go: all or nothing
            done: dict[str, int] = {}
            for name, erase in [*_erasers.items(), ("account", erase_core)]:
                for noun, count in (erase(subject) or {}).items():
                    done[f"{name}: {noun}"] = count
            # Compare-and-set, last: cancelled or erased by another run meanwhile, nothing of this stays.
            if not erase_personal_fields(subject):
                transaction.set_rollback(True)
                return "skipped"
            _record_each(AuditKind.ACCOUNT_ERASED, organisations, actor=None,
                         summary=f"Account {subject.placeholder} erased: personal data deleted, contributions kept "
                                 f"as “{FORMER_MEMBER}”",
                         changes={"person": subject.placeholder, "done": {k: v for k, v in done.items() if v}})
    except _HeldBack as held:
        hold_back(person=person, refusals=held.refusals, now=now)
        return "held"
    return "erased"


def erase_personal_fields(subject: ErasureSubject) -> bool:
    """The account itself: placeholder address, "Former member", no password, preferences reset, switched off."""
    person = subject.person
    person.set_unusable_password()
    claimed = User.objects.filter(pk=person.pk, erase_after__lte=subject.now, erased_at__isnull=True).update(
        email=subject.placeholder, display_name=FORMER_MEMBER, password=person.password, time_zone="UTC",
        reminders_snoozed_until=None, quiet_hours_start=None, quiet_hours_end=None, is_active=False,
        is_staff=False, is_superuser=False, last_login=None, erased_at=subject.now)
    if claimed:
        person.groups.clear()
        person.user_permissions.clear()
    return bool(claimed)


def erase_core(subject: ErasureSubject) -> dict[str, int]:
    """The core's rows about the person: the audit trail, sessions, exports, invitations, notices, lockout, admin log,
    and allauth's (two-factor methods, identity provider links, addresses, session records)."""
    person = subject.person
    email = subject.email
    data_exports, _ = DataExport.objects.filter(Q(person=person) | Q(requested_by=person)).delete()
    notices, _ = ErasureNotice.objects.filter(Q(person=person) | Q(recipient=person)).delete()
    deactivations, _ = Deactivation.objects.filter(person=person).delete()
    Invitation.objects.pending().filter(email__iexact=email).update(revoked_at=subject.now)
    invitations = Invitation.objects.filter(email__iexact=email).update(email=subject.placeholder)
    lockout = sum(model.objects.filter(username__iexact=email).delete()[0]
                  for model in (AccessAttempt, AccessLog, AccessFailureLog))
    # allauth's rows: sign-in methods (secrets and passkeys), links to identity providers (with what they said
    # about the person), the addresses it knew, the sessions it listed.
    methods, _ = Authenticator.objects.filter(user=person).delete()
    links, _ = SocialAccount.objects.filter(user=person).delete()
    addresses, _ = EmailAddress.objects.filter(user=person).delete()
    session_records, _ = UserSession.objects.filter(user=person).delete()
    user_type = ContentType.objects.get_for_model(User)
    admin_log = LogEntry.objects.filter(content_type=user_type, object_id=str(person.pk)).update(
        object_repr=FORMER_MEMBER)
    admin_log += scrub_rows(LogEntry.objects.exclude(content_type=user_type, object_id=str(person.pk)),
                            ["object_repr", "change_message"], subject)
    return {"audit event": erase_from_audit_trail(subject), "session": services.end_sessions(person),
            "data export": data_exports, "notice": notices, "deactivation record": deactivations,
            "invitation": invitations, "sign-in record": lockout, "admin log entry": admin_log,
            "sign-in method": methods, "identity provider link": links, "e-mail address record": addresses,
            "session record": session_records}


def erase_from_audit_trail(subject: ErasureSubject) -> int:
    """Events keep what happened, without the person: where they acted (or their address was tried), the
    placeholder and no address or browser; wherever their address or name is written, the placeholders."""
    texts = {"_summary_text": Cast("summary", TextField()), "_changes_text": Cast("changes", TextField())}
    theirs = Q(actor=subject.person) | Q(actor_email__iexact=subject.email)
    events = list(AuditEvent.objects.annotate(**texts).filter(theirs | subject.naming_them(["summary", "changes"]))
                  .annotate(theirs=ExpressionWrapper(theirs, output_field=BooleanField())).order_by("pk"))
    if not events:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The trigger (migration 0020) lets this transaction, and only it, take the person out of events.
            cursor.execute("SET LOCAL charter.audit_erasure = 'on'")
    for event in events:
        values = {"summary": subject.scrub(event.summary), "changes": subject.scrub(event.changes)}
        if event.theirs:
            values |= {"actor_email": subject.placeholder, "ip_address": None, "user_agent": ""}
        # The base manager: the default one refuses to change an event.
        AuditEvent._base_manager.filter(pk=event.pk).update(**values)
    return len(events)


def hold_back(*, person: User, refusals: list[services.Refusal], now: datetime) -> None:
    """An organisation would not let the person go: record why and tell them and its admins, once per reason."""
    with transaction.atomic():
        queued = []
        for refusal in refusals:
            organisation = refusal.organisation
            key = hashlib.sha256(f"{organisation.pk}:{refusal.reason}".encode()).hexdigest()
            recipients = [person, *organisation.admins.exclude(pk=person.pk).filter(is_active=True).order_by("pk")]
            told = False
            for recipient in recipients:
                notice, created = ErasureNotice.objects.get_or_create(
                    person=person, recipient=recipient, kind=ErasureNotice.Kind.HELD, key=key,
                    defaults={"reason": str(refusal), "erase_after": person.erase_after, "created_at": now})
                if created:
                    queued.append(notice.pk)
                    told = True
            if told:
                audit.record(AuditKind.ACCOUNT_ERASURE_HELD, organisation=organisation, actor=None,
                             summary=f"Deletion of {person.email}'s account held back: {refusal.reason}"[:300],
                             changes={"person": person.email, "reason": refusal.reason})
        logger.info("account erasure: account %s held back (%s)", person.pk, "; ".join(refusals))
        task_queue.after_commit(EMAIL_ERASURE_NOTICE, queued)


# The notices' e-mails --------------------------------------------------------------------------------------------

def email_notice(notice_id: int, *, now: datetime | None = None) -> bool:
    """E-mail a deletion notice once, however often asked; True if this call sent it.

    A "scheduled" notice whose deletion was cancelled (or moved) since is marked done without a send.
    """
    now = now or timezone.now()
    notice = (ErasureNotice.objects.select_related("person", "recipient")
              .filter(pk=notice_id, email_sent_at__isnull=True).first())
    if notice is None:
        return False
    if notice.person.is_erased or (notice.kind == ErasureNotice.Kind.SCHEDULED
                                   and notice.person.erase_after != notice.erase_after):
        ErasureNotice.objects.filter(pk=notice.pk, email_sent_at__isnull=True).update(
            email_sent_at=timezone.now(), email_lease_until=None)  # stale: done, nothing to say
        return False
    return NOTICE_OUTBOX.send_once(notice, lambda: _message(notice), now)


def _message(notice: ErasureNotice) -> EmailMultiAlternatives:
    kind = f"account_erasure_{notice.kind}"
    context = {"notice": notice, "person": notice.person, "recipient": notice.recipient,
               "theirs": notice.person_id == notice.recipient_id,
               "profile_url": settings.SITE_URL + reverse("profile") + "#delete-account"}
    message = EmailMultiAlternatives(
        subject=render_to_string(f"emails/{kind}-subject.txt", context).strip(),
        body=render_to_string(f"emails/{kind}-body.txt", context), to=[notice.recipient.email])
    message.attach_alternative(render_to_string(f"emails/{kind}-body.html", context), "text/html")
    return message


def queue_unsent_notices(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue every deletion notice decided and not sent (a lost task, or a failed try due again); how many."""
    now = now or timezone.now()
    unsent = ErasureNotice.objects.filter(email_sent_at__isnull=True)
    ids = list(NOTICE_OUTBOX.waiting(unsent, now, decided="created_at").order_by("created_at")
               .values_list("pk", flat=True)[:limit])
    task_queue.now(EMAIL_ERASURE_NOTICE, ids)
    return len(ids)


# Check-in words retention ------------------------------------------------------------------------------------------

# `erase(organisation_id, cutoff)`: blank the words older than `cutoff` (by the app's own rule); how many rows.
EraseWords = Callable[[int, datetime], int]
_words_retention: dict[str, EraseWords] = {}


def register_words_retention(name: str, erase: EraseWords) -> None:
    """Add a feature's part of the words retention (reviews: check-ins of cycles closed before the cut-off)."""
    _words_retention.setdefault(name, erase)


@dataclass
class WordsCounts:
    rows: int = 0
    organisations: dict[str, int] = field(default_factory=dict)  # organisation slug → rows blanked


def erase_expired_words(*, now: datetime | None = None) -> WordsCounts:
    """For each organisation keeping check-in words a number of months, blank what is older; idempotent."""
    now = now or timezone.now()
    counts = WordsCounts()
    keeping = (Organisation.objects.filter(checkin_words_retention_months__isnull=False)
               .values_list("pk", "slug", "checkin_words_retention_months").order_by("pk"))
    for organisation_id, slug, months in keeping:
        cutoff = months_before(now, months)
        rows = sum(erase(organisation_id, cutoff) for erase in _words_retention.values())
        if rows:
            counts.rows += rows
            counts.organisations[slug] = rows
            with transaction.atomic():
                audit.record(AuditKind.CHECKIN_WORDS_ERASED, organisation=Organisation(pk=organisation_id), actor=None,
                             summary=f"Words of {rows} check-in row(s) in cycles closed more than {months} months "
                                     f"ago blanked", changes={"rows": rows, "closed_before": cutoff})
            logger.info("check-in words retention: %s blanked %d row(s) before %s", slug, rows, cutoff.date())
    return counts
