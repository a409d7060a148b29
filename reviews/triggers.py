"""Review triggers: a team's charter asks its leaders to be revisited when reality drifts from it.

Four conditions, judged for each team's version in force (its active, ratified charter):

- **strained**: one of its non-negotiables was flagged as strained in check-ins of at least
  `Team.strain_trigger_weeks` of the last `Team.strain_trigger_window` completed weeks (a week counts
  once, however many flagged it). Non-negotiables have no lineage across versions: a flag is matched to
  the version in force by the non-negotiable's title, case and spacing aside. Only check-ins submitted
  since the version was ratified count, so a new version starts afresh;
- **unclear who decides**: "unclear who decides" was named `Team.unclear_trigger_count` times since the
  version was ratified: check-ins' answers to "where was it unclear who decides?", plus what apps to the
  right register here (`register_unclear_count`; today `asks`: requests from other teams that touched no
  boundary of this charter);
- **review date**: the version's `review_on` has come in the team's zone (set at ratification by
  `reviews.services.on_charter_ratified`, changed by the leaders);
- **consent debt**: more than a third of the people who consented to the version have left the team.

Each fires once per (version, condition, subject): a `ReviewTrigger` row with a named unique constraint,
written with the notice to the team's leaders in one transaction. The scheduler runs
`fire_due_triggers` every hour; two runs at once insert one row (`ignore_conflicts` on the constraint)
and tell each leader once (the notice's `Delivery` is unique per person and key). A dismissed trigger
stays, so it does not come back for the same version and subject; a changed review date is a new subject.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from alignment.batches import in_batches
from alignment.models import Membership
from alignment.permissions import Capability, people_who_may
from alignment.privacy import shown_count
from alignment.weeks import current_week
from charters.models import Charter, NonNegotiable, Response
from checkins.models import CheckIn
from checkins.reminders import Counts
from notifications import services as notifications
from notifications.services import Message
from reviews.models import ReviewTrigger

logger = logging.getLogger(__name__)

TRIGGER = "charter_review_trigger"  # the notification kind the leaders are told by
BATCH_SIZE = 200
QUOTES = 10  # the most distinct words the evidence keeps per trigger
Kind = ReviewTrigger.Kind
REVIEW_DATE_SUBJECT = "review-on-{:%Y-%m-%d}"
CONSENT_SUBJECT = "consent"
UNCLEAR_SUBJECT = "unclear-who-decides"


# "Unclear who decides" elsewhere: a registry for the apps to the right --------------------------------------


@dataclass(frozen=True)
class UnclearCount:
    """Where else "unclear who decides" is recorded: rows of `rows()`, counted per team since ratification.

    `team` is the path from a row to the team it was unclear for, `at` its moment, both as lookups.
    """

    label: str
    rows: Callable[[], QuerySet]
    team: str
    at: str


_unclear_counts: list[UnclearCount] = []


def register_unclear_count(label: str, rows: Callable[[], QuerySet], *, team: str, at: str) -> None:
    """Count `rows()` as "unclear who decides" for `team` (e.g. `asks`: requests that touched no boundary)."""
    count = UnclearCount(label, rows, team, at)
    if all(existing.label != label for existing in _unclear_counts):
        _unclear_counts.append(count)


def _since_ratified(rows: QuerySet, *, team: str, at: str, team_ids: list[int]) -> QuerySet:
    """Rows of these teams since their version in force was ratified (one join, whatever the number of teams)."""
    return rows.filter(**{f"{team}__in": team_ids, f"{team}__charters__state": Charter.State.RATIFIED,
                          f"{at}__gte": F(f"{team}__charters__ratified_at")})


# Judging the conditions -----------------------------------------------------------------------------------


@dataclass
class Finding:
    """A condition that holds for a version in force: what a trigger would be made of."""

    charter: Charter
    kind: str
    subject: str
    headline: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.charter.pk, self.kind, self.subject)


def normalised(title: str) -> str:
    return " ".join(title.split()).casefold()


def completed_weeks(team, now: datetime) -> list:
    """The team's last `strain_trigger_window` completed weeks (Mondays), newest first."""
    week = current_week(team, now)
    mondays = []
    for _ in range(team.strain_trigger_window):
        week = week.previous()
        mondays.append(week.monday)
    return mondays


