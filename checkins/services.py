"""Writing, submitting and answering check-ins: keyword-only functions that own their transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from alignment.errors import ActionRefused, ConcurrentEditError
from alignment.locks import hold_team_row
from alignment.one_query import Read, read_together
from alignment.permissions import ARCHIVED_REFUSAL, Capability, people_who_may
from alignment.weeks import TeamWeek
from charters.locks import lock_charter_in_force
from charters.models import KeyResultProgress
from charters.services import record_progress
from checkins import signals, webhooks
from checkins.content import BlockerRow, CarriedBlocker, CheckInContent, KeyResultEntry
from checkins.locks import lock_blocker, lock_carried_blockers, lock_checkin, lock_commitment, lock_renegotiation
from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply, refusal_to_edit
from notifications import services as notifications

ALREADY_SUBMITTED = "This check-in is already submitted; press “Update check-in” to change it."

# A notification kind (registered in checkins/apps.py): a leader answered someone's check-in.
CHECKIN_REPLY = "checkin_reply"
COMMITMENT_REQUEST = "commitment_request"  # someone asks you to commit (a leader, or a hand-over)
RENEGOTIATION = "renegotiation"  # asked of the leaders, and answered to the owner
BLOCKER_NAMED = "blocker_named"  # who could help with a blocker (the leaders, when it names nobody)
BLOCKER_RESOLVED = "blocker_resolved"  # for whoever raised it and who could help, when another resolved it
COMMITMENT_OVERLOAD = "commitment_overload"  # for leaders: someone took a commitment on while overloaded


@dataclass(frozen=True)
class SavedDraft:
    """What a draft save tells the writer: the version their next save starts from, when it was saved, and the
    fingerprint of what it says beyond its words and load (`CheckInContent.fingerprint`)."""

    version: int
    updated_at: datetime
    fingerprint: str


def save_draft(*, team, author, week: TeamWeek, expected_version: int, content: CheckInContent,
               now: datetime | None = None, fingerprint: str | None = None) -> SavedDraft:
    """Save what the person has typed so far, if nobody saved the check-in since `expected_version`; it stays a draft.

    One compare-and-set write of the week's check-in: its version is bumped only if it is still
    `expected_version` and a draft. `fingerprint` is what the form was given with its version (what was
    saved then); when the content's own fingerprint is the same, the non-negotiable under strain, the
    blockers and the key-result values are as saved, and only the check-in's words and load are written.
    Otherwise those are written too, each blocker and key-result row only where it differs: the check-in's
    id, its open blockers and its key-result values are read together after the write (`_saved_rows`).

    The first save (`expected_version` 0: the form was drawn with no check-in) creates it at once; when a
    row is there after all (another tab's first save meanwhile, the unique constraint deciding), it is
    written as any other save. When no row was written, the check-in is read once to say why: a stale
    version is a conflict, a submitted check-in is refused.
    """
    now = now or timezone.now()
    refusal = ARCHIVED_REFUSAL if team.is_archived else refusal_to_edit(week, now)
    if refusal:
        raise ActionRefused(refusal)
    saved = SavedDraft(version=expected_version + 1, updated_at=now, fingerprint=content.fingerprint())
    # Beyond its words and load, it says what was saved: nothing it names by id is written (the view need
    # not have looked those ids up), not even when this first save creates the check-in.
    as_saved = saved.fingerprint == fingerprint
    values = _words_of(content) if as_saved else _values_of(content)
    if expected_version == 0 and _created(team=team, author=author, week=week, content=content, values=values,
                                          as_saved=as_saved, now=now):
        return saved
    written = {"team": team.pk, "author": author.pk, "week": week.monday, "expected_version": expected_version,
               "values": values, "now": now}
    if as_saved:
        if _compare_and_set(**written):
            return saved
    else:
        with transaction.atomic():  # the check-in's row lock first, then its rows
            if _compare_and_set(**written):
                checkin, blockers, updates = _saved_rows(team=team, author=author, week=week)
                _write_blockers(checkin, content.blockers, now=now, saved=blockers)
                _write_key_results(checkin, content.key_results, saved=updates)
                return saved
    current = CheckIn.objects.filter(team=team, author=author, week=week.monday).first()
    if current is None:  # removed while it was being written: a knowing second save writes it again
        raise ConcurrentEditError(current=CheckIn(team=team, author=author, week=week.monday))
    if current.version == expected_version and current.is_submitted:
        raise ActionRefused(ALREADY_SUBMITTED)
    raise ConcurrentEditError(current=current)  # saved from another tab or window meanwhile


def _compare_and_set(*, team: int, author: int, week: date, expected_version: int, values: dict,
                     now: datetime) -> bool:
    """Write `values` to the author's check-in of the week and bump its version, if it is still at
    `expected_version` and a draft: one UPDATE, whether it wrote a row. Its SQL is written once per set of fields
    (`_compare_and_set_sql`): building it through the ORM at every save cost a third of the write."""
    connection = connections[router.db_for_write(CheckIn)]
    fields = [CheckIn._meta.get_field(name) for name in values]
    params = [field.get_db_prep_save(_pk(value) if field.is_relation else value, connection)
              for field, value in zip(fields, values.values(), strict=True)]
    params += [CheckIn._meta.get_field("updated_at").get_db_prep_save(now, connection), team, author,
               CheckIn._meta.get_field("week").get_db_prep_save(week, connection), expected_version,
               CheckIn.State.DRAFT]
    with connection.cursor() as cursor:
        cursor.execute(_compare_and_set_sql(connection.alias, tuple(values)), params)
        return cursor.rowcount > 0


@cache
def _compare_and_set_sql(alias: str, names: tuple[str, ...]) -> str:
    """`UPDATE … SET <names>, version = version + 1, updated_at WHERE team, author, week, version, state`."""
    quote = connections[alias].ops.quote_name

    def column(name: str) -> str:
        return quote(CheckIn._meta.get_field(name).column)

    setting = ", ".join(f"{column(name)} = %s" for name in names)
    return (f"UPDATE {quote(CheckIn._meta.db_table)} SET {setting}, {column('version')} = {column('version')} + 1, "
            f"{column('updated_at')} = %s WHERE {column('team')} = %s AND {column('author')} = %s "
            f"AND {column('week')} = %s AND {column('version')} = %s AND {column('state')} = %s")


def _created(*, team, author, week: TeamWeek, content: CheckInContent, values: dict, as_saved: bool,
             now: datetime) -> bool:
    """The week's check-in created as saved at version 1, with its rows; False if it is there already (another
    tab's first save, the unique constraint deciding). Any other refusal of the database is raised."""
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(team=team, author=author, week=week.monday, version=1,
                                             created_at=now, updated_at=now, **values)
            if not as_saved:
                _write_blockers(checkin, content.blockers, now=now, saved=[])
                _write_key_results(checkin, content.key_results, saved=[])
    except IntegrityError:
        if not CheckIn.objects.filter(team=team, author=author, week=week.monday).exists():
            raise
        return False
    return True


def _saved_rows(*, team, author, week: TeamWeek) -> tuple[CheckIn, list[Blocker], list[KeyResultUpdate]]:
    """The check-in just written (its id and team), its open blockers and its key-result values, read together."""
    inputs = {"team": team.pk, "author": author.pk, "week": week.monday}
    (checkin,), blockers, updates = read_together([Read(_the_checkin, inputs), Read(_its_open_blockers, inputs),
                                                   Read(_its_key_result_updates, inputs)])
    return checkin, blockers, updates


def _the_checkin(team: int, author: int, week: date):
    """query: the author's check-in of the week, its id and team"""
    return CheckIn.objects.filter(team_id=team, author_id=author, week=week).only("pk", "team_id")


def _its_open_blockers(team: int, author: int, week: date):
    """query: the open blockers of the author's check-in of the week"""
    return Blocker.objects.open().filter(check_in__team_id=team, check_in__author_id=author, check_in__week=week)


def _its_key_result_updates(team: int, author: int, week: date):
    """query: the key-result values of the author's check-in of the week"""
    return KeyResultUpdate.objects.filter(check_in__team_id=team, check_in__author_id=author, check_in__week=week)


def submit_checkin(*, team, author, week: TeamWeek, expected_version: int, content: CheckInContent,
                   now: datetime | None = None) -> CheckIn:
    """Submit the check-in, or update a submitted one until its week ends.

    The first submission after the team's check-in time is marked late. Key-result values are
    recorded as progress (source: this check-in) once each: an update re-records only what changed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # The team and its charter in force before the check-in, the project's lock order: recording progress
        # takes them too.
        held = hold_team_row(team.pk)
        if held is not None and held.charter_in_force:
            lock_charter_in_force(team.pk)
        checkin = _locked_for_writing(team=team, author=author, week=week, expected_version=expected_version, now=now)
        if not checkin.is_submitted:
            checkin.state = CheckIn.State.SUBMITTED
            checkin.submitted_at = now
            checkin.is_late = checkin.is_late_at(now)
        _write(checkin, content, now=now, extra_fields=["state", "submitted_at", "is_late"])
        _resolve_carried(content.carried, checkin=checkin, author=author, now=now)
        tell_who_could_help(checkin, team=team, author=author, now=now)
        for update in checkin.key_result_updates.select_related("key_result"):
            if update.needs_recording:
                record_progress(key_result=update.key_result, actor=author, value=update.value,
                                confidence=update.confidence, source=KeyResultProgress.Source.CHECK_IN,
                                source_ref=checkin.pk, recorded_at=now)
                update.recorded_value, update.recorded_confidence = update.value, update.confidence
                update.save(update_fields=["recorded_value", "recorded_confidence"])
        webhooks.post_submitted(checkin, team=team, author=author)  # to the team's JSON webhooks, once this commits
    return checkin


def resolve_blocker(*, blocker_id: int, team, actor, resolution: str, now: datetime | None = None) -> Blocker:
    """Mark a blocker resolved with a note; refused in words if someone resolved it first.

    Whoever raised it and whoever it names as who could help hear of it, with the note, each once,
    unless they resolved it themselves (`tell_of_resolution`). Who may resolve it is the view's question
    (`checkins.permissions.may_resolve_blocker`).
    """
    now = now or timezone.now()
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    with transaction.atomic():
        blocker = lock_blocker(blocker_id, team=team)
        if blocker is None:
            raise ActionRefused("This blocker no longer exists: its check-in was removed.")
        if not blocker.is_open:
            who = blocker.resolved_by.name if blocker.resolved_by else "Someone"
            raise ActionRefused(f"{who} already resolved this blocker.")
        blocker.resolved_at, blocker.resolved_by, blocker.resolution = now, actor, resolution
        blocker.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        # Who is told: whoever raised it (through its check-in) and who could help, read with it in one query.
        involved = Blocker.objects.select_related("check_in__author", "who_could_help").get(pk=blocker.pk)
        blocker.check_in, blocker.who_could_help = involved.check_in, involved.who_could_help
        blocker.check_in.team = team  # already loaded
        tell_of_resolution([blocker], actor=actor, now=now)
    return blocker


def tell_of_resolution(blockers: list[Blocker], *, actor, now: datetime) -> None:
    """Everyone involved in each of `blockers` hears that `actor` resolved it, and how, once: whoever raised it,
    and the person it names as who could help; never `actor` themselves.

    Each blocker comes with its check-in (with its author and team) and who could help loaded. Queries:
    `deliver_many`'s few, for all of them together (none when there is nobody to tell).
    """
    messages = []
    for blocker in blockers:
        checkin = blocker.check_in
        team, author, helper = checkin.team, checkin.author, blocker.who_could_help
        how = f"How: {blocker.resolution}" if blocker.resolution else f"{actor.name} left no note on how."
        key, what = f"blocker:{blocker.pk}:resolved", _short(blocker.what)
        if author.pk != actor.pk:
            messages.append(notifications.Message(
                author, BLOCKER_RESOLVED, key,
                subject=f"{team.name}: {actor.name} resolved your blocker “{what}”",
                body=(f"You raised this in your check-in for the {_week_named(checkin)}:\n\n“{blocker.what}”\n\n"
                      f"{actor.name} marked it resolved. {how}\n\nIf it is still in your way, raise it again in "
                      "this week's check-in."),
                url=reverse("checkins:checkin", args=[team.organisation.slug, team.slug, checkin.pk])
                + f"#blocker-{blocker.pk}"))
        if helper is not None and helper.pk not in (actor.pk, author.pk):
            whose = "their own blocker" if actor.pk == author.pk else f"{author.name}’s blocker"
            messages.append(notifications.Message(
                helper, BLOCKER_RESOLVED, key,
                subject=f"{team.name}: {actor.name} resolved {whose} “{what}”",
                body=(f"{author.name} raised this in their check-in for the {_week_named(checkin)}, naming you as "
                      f"who could help:\n\n“{blocker.what}”\n\n{actor.name} marked it resolved. {how}\n\n"
                      "Nothing more is asked of you for it."),
                # Their check-in may be closed to the helper: the team's week, where it was listed, is not.
                url=reverse("checkins:week", args=[team.organisation.slug, team.slug])))
    notifications.deliver_many(messages, now=now)


def tell_who_could_help(checkin: CheckIn, *, team, author, now: datetime) -> None:
    """Each open blocker of a submitted check-in is told to who could help with it (the team's leaders when it
    names nobody), but its author; once per blocker and person, so a re-submission tells only someone newly named.

    Queries: the check-in's open blockers with who could help and their goals; the team's people (only if one
    names nobody);
    `deliver_many`'s few.
    """
    blockers = list(checkin.blockers.open().select_related("who_could_help", "goal"))
    leaders = people_who_may(team, Capability.ANSWER_CHECKINS, besides=author) \
        if any(b.who_could_help_id is None for b in blockers) else []
    week_page = reverse("checkins:week", args=[team.organisation.slug, team.slug])
    messages = []
    for blocker in blockers:
        named = blocker.who_could_help is not None
        goal = f" It holds up the goal “{blocker.goal.objective}”." if blocker.goal is not None else ""
        why = ("They named you as who could help." if named
               else "They named nobody as who could help, so it is for the team's leaders.")
        for person in [blocker.who_could_help] if named else leaders:
            if person.pk == author.pk:
                continue
            messages.append(notifications.Message(
                person, BLOCKER_NAMED, f"blocker:{blocker.pk}:helper:{person.pk}",
                subject=f"{team.name}: {author.name} is blocked — “{_short(blocker.what)}”",
                body=(f"{author.name} wrote in their check-in for the {_week_named(checkin)}:\n\n"
                      f"“{blocker.what}”\n\n{why}{goal} When it is sorted, resolve it on the team's week page "
                      f"with a note on how: {author.name} hears of it."),
                url=f"{week_page}#blocker-{blocker.pk}"))
    notifications.deliver_many(messages, now=now)


def _resolve_carried(carried: tuple[CarriedBlocker, ...], *, checkin: CheckIn, author, now: datetime) -> None:
    """The earlier weeks' blockers the writer says are resolved: each of their own, still open, resolved by them,
    and who could help with it told (`tell_of_resolution`).

    Anything else named (someone else's, already resolved, gone, this week's own) is left as it is.
    """
    ids = [item.blocker_id for item in carried if item.resolved]
    if not ids:
        return
    notes = {item.blocker_id: item.resolution for item in carried}
    resolved = lock_carried_blockers(ids, team=checkin.team, author=author, before=checkin.week)
    for blocker in resolved:
        blocker.resolved_at, blocker.resolved_by, blocker.resolution = now, author, notes[blocker.pk]
        blocker.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        blocker.check_in.team, blocker.check_in.author = checkin.team, author  # already loaded
    tell_of_resolution(resolved, actor=author, now=now)


def _week_named(checkin: CheckIn) -> str:
    """"week of 16 Nov 2026", to go inside a sentence."""
    label = checkin.team_week.label
    return label[:1].lower() + label[1:]


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def reply(*, checkin_id: int, team, actor, body: str, token, now: datetime | None = None) -> Reply:
    """Add to the thread under a submitted check-in. The same form sent twice (its token) writes one reply.

    Who may write in the thread is the view's question (`checkins.permissions.may_reply`).
    """
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    checkin = CheckIn.objects.select_related("author").filter(pk=checkin_id, team=team).first()
    if checkin is None:
        raise ActionRefused("This check-in no longer exists, so your reply was not sent. Your text is below.")
    checkin.team = team  # already loaded
    try:
        with transaction.atomic():
            answer = Reply.objects.create(check_in=checkin, author=actor, body=body, token=token,
                                          created_at=now or timezone.now())
            if checkin.author_id != actor.pk:  # a leader answered: tell the author (once per reply)
                tell_of_reply(answer, now=now)
            return answer
    except IntegrityError:  # the same form, sent a second time (or at the same moment)
        return Reply.objects.get(check_in=checkin, token=token)


def tell_of_reply(answer: Reply, *, now: datetime | None = None) -> None:
    """The check-in's author hears of a leader's reply, once (its check-in with author and team loaded)."""
    checkin, team = answer.check_in, answer.check_in.team
    notifications.deliver(
        recipient=checkin.author, kind=CHECKIN_REPLY, key=f"reply:{answer.pk}", now=now,
        subject=f"{team.name}: {answer.author.name} replied to your check-in", body=answer.body,
        url=reverse("checkins:checkin", args=[team.organisation.slug, team.slug, checkin.pk]),
    )


def acknowledge(*, checkin_id: int, team, actor, now: datetime | None = None) -> CheckIn:
    """A leader says they read it. Its author's version is left alone: they may still be editing it."""
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    with transaction.atomic():
        checkin = lock_checkin(checkin_id)
        if checkin is None or checkin.team_id != team.pk:
            raise ActionRefused("This check-in no longer exists.")
        if not checkin.is_submitted:
            raise ActionRefused("This check-in is still a draft; it can be acknowledged once it is submitted.")
        if checkin.author_id == actor.pk:
            raise ActionRefused("You cannot acknowledge your own check-in.")
        if checkin.is_acknowledged:
            who = checkin.acknowledged_by.name if checkin.acknowledged_by else "Someone"
            raise ActionRefused(f"{who} already acknowledged this check-in.")
        checkin.acknowledged_at, checkin.acknowledged_by = now or timezone.now(), actor
        checkin.save(update_fields=["acknowledged_at", "acknowledged_by"])
    return checkin


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


def _words_of(content: CheckInContent) -> dict:
    """The check-in's words and load as `content` says them: all of its own fields that name nothing looked up.

    With them, the answers about earlier weeks' blockers: the ids they name are never looked up to be kept, only
    matched against the writer's own open blockers when the form is drawn, and checked under lock on submitting.
    """
    return {"progress": content.progress, "highlights": content.highlights, "load": content.load,
            "strain_note": content.strain_note, "boundary_question": content.boundary_question,
            "carried_answers": content.carried_answers()}


def _values_of(content: CheckInContent) -> dict:
    """The check-in's own fields as `content` says them."""
    return {**_words_of(content), "strained_non_negotiable": content.strained_non_negotiable}


def _write(checkin: CheckIn, content: CheckInContent, *, now: datetime, extra_fields=()) -> None:
    values = _values_of(content)
    for name, value in values.items():
        setattr(checkin, name, value)
    checkin.version += 1
    checkin.updated_at = now
    checkin.save(update_fields=[*values, "version", "updated_at", *extra_fields])
    _write_blockers(checkin, content.blockers, now=now)
    _write_key_results(checkin, content.key_results)


def _write_blockers(checkin: CheckIn, rows: tuple[BlockerRow, ...], *, now: datetime, saved=None) -> None:
    """Each form row is one open blocker: typed text updates it, a cleared row removes it.

    `saved`: the check-in's open blockers when the caller knows them (none, for a new check-in).
    """
    open_by_row = {blocker.position: blocker for blocker in (checkin.blockers.open() if saved is None else saved)}
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


def _write_key_results(checkin: CheckIn, entries: tuple[KeyResultEntry, ...], saved=None) -> None:
    """Each key result's value and confidence, written where they changed (`saved`: the updates, when known)."""
    saved = {update.key_result_id: update for update in (checkin.key_result_updates.all() if saved is None else saved)}
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


# Commitments and their renegotiation. The commitment's lock first, then its renegotiation's.

NOT_YOURS = "Only the commitment's owner can do this."


def create_commitment(*, team, owner, actor, title: str, standard: str, due_on, goal=None,
                      overload_note: str | None = None, asked_while_overloaded: bool = False,
                      now: datetime | None = None) -> Commitment:
    """Commit to something, or (a leader) ask someone to: asked, it waits for them to accept.

    `overload_note` records that an overloaded owner saw the prompt and took it on anyway (the team's
    leaders are told); `asked_while_overloaded` that the leader asking was warned the person is
    overloaded and asked anyway.
    """
    now = now or timezone.now()
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    state = Commitment.State.OPEN if owner.pk == actor.pk else Commitment.State.REQUESTED
    with transaction.atomic():
        commitment = Commitment.objects.create(
            team=team, owner=owner, created_by=actor, title=title, standard=standard, due_on=due_on, goal=goal,
            state=state, created_at=now, overload_note=overload_note or "",
            overload_acknowledged_at=now if overload_note is not None else None,
            agreed_at=now if state == Commitment.State.OPEN else None,
            asked_while_overloaded_at=now if asked_while_overloaded and state == Commitment.State.REQUESTED
            else None)
        if commitment.is_requested:
            tell_of_request(commitment, asked_by=actor, now=now)
            signals.commitment_asked.send(sender=Commitment, commitment=commitment)
        if commitment.overload_acknowledged_at is not None:
            tell_leaders_of_overload(commitment, now=now)
        webhooks.post_commitment_changed(commitment, team=team, actor=actor,
                                         change=webhooks.REQUESTED if commitment.is_requested else webhooks.CREATED)
        return commitment


def tell_leaders_of_overload(commitment: Commitment, *, now: datetime) -> None:
    """The team's leaders hear, once per commitment, that its owner took it on while overloaded, and why."""
    team, owner = commitment.team, commitment.owner
    note = commitment.overload_note.strip()
    notifications.tell_team(
        team, Capability.ANSWER_CHECKINS, besides=owner, kind=COMMITMENT_OVERLOAD,
        key=f"commitment:{commitment.pk}:overloaded", now=now,
        subject=f"{team.name}: {owner.name} took on “{commitment.title}” while overloaded",
        body=(f"Their latest check-in says they are overloaded. Why they took it on anyway: {note}" if note else
              "Their latest check-in says they are overloaded; they took it on without renegotiating another "
              "commitment.") + f"\nDue {commitment.due_on:%-d %B %Y}.",
        url=reverse("checkins:commitment", args=[team.organisation.slug, team.slug, commitment.pk]))


def tell_of_request(commitment: Commitment, *, asked_by, now: datetime) -> None:
    """The person asked to commit hears of it once per request (a hand-over asks again)."""
    notifications.deliver(
        recipient=commitment.owner, kind=COMMITMENT_REQUEST, key=f"commitment:{commitment.pk}:v{commitment.version}",
        now=now, subject=f"{commitment.team.name}: {asked_by.name} asks you to commit to “{commitment.title}”",
        body=f"Standard of completion: {commitment.standard.rstrip('.')}.\nDue {commitment.due_on:%-d %B %Y}. Accept or decline it.",
        url=reverse("checkins:commitment", args=[commitment.team.organisation.slug, commitment.team.slug,
                                                 commitment.pk]))


def _tell_leaders_of(renegotiation: Renegotiation, *, team, now: datetime) -> None:
    """A renegotiation waits for the team's leaders: each hears of it once."""
    url = reverse("checkins:week", args=[team.organisation.slug, team.slug]) + f"#renegotiation-{renegotiation.pk}"
    subject = (f"{team.name}: {renegotiation.asked_by.name} asks to {renegotiation.get_kind_display()}: "
               f"“{renegotiation.commitment.title}”")
    notifications.tell_team(team, Capability.ANSWER_CHECKINS, besides=renegotiation.asked_by, kind=RENEGOTIATION,
                            key=f"renegotiation:{renegotiation.pk}:asked", subject=subject, body=renegotiation.reason,
                            url=url, now=now)


def answer_request(*, commitment_id: int, team, actor, accept: bool, overload_note: str | None = None,
                   now: datetime | None = None) -> Commitment:
    """The asked person accepts (it is theirs, open) or declines a requested commitment."""
    now = now or timezone.now()
    with transaction.atomic():
        commitment = _locked_commitment(commitment_id, team=team)
        if commitment.owner_id != actor.pk:
            raise ActionRefused("Only the person asked can accept or decline this commitment.")
        if not commitment.is_requested:
            raise ActionRefused(f"This commitment is already {commitment.get_state_display()}.")
        commitment.state = Commitment.State.OPEN if accept else Commitment.State.DECLINED
        fields = ["state", "version"]
        handed = commitment.renegotiations.filter(state=Renegotiation.State.ACCEPTED).last()
        if not accept and handed is not None and handed.is_hand_over and handed.proposed_owner_id == actor.pk:
            # A hand-over the new owner declines goes back to the person who held it.
            commitment.owner_id, commitment.state = handed.was_owner_id, Commitment.State.OPEN
            fields.append("owner")
        if accept:
            commitment.agreed_at = now
            fields.append("agreed_at")
        if accept and overload_note is not None:
            commitment.overload_acknowledged_at, commitment.overload_note = now, overload_note
            fields += ["overload_acknowledged_at", "overload_note"]
        commitment.version += 1
        commitment.save(update_fields=fields)
        if accept and overload_note is not None:
            commitment.team, commitment.owner = team, actor  # already loaded
            tell_leaders_of_overload(commitment, now=now)
        webhooks.post_commitment_changed(commitment, team=team, actor=actor,
                                         change=webhooks.ACCEPTED if accept else webhooks.DECLINED)
    return commitment


def mark_commitment_done(*, commitment_id: int, team, actor, expected_version: int) -> Commitment:
    """The owner says the standard of completion is met."""
    with transaction.atomic():
        commitment = _locked_commitment(commitment_id, team=team)
        if commitment.owner_id != actor.pk:
            raise ActionRefused(NOT_YOURS)
        if not commitment.is_open:
            raise ActionRefused(f"This commitment is {commitment.get_state_display()}, not open.")
        if commitment.version != expected_version:
            raise ActionRefused("This commitment changed since you loaded it; look at it again first.")
        commitment.state, commitment.version = Commitment.State.DONE, commitment.version + 1
        commitment.save(update_fields=["state", "version"])
        webhooks.post_commitment_changed(commitment, team=team, actor=actor, change=webhooks.DONE)
    return commitment


def ask_to_renegotiate(*, commitment_id: int, team, actor, kind: str, reason: str, due_on=None,
                       standard: str = "", new_owner=None, now: datetime | None = None) -> Renegotiation:
    """The owner asks the leader to defer, rescope, hand over or drop an open commitment, with a reason."""
    now = now or timezone.now()
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    with transaction.atomic():
        commitment = _locked_commitment(commitment_id, team=team)
        if commitment.owner_id != actor.pk:
            raise ActionRefused(NOT_YOURS)
        if not commitment.is_open:
            raise ActionRefused(f"This commitment is {commitment.get_state_display()}; only an open one "
                                "can be renegotiated.")
        if commitment.renegotiations.filter(state=Renegotiation.State.PENDING).exists():
            raise ActionRefused("You already asked to renegotiate this commitment; the leader answers that "
                                "first.")
        refusal = _refusal_for_proposal(commitment, kind=kind, due_on=due_on, standard=standard,
                                        new_owner=new_owner)
        if refusal:
            raise ActionRefused(refusal)
        renegotiation = Renegotiation.objects.create(
            commitment=commitment, kind=kind, reason=reason, asked_by=actor, asked_at=now,
            was_due_on=commitment.due_on, was_standard=commitment.standard, was_owner=commitment.owner,
            proposed_due_on=due_on if kind == Renegotiation.Kind.DEFER else None,
            proposed_standard=standard if kind == Renegotiation.Kind.RESCOPE else "",
            proposed_owner=new_owner if kind == Renegotiation.Kind.HAND_OVER else None)
        _tell_leaders_of(renegotiation, team=team, now=now)
        signals.renegotiation_asked.send(sender=Renegotiation, renegotiation=renegotiation)
        webhooks.post_commitment_changed(commitment, team=team, actor=actor, change=webhooks.RENEGOTIATION_ASKED,
                                         renegotiation=renegotiation)
        return renegotiation


def decide_renegotiation(*, renegotiation_id: int, team, actor, accept: bool, comment: str = "",
                         now: datetime | None = None) -> Renegotiation:
    """The leader accepts (the change applies) or declines a pending renegotiation, with a comment.

    A hand-over accepted becomes a request of the new owner: it is theirs once they accept it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        found = Renegotiation.objects.filter(pk=renegotiation_id, commitment__team=team).values_list(
            "commitment_id", flat=True).first()
        if found is None:
            raise ActionRefused("This renegotiation no longer exists.")
        commitment = _locked_commitment(found, team=team)
        renegotiation = lock_renegotiation(renegotiation_id, team=team)
        if not renegotiation.is_pending:
            who = renegotiation.decided_by.name if renegotiation.decided_by else "Someone"
            raise ActionRefused(f"{who} already {renegotiation.get_state_display()} this renegotiation.")
        if accept and renegotiation.is_hand_over and renegotiation.proposed_owner_id is None:
            raise ActionRefused("The person it would go to is no longer here; decline it, and the owner can "
                                "ask again.")
        renegotiation.state = Renegotiation.State.ACCEPTED if accept else Renegotiation.State.DECLINED
        renegotiation.decided_by, renegotiation.decided_at, renegotiation.comment = actor, now, comment
        renegotiation.save(update_fields=["state", "decided_by", "decided_at", "comment"])
        if accept:
            fields = _apply(commitment, renegotiation)
            commitment.version += 1
            commitment.save(update_fields=[*fields, "version"])
            if commitment.is_requested:  # handed over: the new owner is asked
                tell_of_request(commitment, asked_by=actor, now=now)
                signals.commitment_asked.send(sender=Commitment, commitment=commitment)
        notifications.deliver(
            recipient=renegotiation.asked_by, kind=RENEGOTIATION, key=f"renegotiation:{renegotiation.pk}:decided",
            now=now, subject=f"{team.name}: {actor.name} {renegotiation.get_state_display()} your request to "
                             f"{renegotiation.get_kind_display()}: “{commitment.title}”",
            body=comment or "No comment.",
            url=reverse("checkins:commitment", args=[team.organisation.slug, team.slug, commitment.pk]))
        webhooks.post_commitment_changed(commitment, team=team, actor=actor, renegotiation=renegotiation, change=(
            webhooks.RENEGOTIATION_ACCEPTED if accept else webhooks.RENEGOTIATION_DECLINED))
    return renegotiation


def _apply(commitment: Commitment, renegotiation: Renegotiation) -> list[str]:
    if renegotiation.is_defer:
        commitment.due_on = renegotiation.proposed_due_on
        return ["due_on"]
    if renegotiation.is_rescope:
        commitment.standard = renegotiation.proposed_standard
        return ["standard"]
    if renegotiation.is_hand_over:  # asked of the new owner: agreed again once they accept
        commitment.owner, commitment.state = renegotiation.proposed_owner, Commitment.State.REQUESTED
        commitment.agreed_at = None
        # "Taken on while overloaded" was the first owner's word: the new owner gives their own when they
        # accept. (That the first owner was asked while overloaded stays: it is the request's history.)
        commitment.overload_acknowledged_at, commitment.overload_note = None, ""
        return ["owner", "state", "agreed_at", "overload_acknowledged_at", "overload_note"]
    commitment.state = Commitment.State.DROPPED
    return ["state"]


def _refusal_for_proposal(commitment: Commitment, *, kind: str, due_on, standard: str, new_owner) -> str | None:
    if kind == Renegotiation.Kind.DEFER and (due_on is None or due_on == commitment.due_on):
        return "To defer, give the new date you can keep."
    if kind == Renegotiation.Kind.RESCOPE and not standard.strip():
        return "To rescope, write the new standard of completion."
    if kind == Renegotiation.Kind.HAND_OVER and (new_owner is None or new_owner.pk == commitment.owner_id):
        return "To hand over, choose who it goes to: someone other than you."
    if kind not in Renegotiation.Kind.values:
        return "Choose what you ask: defer, rescope, hand over or drop."
    return None


def _locked_commitment(commitment_id: int, *, team) -> Commitment:
    if team.is_archived:
        raise ActionRefused(ARCHIVED_REFUSAL)
    commitment = lock_commitment(commitment_id, team=team)
    if commitment is None:
        raise ActionRefused("This commitment no longer exists.")
    return commitment


# Someone leaves the team (removed, leaving, or deactivated): what they carried goes to a leader. The core
# sends `alignment.signals.member_leaving` (and `member_carries` to ask first); connected in CheckinsConfig.

STILL_TO_DO = (Commitment.State.REQUESTED, Commitment.State.OPEN)


def _carried(membership):
    """The leaver's commitments still to do in the team, and the team's open shared blockers that are theirs:
    raised in their check-ins, or naming them as who could help."""
    person, team = membership.user, membership.team
    commitments = Commitment.objects.filter(team=team, owner=person, state__in=STILL_TO_DO)
    blockers = (Blocker.objects.open().shared().filter(team=team)
                .filter(Q(check_in__author=person) | Q(who_could_help=person)))
    return commitments, blockers


def carried_by(sender, *, membership, **kwargs) -> dict[str, int]:
    """What handing over would move (2 queries; writes nothing): for the confirmation before deactivating."""
    commitments, blockers = _carried(membership)
    return {"commitment": commitments.count(), "blocker": blockers.count()}


def hand_over_on_leaving(sender, *, membership, successor, actor, now: datetime | None = None,
                         **kwargs) -> dict[str, int]:
    """Hand the leaver's commitments still to do and open blockers to `successor`, one notice each.

    A commitment goes as an accepted hand-over (`_apply`, as when a leader accepts one): asked of the
    successor, in its history as handed over by the leaver; a renegotiation the leaver was waiting on is
    declined. A blocker names the successor as who could help. Runs in the leaving transaction.
    """
    if successor is None:  # the core refuses to leave a team without a leader: nobody to hand to
        return {"commitment": 0, "blocker": 0}
    now = now or timezone.now()
    person, team = membership.user, membership.team
    commitments, blockers = _carried(membership)
    commitments = list(commitments.select_for_update(of=("self",)).order_by("pk"))
    blockers = list(blockers.select_for_update(of=("self",)).select_related("check_in__author").order_by("pk"))
    reason = f"{person.name} left {team.name}; what they carried goes to {successor.name}."
    Renegotiation.objects.filter(commitment__in=commitments, state=Renegotiation.State.PENDING).update(
        state=Renegotiation.State.DECLINED, decided_by=actor, decided_at=now, comment=reason)
    messages = []
    for commitment in commitments:
        commitment.team = team  # already loaded
        handed = Renegotiation.objects.create(
            commitment=commitment, kind=Renegotiation.Kind.HAND_OVER, reason=reason, asked_by=actor, asked_at=now,
            was_due_on=commitment.due_on, was_standard=commitment.standard, was_owner=person,
            proposed_owner=successor, state=Renegotiation.State.ACCEPTED, decided_by=actor, decided_at=now)
        fields = _apply(commitment, handed)
        commitment.version += 1
        commitment.save(update_fields=[*fields, "version"])
        signals.commitment_asked.send(sender=Commitment, commitment=commitment)
        messages.append(notifications.Message(
            successor, COMMITMENT_REQUEST, f"commitment:{commitment.pk}:v{commitment.version}",
            subject=f"{team.name}: {person.name} left — “{commitment.title}” is handed to you",
            body=(f"{person.name} is no longer in {team.name}. Their commitment is yours to accept, decline or "
                  f"hand on.\nStandard of completion: {commitment.standard.rstrip('.')}.\n"
                  f"Due {commitment.due_on:%-d %B %Y}."),
            url=reverse("checkins:commitment", args=[team.organisation.slug, team.slug, commitment.pk])))
    week_page = reverse("checkins:week", args=[team.organisation.slug, team.slug])
    for blocker in blockers:
        blocker.who_could_help = successor
        blocker.save(update_fields=["who_could_help"])
        raised_by = "they raised" if blocker.check_in.author_id == person.pk else \
            f"{blocker.check_in.author.name} raised, naming them as who could help"
        messages.append(notifications.Message(
            successor, BLOCKER_NAMED, f"blocker:{blocker.pk}:handed:{successor.pk}",
            subject=f"{team.name}: {person.name} left — a blocker is yours now: “{_short(blocker.what)}”",
            body=(f"{person.name} is no longer in {team.name}. This blocker, which {raised_by}, is still open:\n\n"
                  f"“{blocker.what}”\n\nYou are now named as who could help. Resolve it on the team's week page "
                  "when it is sorted."),
            url=f"{week_page}#blocker-{blocker.pk}"))
    notifications.deliver_many(messages, now=now)
    webhooks.post_commitments_changed(commitments, team=team, change=webhooks.HANDED_OVER, actor=actor)
    return {"commitment": len(commitments), "blocker": len(blockers)}
