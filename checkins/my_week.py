"""What check-ins put in someone's week (`alignment.my_week`): for all their teams at once, in five parts of its query.

For everyone who checks in: this week's check-in while it is missing or a draft, commitment requests
waiting for their answer, their open commitments due within `DUE_SOON_DAYS` or overdue, and the open
blockers they raised or were named on as who could help. For those who answer check-ins (the team's
leaders): submitted check-ins of this week and last that nobody acknowledged or answered yet, the
people still missing after the check-in time, renegotiations to decide and the blockers open longest.

Parts: the person's check-ins of this week and last, with the submitted ones of the teams they answer
(no words: state, author and times); the people of the teams they answer; the person's commitments
asked or falling due; the pending renegotiations of the teams they answer; the open blockers they
raised, were named on, or their teams' (what they say, who raised them). A part whose teams are none
is left out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse

from alignment.models import Membership, User
from alignment.my_week import WeekItem, WeekSource, access_to
from alignment.one_query import Rows, Shaped
from alignment.permissions import Capability, capabilities_of
from alignment.weeks import current_week
from checkins import permissions
from checkins.models import Blocker, CheckIn, Commitment, Renegotiation, Reply
from checkins.reminders import reminder_at

DUE_SOON_DAYS = 7
OLDEST_BLOCKERS_SHOWN = 3  # per team, to its leaders
NAMES_SHOWN = 3


def _context(person, memberships: list[Membership], now: datetime):
    accesses = {m.team_id: access_to(person, m) for m in memberships}
    teams = {m.team_id: m.team for m in memberships}
    weeks = {team_id: current_week(team, now) for team_id, team in teams.items()}
    answering = [t for t, access in accesses.items() if access.may_answer_checkins]
    return accesses, teams, weeks, answering


def queries(person, memberships: list[Membership], now: datetime) -> dict[str, Shaped]:
    accesses, teams, weeks, answering = _context(person, memberships, now)
    mondays = sorted({w.monday for w in weeks.values()} | {w.previous().monday for w in weeks.values()})
    latest_today = max(now.astimezone(team.zone).date() for team in teams.values())
    teams = list(teams)
    parts = {
        "checkins": Shaped(_checkins, {"teams": teams, "mondays": mondays, "person": person.pk,
                                       "answering": answering}),
        "commitments": Shaped(_commitments_due, {"teams": teams, "person": person.pk,
                                                 "due_by": latest_today + timedelta(days=DUE_SOON_DAYS)}),
        "blockers": Shaped(_open_blockers, {"teams": teams, "person": person.pk, "answering": answering}),
    }
    if answering:
        parts["people"] = Shaped(_answered_people, {"answering": answering})
        parts["renegotiations"] = Shaped(_pending_renegotiations, {"answering": answering, "person": person.pk})
    return parts


# The parts, each a function of its inputs alone (alignment.one_query.Shaped).

def _checkins(teams: list[int], mondays: list, person: int, answering: list[int]) -> Rows:
    """part: my check-ins of this week and last, and the submitted ones of the teams I answer"""
    answered = Reply.objects.filter(check_in=OuterRef("pk")).exclude(author=OuterRef("author"))
    return Rows(
        CheckIn.objects.filter(team_id__in=teams, week__in=mondays)
        .filter(Q(author_id=person) | Q(team_id__in=answering, state=CheckIn.State.SUBMITTED)),
        ("team", "author", "week", "state", "submitted_at", "acknowledged_at"),
        {"answered": Exists(answered), **_named_by("author")}, order=("submitted_at", "pk"))


def _commitments_due(teams: list[int], person: int, due_by) -> Rows:
    """part: my commitments asked of me, or open and falling due"""
    pending = Renegotiation.objects.filter(commitment=OuterRef("pk"), state=Renegotiation.State.PENDING)
    return Rows(
        Commitment.objects.filter(team_id__in=teams, owner_id=person)
        .filter(Q(state=Commitment.State.REQUESTED) | Q(state=Commitment.State.OPEN, due_on__lte=due_by)),
        ("team", "title", "due_on", "state", "created_at"), {"renegotiating": Exists(pending)})


def _open_blockers(teams: list[int], person: int, answering: list[int]) -> Rows:
    """part: open blockers I raised or was named on, and those of the teams I answer, oldest first"""
    return Rows(
        Blocker.objects.open().shared().filter(team_id__in=teams)
        .filter(Q(check_in__author_id=person) | Q(who_could_help_id=person) | Q(team_id__in=answering)),
        ("check_in", "team", "what", "opened_at", "who_could_help"),
        {"author_id": F("check_in__author_id"), **_named_by("check_in__author")},
        order=("opened_at", "pk"))


def _answered_people(answering: list[int]) -> Rows:
    """part: the people of the teams I answer"""
    return Rows(Membership.objects.filter(team_id__in=answering),
                ("team", "user", "is_leader", "is_member", "is_facilitator"), _named_by("user"),
                order=("user_email",))


def _pending_renegotiations(answering: list[int], person: int) -> Rows:
    """part: the pending renegotiations of the teams I answer"""
    return Rows(
        Renegotiation.objects.filter(state=Renegotiation.State.PENDING, commitment__team_id__in=answering)
        .exclude(asked_by_id=person),
        ("commitment", "kind", "asked_at", "asked_by"),
        {"team_id": F("commitment__team_id"), "commitment_title": F("commitment__title"),
         **_named_by("asked_by")})


def _named_by(person: str) -> dict:
    """A person's display name and e-mail address across a join, to name them (`User.name_of`)."""
    return {f"{person.rsplit('__', 1)[-1]}_display_name": F(f"{person}__display_name"),
            f"{person.rsplit('__', 1)[-1]}_email": F(f"{person}__email")}