def findings(charters: list[Charter], now: datetime) -> list[Finding]:
    """Every condition that holds for these versions in force (teams loaded), in a fixed number of queries.

    Queries: the versions' non-negotiables (1), the strains of the recent weeks (1), the check-ins'
    "unclear who decides" (1), one per registered unclear count, who consented (1), who is in the
    teams now (1).
    """
    if not charters:
        return []
    found = []
    found += _strained(charters, now)
    found += _unclear(charters)
    found += _review_date(charters, now)
    found += _consent_debt(charters)
    return found


def _strained(charters: list[Charter], now: datetime) -> list[Finding]:
    by_team = {c.team_id: c for c in charters}
    titles: dict[int, dict[str, str]] = defaultdict(dict)  # charter -> normalised title -> title
    for charter_id, title in NonNegotiable.objects.filter(charter__in=charters).values_list("charter_id", "title"):
        titles[charter_id][normalised(title)] = title
    weeks = {c.team_id: completed_weeks(c.team, now) for c in charters}
    oldest = min(min(mondays) for mondays in weeks.values() if mondays) if any(weeks.values()) else None
    if oldest is None:
        return []
    strains = (CheckIn.objects.filter(team_id__in=list(by_team), state=CheckIn.State.SUBMITTED,
                                      week__gte=oldest, strained_non_negotiable__isnull=False)
               .values_list("team_id", "week", "submitted_at", "strained_non_negotiable__title", "strain_note")
               .order_by("team_id", "week", "pk"))
    flagged: dict[tuple[int, str], dict[str, Any]] = {}
    for team_id, week, submitted_at, title, note in strains:
        charter = by_team[team_id]
        name = normalised(title)
        if week not in weeks[team_id] or name not in titles[charter.pk] or submitted_at < charter.ratified_at:
            continue
        seen = flagged.setdefault((team_id, name), {"weeks": set(), "flags": 0, "quotes": []})
        seen["weeks"].add(week)
        seen["flags"] += 1
        if note.strip() and note.strip() not in seen["quotes"] and len(seen["quotes"]) < QUOTES:
            seen["quotes"].append(note.strip())
    found = []
    for (team_id, name), seen in flagged.items():
        charter = by_team[team_id]
        team = charter.team
        if len(seen["weeks"]) < team.strain_trigger_weeks:
            continue
        title = titles[charter.pk][name]
        found.append(Finding(
            charter, Kind.STRAINED, f"non-negotiable:{name}"[:200],
            f"“{title}” was strained in {len(seen['weeks'])} of the last {team.strain_trigger_window} weeks",
            {"non_negotiable": title, "weeks": [w.isoformat() for w in sorted(seen["weeks"])],
             "window": team.strain_trigger_window, "needed": team.strain_trigger_weeks, "flags": seen["flags"],
             "quotes": seen["quotes"]},
        ))
    return found


def _unclear(charters: list[Charter]) -> list[Finding]:
    by_team = {c.team_id: c for c in charters}
    team_ids = list(by_team)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    quotes: dict[int, list[str]] = defaultdict(list)
    questions = (_since_ratified(CheckIn.objects.filter(state=CheckIn.State.SUBMITTED).exclude(boundary_question=""),
                                 team="team", at="submitted_at", team_ids=team_ids)
                 .values_list("team_id", "boundary_question").order_by("team_id", "submitted_at", "pk"))
    for team_id, question in questions:
        counts[team_id]["check-ins"] = counts[team_id].get("check-ins", 0) + 1
        if question.strip() not in quotes[team_id] and len(quotes[team_id]) < QUOTES:
            quotes[team_id].append(question.strip())
    for source in _unclear_counts:
        rows = _since_ratified(source.rows(), team=source.team, at=source.at, team_ids=team_ids)
        for team_id, n in rows.values_list(source.team).annotate(n=Count("pk")).order_by().values_list(source.team,
                                                                                                        "n"):
            counts[team_id][source.label] = n
    found = []
    for team_id, by_source in counts.items():
        charter = by_team[team_id]
        total = sum(by_source.values())
        if total < charter.team.unclear_trigger_count:
            continue
        found.append(Finding(
            charter, Kind.UNCLEAR, UNCLEAR_SUBJECT,
            f"“unclear who decides” came up {total} times since version {charter.number} was ratified",
            {"count": total, "needed": charter.team.unclear_trigger_count, "sources": by_source,
             "since": charter.ratified_at.date().isoformat(), "quotes": quotes.get(team_id, [])},
        ))
    return found


