"""Read-only queries for requests between teams: a team's lists, one ask's page, the ask form's choices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from alignment.models import Team, User
from alignment.one_query import Read
from alignment.pages import Paged, page_number
from alignment.permissions import TeamAccess
from alignment.row_urls import RowUrls
from alignment.weeks import TeamWeek
from asks import permissions
from asks.models import Ask, AskComment, Route
from charters.models import Boundary, Charter
from checkins.pulse import UnclearWhoDecides

# Each list shows this many asks a page, newest first.
LIST_SIZE = 50
ROW_FIELDS = ("pk", "title", "state", "route", "area", "due_on", "created_at", "asked_by__display_name",
              "asked_by__email")


@dataclass(frozen=True, slots=True)
class AskRow:
    """One ask as a team's list shows it: plain values, labels already in words."""

    url: str
    title: str
    other_team: str  # the team asked, or the team that asks
    route_label: str
    area: str
    state_label: str
    is_open: bool
    due_on: object
    created_at: datetime
    asked_by: str


@dataclass(frozen=True)
class TeamAsksPage:
    received: list[AskRow]
    received_page: Paged
    sent: list[AskRow]
    sent_page: Paged
    other_teams: list[tuple[str, str]]  # (slug, name): the teams of the organisation this team's people may ask


def _rows(asks) -> list[AskRow]:
    states, routes = dict(Ask.State.choices), dict(Route.choices)
    urls: dict[tuple[str, str], RowUrls] = {}  # one reversal per receiving team, not per row
    rows = []
    for values in asks:
        pk, title, state, route, area, due_on, created_at, display_name, email, team_name, org_slug, team_slug = values
        if (org_slug, team_slug) not in urls:
            urls[org_slug, team_slug] = RowUrls("asks:detail", org_slug, team_slug)
        rows.append(AskRow(
            url=urls[org_slug, team_slug].of(pk), title=title, other_team=team_name,
            route_label=str(routes[route]), area=area, state_label=str(states[state]),
            is_open=Ask(state=state).is_open, due_on=due_on, created_at=created_at,
            asked_by=User(display_name=display_name, email=email).name if email else ""))
    return rows


def _page_of(rows: QuerySet, page: int) -> tuple[QuerySet, int]:
    """A page of a newest-first list plus one row (which says an older page exists)."""
    start = (page - 1) * LIST_SIZE
    return rows[start:start + LIST_SIZE + 1], page


def team_asks_page(team: Team, *, received_page: str | None = None, sent_page: str | None = None) -> TeamAsksPage:
    """A page of the team's requests received and one of those sent, newest first, and whom it may ask:
    3 queries whatever their number (each list read a page plus one at a time, as `alignment.pages` does).

    `team` has its organisation loaded. Read off `ask_received` and `ask_sent`.
    """
    org = team.organisation.slug
    received_number, sent_number = page_number(received_page), page_number(sent_page)
    received_rows, _ = _page_of(team.asks_received.values_list(*ROW_FIELDS, "asking_team__name"), received_number)
    received = _rows([(*row, org, team.slug) for row in received_rows])  # query: requests received, newest first
    sent_rows, _ = _page_of(team.asks_sent.values_list(
        *ROW_FIELDS, "receiving_team__name", "receiving_team__organisation__slug", "receiving_team__slug",
    ), sent_number)
    sent = _rows(sent_rows)  # query: requests sent, newest first
    others = list(Team.objects.filter(organisation_id=team.organisation_id, archived_at__isnull=True)
                  .exclude(pk=team.pk).order_by("name").values_list("slug", "name"))  # query: teams to ask
    return TeamAsksPage(
        received=received[:LIST_SIZE], received_page=Paged(number=received_number, has_next=len(received) > LIST_SIZE),
        sent=sent[:LIST_SIZE], sent_page=Paged(number=sent_number, has_next=len(sent) > LIST_SIZE),
        other_teams=others)


def boundaries_in_force(team: Team) -> tuple[Charter | None, list[Boundary]]:
    """The receiving team's charter in force and its boundaries, in their order (1–2 queries)."""
    active = Charter.objects.active_for(team)
    return active, list(active.boundaries.order_by("position", "pk")) if active else []


def asks_for_page():
    """One ask with everything its page shows, in 1 query once filtered by pk."""
    return Ask.objects.select_related("asking_team__organisation", "receiving_team__organisation", "asked_by",
                                      "answered_by", "decision")


@dataclass(frozen=True)
class AskPage:
    ask: Ask
    access: permissions.AskAccess
    comments: list[AskComment]


def ask_page(access: permissions.AskAccess) -> AskPage:
    """The ask's thread with its authors (1 query)."""
    comments = list(access.ask.comments.select_related("author"))
    return AskPage(ask=access.ask, access=access, comments=comments)


def unclear_in_pulse(access: TeamAccess, week: TeamWeek) -> list[UnclearWhoDecides]:
    """`checkins.pulse` source: requests to the team that touched no boundary, asked this week or still open.

    One query for a reader of the team's requests; none for anyone else (an admin outside the team).
    """
    if not permissions.reads_asks(access):
        return []
    team = access.team
    asks = _unclear_of_week_read(team, week).rows()
    urls = RowUrls("asks:detail", team.organisation.slug, team.slug)
    return [UnclearWhoDecides(text=f"{ask.asking_team.name} asks “{ask.title}” ({ask.get_state_display().lower()})",
                              url=urls.of(ask.pk)) for ask in asks]


def unclear_in_pulse_reads(access: TeamAccess, week: TeamWeek) -> list[Read]:
    """The read `unclear_in_pulse` makes for this reader (none for a reader it shows nothing)."""
    return [_unclear_of_week_read(access.team, week)] if permissions.reads_asks(access) else []


def _unclear_of_week_read(team, week: TeamWeek) -> Read:
    return Read(_unclear_of_week, {"team": team.pk, "starts": week.starts_at, "ends": week.ends_at})


def _unclear_of_week(team: int, starts: datetime, ends: datetime):
    """query: the team's requests that touched no boundary, asked between `starts` and `ends` or still open"""
    return (Ask.objects.unclear().filter(receiving_team_id=team, created_at__lt=ends)
            .filter(Q(created_at__gte=starts) | Q(state=Ask.State.OPEN))
            .select_related("asking_team").only("title", "state", "asking_team__name", "created_at")
            .order_by("created_at", "pk"))
