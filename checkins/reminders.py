"""Check-in reminders, nudges and leader digests: who is due, and what they are told.

The scheduler (`checkins.tasks`) runs often and asks these services what is due *now*; per-team
weekdays, times and zones live in the database, so nothing is scheduled ahead.

A team's week has, in its own zone (`alignment.weeks`, so daylight-saving changes are honoured):

- the **reminder** at the check-in time (`TeamWeek.due_at`), for each person who checks in and has not
  submitted this week's check-in;
- the **nudge** `CHECKIN_NUDGE_HOURS` before the week ends (`TeamWeek.ends_at`), for those still missing.
  Once the nudge is due it replaces the reminder (someone caught up after downtime gets one message, not
  two); a team whose check-in time falls inside the nudge window gets only the reminder;
- the **leader digest** `LEADER_DIGEST_AFTER_HOURS` after the check-in time (at the latest an hour before
  the week ends), for each leader.

Exactly once: every message is a `Delivery` keyed by kind, week and team (a person in two teams gets
each team's reminder). Selection excludes what was already delivered in SQL, so a run every five
minutes costs a few queries once everyone is told. A past week is never reminded: it is stale, and
is counted and logged as skipped when a run finds it missed (`since`: when the previous run happened).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from alignment.batches import in_batches, together_or_alone
from alignment.models import Membership, Team
from alignment.permissions import Capability, TeamAccess, capabilities_of
from alignment.weeks import TeamWeek, current_week
from checkins.models import CheckIn
from checkins.webhooks import post_week_summary
from notifications import services as notifications
from notifications.models import Delivery

logger = logging.getLogger(__name__)

REMINDER, NUDGE, DIGEST = "checkin_reminder", "checkin_nudge", "leader_digest"
BATCH_SIZE = 1000  # people (or teams) per batch: each batch costs the same few queries


def nudge_hours() -> int:
    return getattr(settings, "CHECKIN_NUDGE_HOURS", 24)


def digest_after_hours() -> int:
    return getattr(settings, "LEADER_DIGEST_AFTER_HOURS", 4)


def delivery_key(team_id: int, week: TeamWeek) -> str:
    """The period a reminder, nudge or digest is about: the week (its Monday) of one team."""
    return f"week-{week.monday.isoformat()}/team-{team_id}"


# When things are due: pure functions of a team and an instant -------------------------------------------


def reminder_at(team, week: TeamWeek) -> datetime:
    return week.due_at(team.checkin_weekday, team.checkin_time)


def nudge_at(team, week: TeamWeek) -> datetime | None:
    """N hours before the week ends; None when that is not after the reminder (the reminder is the nudge)."""
    hours = nudge_hours()
    if hours <= 0:
        return None
    at = (week.ends_at.astimezone(ZoneInfo("UTC")) - timedelta(hours=hours)).astimezone(team.zone)
    return at if at > reminder_at(team, week) else None


def digest_at(team, week: TeamWeek) -> datetime:
    utc = ZoneInfo("UTC")
    due = reminder_at(team, week).astimezone(utc) + timedelta(hours=digest_after_hours())
    latest = week.ends_at.astimezone(utc) - timedelta(hours=1)
    return min(due, latest).astimezone(team.zone)


def phase(team, now: datetime) -> tuple[TeamWeek, str] | None:
    """Which message a missing person of the team should have by `now` this week: reminder, nudge or none."""
    week = current_week(team, now)
    if now < reminder_at(team, week):
        return None
    nudge = nudge_at(team, week)
    return week, (NUDGE if nudge is not None and now >= nudge else REMINDER)


def missed_rounds(team, now: datetime, since: datetime | None) -> list[tuple[TeamWeek, str]]:
    """Reminders and nudges of weeks before this one that fell due after `since`: stale, never sent."""
    if since is None:
        return []
    missed = []
    week = current_week(team, now).previous()
    while week.ends_at > since:
        for kind, at in ((REMINDER, reminder_at(team, week)), (NUDGE, nudge_at(team, week))):
            if at is not None and since < at:
                missed.append((week, kind))
        week = week.previous()
    return missed


# Who is due ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueReminder:
    membership: Membership  # with its user and team loaded
    week: TeamWeek
    kind: str

    @property
    def key(self) -> str:
        return delivery_key(self.membership.team_id, self.week)


@dataclass
class Counts:
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    stale: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"sent={self.sent} skipped={self.skipped} failed={self.failed} stale={len(self.stale)}"


def candidate_teams(now: datetime, *, everyone: bool = False, batch_size: int = BATCH_SIZE) -> Iterator[list[Team]]:
    """Active teams whose check-in day has come this week in their own zone, in batches by id.

    Queries: the distinct zones of active teams (1), then one per batch of teams. The day is
    compared in SQL (a superset: the exact instant, DST included, is `phase()`'s to judge).
    `everyone` drops the day filter: a run after downtime looks at every team for stale rounds.
    """
    teams = Team.objects.active().select_related("organisation").order_by("pk")
    if not everyone:
        zones = list(Team.objects.active().order_by().values_list("time_zone", flat=True).distinct())
        if not zones:
            return
        day_has_come = Q(pk__in=[])
        for zone in zones:
            day_has_come |= Q(time_zone=zone, checkin_weekday__lte=timezone.localtime(now, ZoneInfo(zone)).weekday())
        teams = teams.filter(day_has_come)
    yield from in_batches(teams, batch_size)


# What telling a person reads of them (alignment.notifications.deliver_many), and of their membership.
RECIPIENT_FIELDS = ("email", "display_name", "time_zone", "quiet_hours_start", "quiet_hours_end",
                    "reminders_snoozed_until", "is_active")
MEMBERSHIP_FIELDS = ("team", "user", "is_leader", "is_member", "is_facilitator")


def due_reminders(teams: list[Team], now: datetime, *, batch_size: int = BATCH_SIZE) -> Iterator[list[DueReminder]]:
    """The people of these teams owed a reminder or nudge now, in batches of memberships.

    One query per batch and (week, kind) group, whatever the number of people: the team's
    memberships with their people, without a submitted check-in for the week (the check-in's unique
    index) and without the delivery already made (the delivery's unique index). Groups: the teams'
    current weeks are at most two Mondays (zones either side of midnight) × reminder or nudge.
    """
    groups: dict[tuple, list[tuple[Team, TeamWeek]]] = {}
    for team in teams:
        due = phase(team, now)
        if due is not None:
            groups.setdefault((due[0].monday, due[1]), []).append((team, due[0]))
    for (monday, kind), rows in groups.items():
        by_id = {team.pk: (team, week) for team, week in rows}
        submitted = CheckIn.objects.filter(team=OuterRef("team_id"), author=OuterRef("user_id"), week=monday,
                                           state=CheckIn.State.SUBMITTED)
        told = Delivery.objects.filter(
            recipient=OuterRef("user_id"), kind=kind,
            key=Concat(Value(f"week-{monday.isoformat()}/team-"), Cast(OuterRef("team_id"), CharField())))
        owed = (Membership.objects.filter(team_id__in=list(by_id)).filter(~Exists(submitted), ~Exists(told))
                .select_related("user").only(*MEMBERSHIP_FIELDS, *(f"user__{f}" for f in RECIPIENT_FIELDS))
                .order_by("pk"))
        for batch in in_batches(owed, batch_size):
            due_now = []
            for membership in batch:
                if Capability.CHECK_IN not in capabilities_of(membership):
                    continue  # a leader who is only a leader does not check in
                team, week = by_id[membership.team_id]
                membership.team = team  # already loaded
                due_now.append(DueReminder(membership, week, kind))
            yield due_now


def message_for(due: DueReminder, known: dict[tuple, dict[str, str]] | None = None) -> dict[str, str]:
    """The reminder's words: the same for everyone in the team that week, so `known` keeps them per team,
    week and kind (a batch writes each once)."""
    team, week = due.membership.team, due.week
    if known is not None and (team.pk, week.monday, due.kind) in known:
        return known[team.pk, week.monday, due.kind]
    url = reverse("checkins:this_week", args=[team.organisation.slug, team.slug])
    if due.kind == NUDGE:
        subject = f"{team.name}: your check-in for the {week.label.lower()} is still missing"
        body = (f"The week closes on {timezone.localtime(week.ends_at, team.zone):%A %d %b at %H:%M} "
                f"({team.time_zone}). A few lines on what moved, your load and any blocker help the team.")
    else:
        deadline = timezone.localtime(reminder_at(team, week), team.zone)
        subject = f"{team.name}: time for your weekly check-in"
        body = (f"Your team's check-in was due {deadline:%A %d %b at %H:%M} ({team.time_zone}). "
                "What moved this week, your load, and anything blocking you.")
    message = {"subject": subject, "body": body, "url": url}
    if known is not None:
        known[team.pk, week.monday, due.kind] = message
    return message


# Other ways to remind (chat's direct messages): apps to the right register a function taking each batch of due
# reminders and the time. It is called before the batch's e-mails are decided and writes what it sends once per
# person and week itself (a unique key of its own), so a run that dies between the two is made good by the next,
# which finds the same people still owed; a channel's failure, unless transient, is logged and the e-mails go.
ReminderChannel = Callable[[list[DueReminder], datetime], None]
_reminder_channels: list[ReminderChannel] = []


def register_reminder_channel(channel: ReminderChannel) -> None:
    """Also remind the people due through `channel` (from an app's `AppConfig.ready()`)."""
    if channel not in _reminder_channels:
        _reminder_channels.append(channel)


def _remind_elsewhere(batch: list[DueReminder], now: datetime) -> None:
    for channel in _reminder_channels:
        try:
            channel(batch, now)
        except TRANSIENT:
            raise
        except Exception:
            logger.exception("reminder channel %s failed for a batch of %d", channel.__qualname__, len(batch))


def send_reminders(*, now: datetime | None = None, since: datetime | None = None,
                   batch_size: int = BATCH_SIZE) -> Counts:
    """Remind and nudge everyone owed it now; count what was sent, skipped (stale or already) and failed."""
    now = now or timezone.now()
    counts = Counts()
    known: dict[tuple, dict[str, str]] = {}  # each team's words for the week, written once
    catching_up = since is not None and now - since > timedelta(hours=1)
    for teams in candidate_teams(now, everyone=catching_up, batch_size=batch_size):
        if catching_up:
            for team in teams:
                counts.stale += [f"{kind} {delivery_key(team.pk, week)}"
                                 for week, kind in missed_rounds(team, now, since)]
        for batch in due_reminders(teams, now, batch_size=batch_size):
            _remind_elsewhere(batch, now)
            deliver_counted([notifications.Message(due.membership.user, due.kind, due.key,
                                                   **message_for(due, known)) for due in batch], now, counts)
    counts.skipped += len(counts.stale)
    if counts.stale:
        logger.warning("check-in reminders: skipped %d stale rounds of past weeks (beat was down since %s): %s",
                       len(counts.stale), since.isoformat(), ", ".join(counts.stale[:50]))
    logger.info("check-in reminders: %s", counts)
    return counts


# Errors a scheduler task retries with backoff (a mail server or the broker briefly away); any other
# error for one person is counted as failed and the run goes on.
TRANSIENT: tuple[type[BaseException], ...] = (
    smtplib.SMTPException, KombuOperationalError, RedisConnectionError, ConnectionError, TimeoutError,
)


def deliver_counted(messages: list[notifications.Message], now: datetime, counts: Counts) -> None:
    """Deliver a batch in a constant number of queries, counting what went out and what was already told.

    If the batch fails for a reason that is not transient, it is delivered again one by one, so that one
    person's failure is counted and logged and the others still go.
    """
    failures = []

    def failed(message: notifications.Message) -> None:
        failures.append(message)
        logger.exception("%s %s for user %s failed", message.kind, message.key, message.recipient.pk)

    # A transient failure is raised for the task to retry; what was delivered stays delivered.
    delivered = together_or_alone(messages, lambda batch: notifications.deliver_many(batch, now=now),
                                  transient=TRANSIENT, failed=failed)
    counts.sent += len(delivered)
    counts.failed += len(failures)
    counts.skipped += len(messages) - len(delivered) - len(failures)  # claimed by an earlier or concurrent run


# Leader digests -----------------------------------------------------------------------------------------


def due_digest_teams(teams: list[Team], now: datetime) -> list[tuple[Team, TeamWeek, list[Membership]]]:
    """Of these teams, those whose digest is due now, with the leaders not yet sent it (1 query)."""
    due = {}
    for team in teams:
        week = current_week(team, now)
        if now >= digest_at(team, week):
            due[team.pk] = (team, week)
    if not due:
        return []
    told = Delivery.objects.filter(recipient=OuterRef("user_id"), kind=DIGEST)
    # The key depends on each team's week; the weeks are at most two Mondays, so an OR of two.
    key_matches = Q(pk__in=[])
    for monday in {week.monday for _, week in due.values()}:
        key_matches |= Q(key=Concat(Value(f"week-{monday.isoformat()}/team-"),
                                    Cast(OuterRef("team_id"), CharField())))
    leaders = (Membership.objects.leaders().filter(team_id__in=list(due)).filter(~Exists(told.filter(key_matches)))
               .select_related("user").order_by("team_id", "pk"))
    owed: dict[int, list[Membership]] = {}
    for membership in leaders:
        owed.setdefault(membership.team_id, []).append(membership)
    return [(due[pk][0], due[pk][1], owed[pk]) for pk in owed]


def digest_message(team, week: TeamWeek, page) -> dict[str, str]:
    """The digest's words from the team's week page (`checkins.selectors.team_week_page`), in sentences.

    The body is paragraphs and sections (a heading line, then "- " items, a blank line between), which read
    as they are in the text part and lay out as headings and lists in the HTML one
    (`templates/emails/leader_digest-body.html`). Counts of load and of strain follow the team's
    small-team privacy (`alignment.privacy`); beyond the leaders' own reading (who, what blocks), no
    check-in's words are in it.
    """
    counts = page.counts
    people = len(page.people)
    sections = [_in_a_sentence(week, counts, people)]
    waiting = [p for p in page.people if not p.is_submitted]
    if waiting:
        shown = [f"{p.person} ({'drafting' if p.is_draft else 'not started'})" for p in waiting[:20]]
        sections.append(_section("Not yet submitted", [_listed(shown, more=len(waiting) - len(shown))]))
    unanswered = [c for c in page.submitted if not c.is_acknowledged and not getattr(c, "thread", None)]
    if unanswered:
        sections.append(_section(
            f"Check-ins nobody answered ({len(unanswered)})",
            [f"{c.author}’s, submitted {_day(c.submitted_at, team)}: no reply yet, not acknowledged"
             for c in unanswered[:10]], more=len(unanswered) - 10))
    overloaded = [c.author for c in page.submitted if c.load == CheckIn.Load.OVERLOADED]
    if overloaded:
        sections.append(_section("Who said they are overloaded", [
            _listed([str(person) for person in overloaded]) + ": worth a word before asking more of them"]))
    sections.append(_section("Load this week", [page.load_in_words]))
    asks = [f"{r.commitment.owner} asks to {r.get_kind_display()}: “{r.commitment}”"
            for r in page.pending_renegotiations]
    asks += [f"“{c.title}”, asked of {c.owner}, not answered yet: {c.due}"
             for c in page.requested_commitments]
    if asks:
        sections.append(_section(f"Waiting for an answer ({len(asks)})", asks[:10], more=len(asks) - 10))
    if page.open_blockers:
        sections.append(_section(
            f"Open blockers ({len(page.open_blockers)})",
            [f"{row.blocker.what} — open {_plural(row.age_days, 'day')}" for row in page.open_blockers[:10]],
            more=len(page.open_blockers) - 10))
    if page.confidence_drops:
        sections.append(_section("Confidence that fell", [
            f"{drop.key_result.metric}: from {drop.was.get_confidence_display()} to "
            f"{drop.now.get_confidence_display()}" for drop in page.confidence_drops[:10]],
            more=len(page.confidence_drops) - 10))
    if page.strains:
        sections.append(_section("Non-negotiables under strain", [
            f"{strain.non_negotiable.title}: flagged by {strain.count} {strain.count.people}"
            for strain in page.strains]))
    return {
        "subject": f"{team.name} — your week, {week.monday.day} {week.monday:%b}",
        "body": "\n\n".join(sections),
        "url": reverse("checkins:week", args=[team.organisation.slug, team.slug]) + f"?week={week.monday}",
    }


def _in_a_sentence(week: TeamWeek, counts: dict[str, int], people: int) -> str:
    """"Week of 30 Nov 2026: 3 of 5 people checked in; 1 is drafting and 1 has not started." """
    if not people:
        return f"{week.label}: nobody in the team checks in."
    others = []
    if counts["draft"]:
        others.append(f"{counts['draft']} {'is' if counts['draft'] == 1 else 'are'} drafting")
    if counts["missing"]:
        others.append(f"{counts['missing']} {'has' if counts['missing'] == 1 else 'have'} not started")
    done = f"{counts['submitted']} of {_plural(people, 'person', 'people')} checked in"
    if counts["submitted"] == people:
        done = f"everyone checked in ({_plural(people, 'person', 'people')})"
    return f"{week.label}: {done}" + (f"; {_listed(others)}." if others else ".")


def _section(heading: str, items: list[str], *, more: int = 0) -> str:
    if more > 0:
        items = [*items, f"and {more} more"]
    return "\n".join([heading, *(f"- {item}" for item in items)])


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def _listed(words: list[str], *, more: int = 0) -> str:
    """"a", "a and b", "a, b and c" (and "… and 3 more")."""
    if more > 0:
        words = [*words, f"{more} more"]
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _day(when, team) -> str:
    local = timezone.localtime(when, team.zone)
    return f"{local:%a} {local.day} {local:%b}"


def send_digests(*, now: datetime | None = None, batch_size: int = 100) -> Counts:
    """Send each team's leaders the week's digest once, when it is due."""
    from checkins.selectors import team_week_page

    now = now or timezone.now()
    counts = Counts()
    for teams in candidate_teams(now, batch_size=batch_size):
        for team, week, leaders in due_digest_teams(teams, now):
            # Built once per team for its first leader: every leader reads the team's check-ins.
            access = TeamAccess(team, leaders[0].user, leaders[0])
            page = team_week_page(access, week, today=timezone.localtime(now, team.zone).date())
            _post_week_summary(team, week, page)
            message = digest_message(team, week, page)
            deliver_counted([notifications.Message(leader.user, DIGEST, delivery_key(team.pk, week), **message)
                             for leader in leaders], now, counts)
    logger.info("leader digests: %s", counts)
    return counts


def _post_week_summary(team, week: TeamWeek, page) -> None:
    """The week's summary to the team's chat webhooks, before the digests: a run that fails here is run again.

    Once per team and week (the key); an error other than a transient one is logged and the digests
    still go.
    """
    try:
        post_week_summary(team=team, week=week, page=page, key=delivery_key(team.pk, week))
    except TRANSIENT:
        raise
    except Exception:
        logger.exception("check-in summary webhook %s failed", delivery_key(team.pk, week))


# What will be sent when (`manage.py schedule_preview`) ----------------------------------------------------


def next_times(teams: list[Team], now: datetime) -> dict[int, dict[str, datetime | None]]:
    """Per team: the next reminder, nudge and digest at or after `now` (this week's, or next week's)."""
    times = {}
    for team in teams:
        week = current_week(team, now)
        row = {}
        for label, when in (("check-in reminder", reminder_at), ("nudge", nudge_at), ("leader digest", digest_at)):
            at = when(team, week)
            if at is None or at < now:
                at = when(team, week.next())
            row[label] = at
        times[team.pk] = row
    return times