def week_items(person, memberships: list[Membership], now: datetime, found: dict) -> list[WeekItem]:
    accesses, teams, weeks, answering = _context(person, memberships, now)
    writing = [t for t, access in accesses.items() if access.may_check_in]
    checkins = found["checkins"]
    for checkin in checkins:
        checkin.team = teams[checkin.team_id]  # already loaded
    items: list[WeekItem] = []
    items += _my_checkins(person, checkins, teams, weeks, writing, now)
    items += _checkins_to_answer(person, checkins, accesses, weeks)
    items += _missing(checkins, found.get("people", []), teams, weeks, answering, now)
    items += _commitments(found["commitments"], teams, now)
    items += _renegotiations(found.get("renegotiations", []), teams)
    items += _blockers(person, found["blockers"], teams)
    return items


def _my_checkins(person, checkins, teams, weeks, writing, now) -> list[WeekItem]:
    mine = {(c.team_id, c.week): c for c in checkins if c.author_id == person.pk}
    items = []
    for team_id in writing:
        team, week = teams[team_id], weeks[team_id]
        url = reverse("checkins:this_week", args=[team.organisation.slug, team.slug])
        due = reminder_at(team, week)
        checkin = mine.get((team_id, week.monday))
        if checkin is None:
            items.append(WeekItem(team, "checkin_due", f"Write your check-in for the {_named(week)}", url,
                                  due_at=due))
        elif checkin.is_draft:
            items.append(WeekItem(team, "checkin_draft",
                                  f"Submit your check-in for the {_named(week)}: it is still a draft", url,
                                  due_at=due))
        else:
            following = week.next()
            items.append(WeekItem(team, "checkin_in", f"Your check-in for the {_named(week)} is in", url,
                                  due_at=reminder_at(team, following), settled=True))
    return items


def _named(week) -> str:
    """"week of 16 Nov 2026", to go inside a sentence."""
    return week.label[:1].lower() + week.label[1:]


def _checkins_to_answer(person, checkins, accesses, weeks) -> list[WeekItem]:
    items = []
    for checkin in checkins:
        access, week = accesses[checkin.team_id], weeks[checkin.team_id]
        if checkin.week not in (week.monday, week.previous().monday):
            continue
        if checkin.is_acknowledged or checkin.answered or not permissions.may_acknowledge(access, checkin):
            continue
        team = checkin.team
        label = "this week" if checkin.week == week.monday else "last week"
        author = User.name_of(checkin.author_display_name, checkin.author_email)
        items.append(WeekItem(
            team, "checkin_to_answer", f"Acknowledge or answer {author}’s check-in ({label})",
            reverse("checkins:checkin", args=[team.organisation.slug, team.slug, checkin.pk]),
            for_leader=True, since=checkin.submitted_at))
    return items


