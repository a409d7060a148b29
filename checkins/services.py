"""Writing, submitting and answering check-ins: keyword-only functions that own their transaction."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from alignment.errors import ActionRefused, ConcurrentEditError
from alignment.permissions import ARCHIVED_REFUSAL
from alignment.weeks import TeamWeek
from charters.locks import lock_charter
from charters.models import Charter, KeyResultProgress, NonNegotiable
from charters.services import record_progress
from checkins.forms import BlockerRow, KeyResultEntry
from checkins.locks import lock_blocker, lock_checkin
from checkins.models import Blocker, CheckIn, KeyResultUpdate

ALREADY_SUBMITTED = "This check-in is already submitted; press “Update check-in” to change it."


def save_draft(*, team, author, week: TeamWeek, expected_version: int, progress: str, highlights: str, load: str,
               strained_non_negotiable: NonNegotiable | None, strain_note: str, boundary_question: str,
               blockers: list[BlockerRow], key_results: list[KeyResultEntry],
               now: datetime | None = None) -> CheckIn:
    """Save what the person has typed so far; the check-in stays a draft.

    The first save creates the week's check-in; a second tab's first save meanwhile finds it
    (the unique constraint decides) and is a conflict, like any save from a stale version.
    """
    now = now or timezone.now()
    with transaction.atomic():
        checkin = _locked_for_writing(team=team, author=author, week=week, expected_version=expected_version, now=now)
        if checkin.is_submitted:
            raise ActionRefused(ALREADY_SUBMITTED)
        _write(checkin, now=now, progress=progress, highlights=highlights, load=load,
               strained_non_negotiable=strained_non_negotiable, strain_note=strain_note,
               boundary_question=boundary_question, blockers=blockers, key_results=key_results)
    return checkin


def submit_checkin(*, team, author, week: TeamWeek, expected_version: int, progress: str, highlights: str,
                   load: str, strained_non_negotiable: NonNegotiable | None, strain_note: str,
                   boundary_question: str, blockers: list[BlockerRow], key_results: list[KeyResultEntry],
                   now: datetime | None = None) -> CheckIn:
    """Submit the check-in, or update a submitted one until its week ends.

    The first submission after the team's check-in time is marked late. Key-result values are
    recorded as progress (source: this check-in) once each: an update re-records only what changed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The charter before the check-in, the project's lock order: recording progress locks it too.
        active = Charter.objects.active_for(team)
        if active is not None:
            lock_charter(active.pk)
        checkin = _locked_for_writing(team=team, author=author, week=week, expected_version=expected_version, now=now)
        if not checkin.is_submitted:
            checkin.state = CheckIn.State.SUBMITTED
            checkin.submitted_at = now
            checkin.is_late = checkin.is_late_at(now)
        _write(checkin, now=now, progress=progress, highlights=highlights, load=load,
               strained_non_negotiable=strained_non_negotiable, strain_note=strain_note,
               boundary_question=boundary_question, blockers=blockers, key_results=key_results,
               extra_fields=["state", "submitted_at", "is_late"])
        for update in checkin.key_result_updates.select_related("key_result"):
            if update.needs_recording:
                record_progress(key_result=update.key_result, actor=author, value=update.value,
                                confidence=update.confidence, source=KeyResultProgress.Source.CHECK_IN,
                                source_ref=checkin.pk, recorded_at=now)
                update.recorded_value, update.recorded_confidence = update.value, update.confidence
                update.save(update_fields=["recorded_value", "recorded_confidence"])
    return checkin


def resolve_blocker(*, blocker_id: int, team, actor, resolution: str, now: datetime | None = None) -> Blocker:
    """Mark a blocker resolved with a note; refused in words if someone resolved it first."""
    with transaction.atomic():
        blocker = lock_blocker(blocker_id, team=team)
        if blocker is None:
            raise ActionRefused("This blocker no longer exists: its check-in was removed.")
        if not blocker.is_open:
            who = blocker.resolved_by.name if blocker.resolved_by else "Someone"
            raise ActionRefused(f"{who} already resolved this blocker.")
        blocker.resolved_at, blocker.resolved_by, blocker.resolution = now or timezone.now(), actor, resolution
        blocker.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    return blocker