def _review_date(charters: list[Charter], now: datetime) -> list[Finding]:
    found = []
    for charter in charters:
        if charter.review_on and charter.review_on <= timezone.localtime(now, charter.team.zone).date():
            found.append(Finding(
                charter, Kind.REVIEW_DATE, REVIEW_DATE_SUBJECT.format(charter.review_on),
                f"version {charter.number} was to be reviewed by {charter.review_on:%-d %B %Y}",
                {"review_on": charter.review_on.isoformat()},
            ))
    return found


def _consent_debt(charters: list[Charter]) -> list[Finding]:
    consented: dict[int, set[int]] = defaultdict(set)
    for charter_id, member_id in Response.objects.filter(charter__in=charters, kind=Response.Kind.CONSENT) \
            .values_list("charter_id", "member_id"):
        consented[charter_id].add(member_id)
    present: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in Membership.objects.filter(team_id__in=[c.team_id for c in charters]) \
            .values_list("team_id", "user_id"):
        present[team_id].add(user_id)
    found = []
    for charter in charters:
        gave = consented.get(charter.pk, set())
        left = gave - present[charter.team_id]
        if gave and len(left) * 3 > len(gave):
            found.append(Finding(
                charter, Kind.CONSENT_DEBT, CONSENT_SUBJECT,
                f"{len(left)} of the {len(gave)} people who consented to version {charter.number} have left the team",
                {"consented": len(gave), "left": len(left)},
            ))
    return found


# Firing -------------------------------------------------------------------------------------------------


def active_charters(*, batch_size: int = BATCH_SIZE) -> Iterator[list[Charter]]:
    """The versions in force of teams at work, with their teams, a batch at a time (one query per batch)."""
    charters = (Charter.objects.active().filter(team__archived_at__isnull=True, ratified_at__isnull=False)
                .select_related("team__organisation").order_by("pk"))
    yield from in_batches(charters, batch_size)