def _missing(checkins, people, teams, weeks, answering, now) -> list[WeekItem]:
    """Who has not checked in this week, once the check-in time has passed: one line per team."""
    # Asked for every team I answer, due or not, so that the page costs the same at any hour.
    due_teams = {t for t in answering if now >= reminder_at(teams[t], weeks[t])}
    in_by_team: dict[int, set[int]] = {}
    for checkin in checkins:
        if checkin.is_submitted and checkin.week == weeks[checkin.team_id].monday:
            in_by_team.setdefault(checkin.team_id, set()).add(checkin.author_id)
    missing: dict[int, list[str]] = {}
    checking_in: set[int] = set()  # the teams where someone checks in
    for membership in people:
        if Capability.CHECK_IN not in capabilities_of(membership):
            continue
        checking_in.add(membership.team_id)
        if membership.user_id not in in_by_team.get(membership.team_id, set()):
            missing.setdefault(membership.team_id, []).append(
                User.name_of(membership.user_display_name, membership.user_email))
    items = []
    for team_id in answering:
        team, week = teams[team_id], weeks[team_id]
        url = reverse("checkins:week", args=[team.organisation.slug, team.slug])
        names = missing.get(team_id)
        if names and team_id in due_teams:
            verb = "has" if len(names) == 1 else "have"
            items.append(WeekItem(team, "checkins_missing",
                                  f"{_people(names)} {verb} not checked in for the {_named(week)}",
                                  url + "#people-title", for_leader=True, since=reminder_at(team, week)))
        elif not names and team_id in checking_in:  # what good looks like, for a page where nothing waits
            items.append(WeekItem(team, "checkins_all_in",
                                  f"Everyone in {team.name} has checked in for the {_named(week)}", url,
                                  for_leader=True, settled=True))
    return items


def _people(names: list[str]) -> str:
    """"Max", "Max and Fay", "Max, Fay and Ola", "Max, Fay, Ola and 2 more"."""
    if len(names) > NAMES_SHOWN:
        return f"{', '.join(names[:NAMES_SHOWN])} and {len(names) - NAMES_SHOWN} more"
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]


def _commitments(commitments, teams, now) -> list[WeekItem]:
    items = []
    for commitment in commitments:
        team = teams[commitment.team_id]
        url = reverse("checkins:commitment", args=[team.organisation.slug, team.slug, commitment.pk])
        if commitment.is_requested:
            items.append(WeekItem(team, "commitment_request",
                                  f"Accept or decline: “{commitment.title}” (due {commitment.due_on:%d %b})",
                                  url, since=commitment.created_at))
            continue
        today = now.astimezone(team.zone).date()
        if commitment.due_on > today + timedelta(days=DUE_SOON_DAYS):
            continue  # due later in this team's calendar
        asked = " (you asked to renegotiate)" if commitment.renegotiating else ""
        items.append(WeekItem(team, "commitment_due", f"Your commitment “{commitment.title}”{asked}", url,
                              due_on=commitment.due_on))
    return items


def _renegotiations(renegotiations, teams) -> list[WeekItem]:
    items = []
    for renegotiation in renegotiations:
        team = teams[renegotiation.team_id]
        asker = User.name_of(renegotiation.asked_by_display_name, renegotiation.asked_by_email)
        items.append(WeekItem(
            team, "renegotiation",
            f"Decide {asker}’s request to {renegotiation.get_kind_display()}: “{renegotiation.commitment_title}”",
            reverse("checkins:commitment", args=[team.organisation.slug, team.slug, renegotiation.commitment_id])
            + f"#renegotiation-{renegotiation.pk}",
            for_leader=True, since=renegotiation.asked_at))
    return items


def _blockers(person, blockers, teams) -> list[WeekItem]:
    items, shown_per_team = [], {}
    for blocker in blockers:
        team = teams[blocker.team_id]
        url = reverse("checkins:week", args=[team.organisation.slug, team.slug]) + f"#blocker-{blocker.pk}"
        raiser = User.name_of(blocker.author_display_name, blocker.author_email)
        if blocker.author_id == person.pk:
            items.append(WeekItem(team, "blocker_mine", f"Your blocker is still open: “{blocker.what}”", url,
                                  since=blocker.opened_at))
        elif blocker.who_could_help_id == person.pk:
            items.append(WeekItem(team, "blocker_named", f"{raiser} named you as who could help: "
                                                         f"“{blocker.what}”", url, since=blocker.opened_at))
        elif shown_per_team.get(team.pk, 0) < OLDEST_BLOCKERS_SHOWN:
            shown_per_team[team.pk] = shown_per_team.get(team.pk, 0) + 1
            items.append(WeekItem(team, "blocker_open", f"{raiser}’s blocker is open: “{blocker.what}”", url,
                                  for_leader=True, since=blocker.opened_at))
    return items


source = WeekSource(queries, week_items)
