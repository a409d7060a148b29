"""Importing a file once its preview is confirmed, and preparing an organisation's export.

Imports write through the services that write the same things by hand, so the rules hold as they do on
the pages: goals and key results go into the team's working copy of the charter through
`charters.services.add_item`/`update_item` (a new amendment, or a first draft, is started when the team
has none), so what the team consents to is what it reads; readings through `charters.services.record_progress`.
Check-ins of past weeks have no service (the check-in form refuses a week that has ended), so they are
written here, as submitted on time, notifying nobody.

Every import confirmation locks the team, then the charter (the order in `charters/locks.py`), reads the
world again and plans the file anew: a change since the preview that a row now contradicts refuses the
whole file, in words, and nothing is written. The uploaded file's row is claimed first, so a second
confirmation (a double click, a second tab) writes nothing.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime, timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from alignment import audit, task_queue
from alignment.data_export import BUILD_BACKOFF, BUILD_LEASE, GRACE
from alignment.errors import ActionRefused
from alignment.locks import lock_team
from alignment.models import AuditKind, Organisation, Team
from charters import services as charters
from charters.locks import lock_charter
from charters.models import Charter, KeyResultProgress
from checkins.models import CheckIn
from notifications import services as notifications
from transfer import organisation_json, plans
from transfer.formats import FORMATS, ImportKind
from transfer.models import OrganisationExport, SpreadsheetImport
from transfer.sheets import Row, read

IMPORT_PREVIEW_KEPT = timedelta(days=1)
CHANGED_MEANWHILE = ("Nothing was imported: a row does not hold, or no longer holds since the preview. The preview "
                     "below shows where the file stands now.")


# Uploading and previewing ---------------------------------------------------------------------------------

def upload(*, team: Team, actor, kind: str, upload_file) -> SpreadsheetImport:
    """Read an uploaded file into rows, kept for its preview; `sheets.Unreadable` says why a file is refused.

    Previews nobody confirmed within a day are deleted on the way (they may hold people's words).
    """
    rows = read(upload_file, FORMATS[kind])
    with transaction.atomic():
        SpreadsheetImport.objects.filter(applied_at__isnull=True,
                                         uploaded_at__lt=timezone.now() - IMPORT_PREVIEW_KEPT).delete()
        return SpreadsheetImport.objects.create(
            team=team, kind=kind, uploaded_by=actor, file_name=(upload_file.name or "upload")[:200],
            rows=[[row.number, row.cells, row.errors] for row in rows])


def rows_of(spreadsheet_import: SpreadsheetImport) -> list[Row]:
    return [Row(number=number, cells=cells, errors=list(errors)) for number, cells, errors in spreadsheet_import.rows]


def preview(spreadsheet_import: SpreadsheetImport) -> plans.Plan:
    """What confirming would do now (the queries of its kind's loader, and its forms')."""
    return _plan(spreadsheet_import.team, spreadsheet_import.kind, rows_of(spreadsheet_import))


def _plan(team: Team, kind: str, rows: list[Row]) -> plans.Plan:
    if kind == ImportKind.GOALS:
        return plans.plan_goals(rows, plans.load_goals(team))
    if kind == ImportKind.KEY_RESULT_HISTORY:
        return plans.plan_history(rows, plans.load_history(team, rows))
    return plans.plan_checkins(rows, plans.load_checkins(team, rows))


class ImportRefused(ActionRefused):
    """Nothing of the file was written; `plan` is where it stands now, for the preview to show again."""

    def __init__(self, message: str, plan: plans.Plan | None = None):
        super().__init__(message)
        self.plan = plan


# Confirming ---------------------------------------------------------------------------------------------------

def apply_import(*, spreadsheet_import: SpreadsheetImport, actor) -> dict[str, int]:
    """Write a previewed file, all of it or nothing, once; what it did, counted ("goal add": 2, …).

    Refused (`ImportRefused`) when the file was imported already, or when a row no longer holds.
    """
    team, kind = spreadsheet_import.team, spreadsheet_import.kind
    rows = rows_of(spreadsheet_import)
    with transaction.atomic():
        claimed = SpreadsheetImport.objects.filter(pk=spreadsheet_import.pk, applied_at__isnull=True).update(
            applied_at=timezone.now())
        if not claimed:
            raise ImportRefused("This file was imported already: importing it again changes nothing.")
        if lock_team(team.pk) is None:
            raise ImportRefused("This team no longer exists.")
        if kind == ImportKind.GOALS:
            plan = _apply_goals(team, rows, actor)
        elif kind == ImportKind.KEY_RESULT_HISTORY:
            plan = _apply_history(team, rows, actor)
        else:
            plan = _apply_checkins(team, rows)
        counts = plan.counts()
        SpreadsheetImport.objects.filter(pk=spreadsheet_import.pk).update(rows=[], outcome=counts)
        audit.record(AuditKind.DATA_IMPORTED, team=team, actor=actor,
                     summary=f"{spreadsheet_import.get_kind_display()} imported from “{spreadsheet_import.file_name}”",
                     changes={"kind": kind, **counts})
    return counts


def _refuse_if_broken(plan: plans.Plan) -> None:
    if plan.errors:
        raise ImportRefused(CHANGED_MEANWHILE, plan)


def _apply_goals(team: Team, rows: list[Row], actor) -> plans.Plan:
    context = plans.load_goals(team)
    if context.charter is not None and context.charter.is_editable:
        lock_charter(context.charter.pk)  # after the team's, as everywhere; a version in force never changes
        context = plans.load_goals(team)  # as it is under the lock
    plan = plans.plan_goals(rows, context)
    _refuse_if_broken(plan)
    if not plan.changes:
        return plan  # no amendment is started for a file that changes nothing
    if context.needs_working_copy:
        if context.charter is None:
            charters.start_charter(team=team, actor=actor)
        else:
            charters.start_amendment(team=team, actor=actor, note="Goals and key results imported from a spreadsheet.")
        context = plans.load_goals(team)  # the new working copy, with the goals the amendment copied
        plan = plans.plan_goals(rows, context)
        _refuse_if_broken(plan)
    charter = context.charter
    goals = {}
    for step in plan.steps:
        if step.what != "goal":
            continue
        goals[step.external_id] = step.item
        if step.action == plans.ADD:
            step.item.charter = charter
            step.item.external_id = step.external_id
            charters.add_item(charter=charter, item=step.item, actor=actor)
        elif step.action == plans.UPDATE:
            charters.update_item(charter=charter, item=step.item, expected_version=step.expected_version, actor=actor)
    for step in plan.steps:
        if step.what != "key result":
            continue
        if step.action == plans.ADD:
            step.item.goal = goals.get(step.goal_id) or context.goals[step.goal_id]
            step.item.external_id = step.external_id
            charters.add_item(charter=charter, item=step.item, actor=actor)
        elif step.action == plans.UPDATE:
            charters.update_item(charter=charter, item=step.item, expected_version=step.expected_version, actor=actor)
    return plan


def _apply_history(team: Team, rows: list[Row], actor) -> plans.Plan:
    in_force = Charter.objects.active_for(team)
    if in_force is not None:
        lock_charter(in_force.pk)
    plan = plans.plan_history(rows, plans.load_history(team, rows))
    if plan.refusal:
        raise ImportRefused(plan.refusal, plan)
    _refuse_if_broken(plan)
    for step in plan.changes:
        reading = step.item
        recorded = charters.record_progress(
            key_result=reading.key_result, actor=actor, value=reading.value, confidence=reading.confidence,
            note=reading.note, source=KeyResultProgress.Source.DIRECT, recorded_at=reading.recorded_at)
        KeyResultProgress.objects.filter(pk=recorded.pk).update(external_id=step.external_id)
    return plan


def _apply_checkins(team: Team, rows: list[Row]) -> plans.Plan:
    plan = plans.plan_checkins(rows, plans.load_checkins(team, rows))
    _refuse_if_broken(plan)
    now = timezone.now()
    added = [step.item for step in plan.changes if step.action == plans.ADD]
    updated = [step.item for step in plan.changes if step.action == plans.UPDATE]
    for checkin in added:
        checkin.created_at = checkin.updated_at = now
    for checkin in updated:
        checkin.updated_at, checkin.version = now, checkin.version + 1
    try:
        with transaction.atomic():
            CheckIn.objects.bulk_create(added)
    except IntegrityError:  # a check-in of one of these weeks was written meanwhile (imports lock the team first)
        raise ImportRefused(CHANGED_MEANWHILE, plans.plan_checkins(rows, plans.load_checkins(team, rows))) from None
    CheckIn.objects.bulk_update(updated, [*plans.CHECKIN_FIELDS, "updated_at", "version"])
    return plan


# The whole organisation as JSON -----------------------------------------------------------------------------

BUILD_ORGANISATION_EXPORT = "transfer.tasks.build_organisation_export"
EXPORT_READY = "organisation_export_ready"  # the notification kind (transfer/apps.py)
ALREADY_PREPARING = "An export of the organisation is already being prepared: we'll e-mail you when it is ready."


def latest_export(organisation: Organisation, admin) -> OrganisationExport | None:
    """The latest export this admin asked for in the organisation, without its file (1 query)."""
    return (OrganisationExport.objects.filter(organisation=organisation, requested_by=admin).defer("archive")
            .order_by("-created_at", "-pk").first())


def is_stuck(export: OrganisationExport, now: datetime) -> bool:
    """Still being prepared long after its task should have run: lost with a worker or the broker."""
    return export.is_pending and export.created_at <= now - GRACE and (
        export.build_lease_until is None or export.build_lease_until <= now)


def request_organisation_export(*, organisation: Organisation, actor,
                                now: datetime | None = None) -> OrganisationExport:
    """Ask for the organisation as JSON, built after commit; the link is then e-mailed to `actor`.

    One at a time per admin: asking while one is being prepared is refused, unless it is stuck, when its
    build is queued again. Expired files are deleted on the way.
    """
    now = now or timezone.now()
    with transaction.atomic():
        purge_expired(now=now)
        pending = (OrganisationExport.objects.select_for_update().defer("archive")
                   .filter(organisation=organisation, requested_by=actor, state=OrganisationExport.State.PENDING)
                   .first())
        if pending is not None:
            if not is_stuck(pending, now):
                raise ActionRefused(ALREADY_PREPARING)
            task_queue.after_commit(BUILD_ORGANISATION_EXPORT, [pending.pk])
            return pending
        try:
            with transaction.atomic():
                export = OrganisationExport.objects.create(organisation=organisation, requested_by=actor,
                                                           created_at=now)
        except IntegrityError:  # asked twice at once: the other request's export is being prepared
            raise ActionRefused(ALREADY_PREPARING) from None
        audit.record(AuditKind.DATA_EXPORT_REQUESTED, organisation=organisation, actor=actor,
                     summary=f"Export of the whole organisation {organisation.name} requested by {actor.email}",
                     changes={"organisation_export": export.pk})
        task_queue.after_commit(BUILD_ORGANISATION_EXPORT, [export.pk])
    return export


def _build_free(now: datetime) -> Q:
    return (Q(build_lease_until__isnull=True) | Q(build_lease_until__lte=now)) & Q(
        build_attempts__lt=len(BUILD_BACKOFF) + 1)


def build_organisation_export(export_id: int, *, now: datetime | None = None) -> bool:
    """Build the JSON of a pending export once and tell whoever asked; True if this call built it.

    Claimed first (compare-and-set on a row nobody holds), as "Download my data" builds: two runs build
    once, a worker that dies mid-build lets go when the lease passes, a failed build waits before its next
    try and, after the last, marks the export failed so the admin may ask again. The notice (its e-mail
    carries the link) is written in the transaction that marks it ready: told once (`notifications.deliver`).
    """
    now = now or timezone.now()
    pending = OrganisationExport.objects.filter(pk=export_id, state=OrganisationExport.State.PENDING)
    if not pending.filter(_build_free(now)).update(build_lease_until=now + BUILD_LEASE,
                                                   build_attempts=F("build_attempts") + 1):
        return False
    export = (OrganisationExport.objects.defer("archive").select_related("organisation", "requested_by")
              .get(pk=export_id))
    try:
        document = organisation_json.build(export.organisation, now=now)
        archive = gzip.compress(json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode(),
                                mtime=0)
    except Exception:
        attempts = export.build_attempts
        retry = now + BUILD_BACKOFF[attempts - 1] if attempts <= len(BUILD_BACKOFF) else None
        pending.update(build_lease_until=retry, **({} if retry else {"state": OrganisationExport.State.FAILED}))
        raise
    ready = timezone.now()
    expires = ready + timedelta(days=settings.DATA_EXPORT_VALID_DAYS)
    with transaction.atomic():
        built = pending.update(state=OrganisationExport.State.READY, archive=archive, archive_size=len(archive),
                               ready_at=ready, expires_at=expires, build_lease_until=None)
        if built:
            organisation = export.organisation
            notifications.deliver(
                recipient=export.requested_by, kind=EXPORT_READY, key=f"organisation-export-{export.pk}",
                subject=f"The export of {organisation.name} is ready",
                body=(f"The whole of {organisation.name} as JSON, as you asked. The link works until "
                      f"{timezone.localtime(expires):%d %b %Y}, for you alone, signed in."),
                url=download_url(export))
    return bool(built)


def download_url(export: OrganisationExport) -> str:
    return reverse("transfer:organisation_export_download", args=[export.organisation.slug, export.pk])


def queue_unfinished(*, now: datetime | None = None, limit: int = 100) -> int:
    """Queue the builds whose task was lost or whose failed try is due again; how many (for a sweep)."""
    now = now or timezone.now()
    due = list(OrganisationExport.objects.filter(state=OrganisationExport.State.PENDING, created_at__lte=now - GRACE)
               .filter(_build_free(now)).order_by("created_at").values_list("pk", flat=True)[:limit])
    task_queue.now(BUILD_ORGANISATION_EXPORT, due)
    return len(due)


def purge_expired(*, now: datetime | None = None) -> int:
    """Delete the files whose link has expired; the rows stay, saying an export was made. How many."""
    now = now or timezone.now()
    return OrganisationExport.objects.filter(expires_at__lte=now, archive_size__gt=0).update(archive=None,
                                                                                               archive_size=0)


def find_download(*, organisation: Organisation, export_id: int, user, now: datetime | None = None):
    """The export with its file if `user` asked for it, still runs the organisation and the link has not
    expired; else None (the view's 404: a forwarded link is no use to anyone else)."""
    now = now or timezone.now()
    export = OrganisationExport.objects.filter(pk=export_id, organisation=organisation, requested_by=user.pk).first()
    if export is None or not export.is_downloadable(now) or not organisation.admins.filter(pk=user.pk).exists():
        return None
    return export


def record_download(*, export: OrganisationExport, actor) -> None:
    with transaction.atomic():
        OrganisationExport.objects.filter(pk=export.pk).update(downloaded_at=timezone.now())
        audit.record(AuditKind.DATA_EXPORT_DOWNLOADED, organisation=export.organisation, actor=actor,
                     summary=f"Export of the whole organisation {export.organisation.name} downloaded by {actor.email}",
                     changes={"organisation_export": export.pk})


def file_name(export: OrganisationExport) -> str:
    return f"charter-{export.organisation.slug}-{export.ready_at:%Y-%m-%d}.json"


def unzipped(export: OrganisationExport) -> bytes:
    return gzip.decompress(bytes(export.archive))