def _locked_for_writing(*, team, author, week: TeamWeek, expected_version: int, now: datetime) -> CheckIn:
    """The week's check-in, created if need be, locked, and checked: the week runs and nobody saved meanwhile."""
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    checkin = CheckIn.objects.filter(team=team, author=author, week=week.monday).first()
    if checkin is None:
        checkin = _create(team=team, author=author, week=week, now=now)
    refusal = checkin.refusal_to_edit(now)
    if refusal:
        raise ActionRefused(refusal)
    checkin = lock_checkin(checkin.pk)
    if checkin.version != expected_version:
        raise ConcurrentEditError(current=checkin)
    return checkin


def _create(*, team, author, week: TeamWeek, now: datetime) -> CheckIn:
    """Create the week's empty check-in, or find the one another tab created at the same moment."""
    try:
        with transaction.atomic():
            return CheckIn.objects.create(team=team, author=author, week=week.monday, created_at=now, updated_at=now)
    except IntegrityError:
        return CheckIn.objects.get(team=team, author=author, week=week.monday)


def _write(checkin: CheckIn, *, now: datetime, progress: str, highlights: str, load: str,
           strained_non_negotiable: NonNegotiable | None, strain_note: str, boundary_question: str,
           blockers: list[BlockerRow], key_results: list[KeyResultEntry], extra_fields=()) -> None:
    checkin.progress, checkin.highlights, checkin.load = progress, highlights, load
    checkin.strained_non_negotiable = strained_non_negotiable
    checkin.strain_note, checkin.boundary_question = strain_note, boundary_question
    checkin.version += 1
    checkin.updated_at = now
    checkin.save(update_fields=["progress", "highlights", "load", "strained_non_negotiable", "strain_note",
                                "boundary_question", "version", "updated_at", *extra_fields])
    _write_blockers(checkin, blockers, now=now)
    _write_key_results(checkin, key_results)


def _write_blockers(checkin: CheckIn, rows: list[BlockerRow], *, now: datetime) -> None:
    """Each form row is one open blocker: typed text updates it, a cleared row removes it."""
    open_by_row = {blocker.position: blocker for blocker in checkin.blockers.open()}
    for row in rows:
        blocker = open_by_row.get(row.position)
        if not row.what:
            if blocker is not None:
                blocker.delete()
            continue
        if blocker is None:
            Blocker.objects.create(check_in=checkin, position=row.position, what=row.what,
                                   who_could_help=row.who_could_help, goal=row.goal, opened_at=now)
        elif (blocker.what, blocker.who_could_help_id, blocker.goal_id) != (row.what, _pk(row.who_could_help),
                                                                              _pk(row.goal)):
            blocker.what, blocker.who_could_help, blocker.goal = row.what, row.who_could_help, row.goal
            blocker.save(update_fields=["what", "who_could_help", "goal"])


def _write_key_results(checkin: CheckIn, entries: list[KeyResultEntry]) -> None:
    saved = {update.key_result_id: update for update in checkin.key_result_updates.all()}
    for entry in entries:
        update = saved.get(entry.key_result.pk)
        if update is None:
            if entry.value is None and not entry.confidence:
                continue
            KeyResultUpdate.objects.create(check_in=checkin, key_result=entry.key_result, value=entry.value,
                                           confidence=entry.confidence)
        elif (update.value, update.confidence) != (entry.value, entry.confidence):
            update.value, update.confidence = entry.value, entry.confidence
            update.save(update_fields=["value", "confidence"])


def _pk(obj) -> int | None:
    return obj.pk if obj is not None else None