def fire_due_triggers(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> Counts:
    """Fire every trigger whose condition holds and has not fired for its version and subject; tell the leaders.

    Idempotent: a second run finds them fired and does nothing. `sent` counts the notices made.
    """
    now = now or timezone.now()
    counts = Counts()
    for batch in active_charters(batch_size=batch_size):
        counts.sent += len(fire(batch, now=now))
    logger.info("review triggers: %s", counts)
    return counts


def fire(charters: list[Charter], *, now: datetime) -> list:
    """Fire what holds for this batch of versions in force (teams loaded); the notices made.

    Queries: `findings` (5 and one per registered count), the triggers already fired (1), and when some
    are new: their insert (1), reading them back (1), the teams' leaders (1), telling them (`deliver_many`).
    """
    held = findings(charters, now)
    if not held:
        return []
    fired = set(ReviewTrigger.objects.filter(charter__in={f.charter.pk for f in held})
                .values_list("charter_id", "kind", "subject"))
    new = [f for f in held if f.key not in fired]
    if not new:
        return []
    with transaction.atomic():
        # Another run may insert the same rows meanwhile: the unique constraint keeps one of each.
        ReviewTrigger.objects.bulk_create(
            [ReviewTrigger(team_id=f.charter.team_id, charter=f.charter, kind=f.kind, subject=f.subject,
                           headline=f.headline[:300], evidence=f.evidence, fired_at=now) for f in new],
            ignore_conflicts=True)
        wanted = Q()
        for f in new:
            wanted |= Q(charter_id=f.charter.pk, kind=f.kind, subject=f.subject)
        triggers = list(ReviewTrigger.objects.filter(wanted, state=ReviewTrigger.State.OPEN).order_by("pk"))
        teams = {f.charter.team_id: f.charter.team for f in new}
        memberships: dict[int, list[Membership]] = defaultdict(list)
        for membership in Membership.objects.filter(team_id__in=list(teams)).select_related("user").order_by("pk"):
            memberships[membership.team_id].append(membership)
        messages = []
        for trigger in triggers:
            team = trigger.team = teams[trigger.team_id]
            for leader in people_who_may(team, Capability.STEWARD_CHARTER, memberships=memberships[team.pk]):
                messages.append(Message(leader, TRIGGER, f"review-trigger-{trigger.pk}", **notice(trigger)))
        return notifications.deliver_many(messages, now=now)


def notice(trigger: ReviewTrigger) -> dict[str, str]:
    """What the leaders are told when a trigger fires (`trigger.team` loaded)."""
    team = trigger.team
    return {
        "subject": f"{team.name}: the charter asks to be revisited — {trigger.headline}",
        "body": (f"The charter of {team.name} asks to be revisited: {trigger.headline}. The evidence is on its "
                 "page, where you can start an amendment with it filled in, or dismiss it with a reason."),
        "url": trigger.get_absolute_url(),
    }


def next_times(teams, now: datetime) -> dict[int, dict[str, datetime | None]]:
    """`manage.py schedule_preview`: the next hourly check for every team at work (no query)."""
    following = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {team.pk: {"review trigger check": None if team.is_archived else following} for team in teams}


# What a reader sees of the evidence ---------------------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """A trigger's evidence as the team may read it: lines of fact, and words only where check-ins are open."""

    lines: list[str]
    quotes: list[str]
    quotes_withheld: bool


def evidence_of(trigger: ReviewTrigger) -> Evidence:
    """Weeks and counts for everyone in the team (counts of people through `Team.privacy_minimum`); the words
    of strain notes and questions only when the team's check-ins are open to the team (`trigger.team` loaded)."""
    team, data = trigger.team, trigger.evidence
    lines: list[str] = []
    if trigger.kind == Kind.STRAINED:
        weeks = ", ".join(f"{datetime.fromisoformat(w):%-d %b}" for w in data.get("weeks", []))
        lines.append(f"“{data.get('non_negotiable', '')}” was flagged as strained in {len(data.get('weeks', []))} of "
                     f"the last {data.get('window')} completed weeks (the team asks at {data.get('needed')}): "
                     f"the weeks of {weeks}.")
        flags = shown_count(team, data.get("flags", 0))
        lines.append(f"{flags} check-in{flags.plural_suffix} named it.")
    elif trigger.kind == Kind.UNCLEAR:
        lines.append(f"“Unclear who decides” came up {data.get('count')} times since "
                     f"{datetime.fromisoformat(data.get('since')):%-d %B %Y} (the team asks at {data.get('needed')}).")
        for source, n in data.get("sources", {}).items():
            shown = shown_count(team, n)
            lines.append(f"From {source}: {shown}.")
    elif trigger.kind == Kind.REVIEW_DATE:
        lines.append(f"Version {trigger.charter.number} was to be reviewed by "
                     f"{datetime.fromisoformat(data.get('review_on')):%-d %B %Y}.")
    elif trigger.kind == Kind.CONSENT_DEBT:
        lines.append(f"{data.get('left')} of the {data.get('consented')} people who consented to version "
                     f"{trigger.charter.number} have left the team: more than a third.")
    words = data.get("quotes", [])
    open_words = team.checkins_open_to_team
    return Evidence(lines=lines, quotes=words if open_words else [], quotes_withheld=bool(words) and not open_words)


def amendment_note(trigger: ReviewTrigger) -> str:
    """The amendment's "what changes and why", filled in from the evidence as the team may read it."""
    evidence = evidence_of(trigger)
    parts = [f"The charter asked to be revisited: {trigger.headline}.", "", *evidence.lines]
    if evidence.quotes:
        parts += ["", "In the team's words:", *(f"- “{quote}”" for quote in evidence.quotes)]
    parts += ["", "What we change and why: "]
    return "\n".join(parts)
