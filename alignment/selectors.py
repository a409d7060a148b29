"""Read-only queries of the core's pages: a person's home, an organisation's alignment map and its people.

Each builds what its page shows for one reader in a fixed number of queries; views render it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from itertools import groupby

from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.functions import Coalesce, Lower, NullIf
from django.db.models.lookups import BuiltinLookup, IContains
from django.utils import timezone, translation
from django.utils.http import urlencode

from alignment import fragments, my_week, panels, permissions
from alignment.models import Invitation, Membership, Organisation, Team, User
from alignment.one_query import Read, read_shaped, reading_ahead
from alignment.pages import Paged, page_number
from alignment.row_urls import RowUrls

TEAMS_PER_PAGE = 24
PAGES_ASKED_AT_MOST = 2**31 // TEAMS_PER_PAGE  # more than any organisation has: beyond it is past the last page
LEADERS_SHOWN = 3


@dataclass(frozen=True)
class HomePage:
    groups: list[tuple[Organisation, list[Membership]]]  # the teams at work, by organisation
    archived: list[Membership]
    administered: list[Organisation]
    at_work: list[Membership]  # the header's team switcher lists the same teams, in the same order
    week: my_week.MyWeek = field(default_factory=my_week.MyWeek)  # what waits for them, most urgent first


def home_page(user, *, now: datetime) -> HomePage:
    """A person's week, their teams by organisation, their archived teams and the organisations they run.

    Two queries, and each week source's fixed few (`alignment.my_week`), whatever the number of teams.
    """
    memberships = permissions.keep_riders(user, read_shaped(_home_memberships, person=user.pk))
    at_work = [m for m in memberships if not m.team.is_archived]
    return HomePage(
        groups=[(organisation, list(items)) for organisation, items in groupby(at_work, key=lambda m: m.team.organisation)],
        archived=[m for m in memberships if m.team.is_archived],
        administered=read_shaped(_administered, person=user.pk),
        at_work=at_work,
        week=my_week.my_week(user, at_work, now),
    )


def _home_memberships(person: int):
    """query: the person's memberships with their teams, organisations and head counts (and the riders: the
    header's bell)"""
    return permissions.with_riders(
        Membership.objects.filter(user_id=person).select_related("team__organisation")
        .annotate(member_count=Count("team__memberships")).order_by("team__organisation__name", "team__name"), person)


def _administered(person: int):
    """query: the organisations they run"""
    return Organisation.objects.filter(admins=person)


def team_people(team: Team) -> list[Membership]:
    """The team's people with their accounts, leaders first (1 query)."""
    return _rows_of(team, _people)


def _people(team: int):
    return Membership.objects.filter(team_id=team).select_related("user").leaders_first()


def pending_invitations(team: Team) -> list[Invitation]:
    """The team's invitations still open, with who sent each (1 query)."""
    return _rows_of(team, _pending_invitations)


def team_page_reads(team: Team, *, invitations: bool) -> list[Read]:
    """What the team page reads of the team itself (its people; its open invitations for whoever manages it), to be
    read ahead with its panels' (`panels.team_panel_reads`)."""
    return [_team_read(_people, team), *([_team_read(_pending_invitations, team)] if invitations else [])]


def _team_read(build, team: Team) -> Read:
    return Read(build, {"team": team.pk})


def _rows_of(team: Team, build) -> list:
    """`build`'s rows of `team` (kept, `read_shaped`), each given the team already loaded."""
    rows = _team_read(build, team).rows()
    for row in rows:
        row.team = team
    return rows


def _pending_invitations(team: int):
    return Invitation.objects.filter(team_id=team).pending().select_related("invited_by")


def team_week(access: permissions.TeamAccess, *, now: datetime) -> my_week.MyWeek | None:
    """The reader's week in one team, for the team page's "My week" panel; None outside the team or when
    the team is archived (nothing in it can change)."""
    if not access.in_team or access.team.is_archived:
        return None
    return my_week.my_week(access.user, [access.membership], now)


@dataclass
class MapCard:
    """A team's card on the map as one reader sees it: the part every reader reads alike, drawn from
    `team` alone into `html` (by the view), and the reader's own parts around it."""

    team: Team
    url: str = ""  # the team's page, linked for its own members
    is_mine: bool = False
    html: str = ""
    article: str = ""  # the whole card, with the reader's parts around `html` (by the view)


@dataclass(frozen=True)
class OrganisationPage:
    page: Page
    # The page's teams, with what their cards are drawn from and nothing of the reader: .member_count,
    # .leaders (names), .more_leaders, .panels, and .card_version (None: drawn at every reading).
    teams: list[Team]
    cards: list[MapCard]  # the same teams for this reader
    page_links: dict[str, str]
    searching: bool
    is_admin: bool
    summaries: list[panels.Panel] = field(default_factory=list)
    sections: list[panels.Panel] = field(default_factory=list)  # what feature apps show everyone, above the teams


def organisation_page(user, organisation: Organisation, *, name: str, option: str, page_number: str | None,
                      now: datetime, memberships: list[Membership]) -> OrganisationPage:
    """The alignment map's cards for one reader: searched, filtered and paged.

    The same queries with 3 teams or 1,000: the page's teams with how many match, their head counts,
    their leaders, and one batch per feature panel; filters and the admins' summary are single SQL
    queries over all teams. `memberships` are the reader's (loaded for the access check): they say
    which cards are the reader's own teams. The page's own queries are kept (`read_shaped`): read
    again, each only binds its inputs.
    """
    page = _page_of(_TeamsAsked(organisation.pk, option, now, _name_pattern(name) if name else None), page_number)
    shown = page.object_list
    for team in shown:
        team.organisation = organisation  # already loaded
    # What the page reads of its teams, and what its sections read first, sent in one wait.
    ids = [team.pk for team in shown]
    with reading_ahead([_heads_and_leaders_read(ids), *panels.organisation_page_reads(organisation, ids)]):
        _add_people(shown)
        # Each feature app shows what it knows of every team (a charter's purpose and goals...).
        panels.attach_organisation_panels(shown)
        sections = panels.organisation_sections(organisation, user)
    # What every card shares: its organisation's row (digested once: its purpose is long, and each card's key
    # would write it out again), the language and the time zone, worked out once.
    alike = (fragments.digest(_row(organisation)), translation.get_language(), timezone.get_current_timezone_name())
    for team in shown:
        team.card_version = _card_version(team, alike)
    mine = {m.team_id for m in memberships}
    team_urls = RowUrls("team", organisation.slug)  # reversed once, not once per card
    cards = [MapCard(team, url=team_urls.of(team.slug), is_mine=True) if team.pk in mine else MapCard(team)
             for team in shown]
    is_admin = permissions.is_organisation_admin(user, organisation, memberships=memberships)
    search = {key: value for key, value in (("q", name), ("filter", option)) if value}
    return OrganisationPage(
        page=page, teams=shown, cards=cards, page_links=_page_links(page, search), searching=bool(search),
        is_admin=is_admin, summaries=panels.organisation_summaries(organisation, now) if is_admin else [],
        sections=sections,
    )


@dataclass(frozen=True)
class _TeamsAsked:
    """Which of an organisation's teams the map lists: those whose name matches `pattern` (a LIKE pattern,
    `_name_pattern`; None: every name), narrowed by the filter `option` (`panels.filter_teams`, "" for none)."""

    organisation: int
    option: str
    now: datetime
    pattern: str | None

    def read(self, build, **shape) -> list:
        """`build`'s rows for these teams, kept per shape: the filter and whether there is a search are part of it."""
        searched = {"pattern": self.pattern} if self.pattern is not None else {}
        return read_shaped(build, shape={"option": self.option, "searching": self.pattern is not None, **shape},
                           org=self.organisation, now=self.now, **searched)


class _NameContains(IContains):
    """`name__icontains=name` with its LIKE pattern made beforehand (`_name_pattern`): the same SQL and the same
    parameter, but the parameter is the builder's input as it is, so that a search's query can be kept."""

    def process_rhs(self, compiler, connection):
        return BuiltinLookup.process_rhs(self, compiler, connection)


def _name_pattern(name: str) -> str:
    """The LIKE pattern `icontains` makes of `name` on the database the teams are read from."""
    connection = connections[router.db_for_read(Team)]
    pattern = connection.ops.prep_for_like_query(name)
    return IContains.param_pattern % pattern if connection.features.pattern_lookup_needs_param_pattern else pattern


def _matching_teams(org: int, option: str, searching: bool, now: datetime, pattern: str = "") -> QuerySet:
    """The organisation's teams that match the search and the filter."""
    teams = Team.objects.filter(organisation_id=org)
    if searching:
        # On PostgreSQL a trigram index on UPPER(name) serves this (migration 0011); SQLite scans.
        teams = teams.filter(_NameContains(F("name"), pattern))
    return panels.filter_teams(option, teams, org, now)


def _map_teams(org: int, option: str, searching: bool, start: int, now: datetime, pattern: str = ""):
    """query: a page of the teams that match, archived teams last (the page is about the teams at work), with
    how many match in all.

    Every team of the organisation: the page is read off the `team_map_order` index (PostgreSQL, migration
    0023) and the count is one count of the organisation's teams, in the same query. Searched or filtered: the count rides on the matching rows
    (`COUNT(*) OVER ()`), so that the search and the filter are worked out once."""
    if option or searching:
        found = Window(Count("*"))
    else:
        found = Subquery(_map_teams_counted(org, option, searching, now, pattern))
    return (_matching_teams(org, option, searching, now, pattern)
            .order_by(F("archived_at").asc(nulls_first=True), "name", "pk")
            .annotate(found=found)[start:start + TEAMS_PER_PAGE])


def _map_teams_counted(org: int, option: str, searching: bool, now: datetime, pattern: str = ""):
    """query: how many teams match (one row; none when none does)"""
    return (_matching_teams(org, option, searching, now, pattern).order_by().values("organisation_id")
            .annotate(found=Count("*")).values_list("found", flat=True))


def _page_of(teams: _TeamsAsked, number: str | None) -> Page:
    """The asked page of `teams`, and how many there are in all, in one query.

    The count rides on the page's rows (`COUNT(*) OVER ()`), so a search and a filter are worked
    out once rather than once to count and again to list. As `Paginator.get_page`: a page that is
    not a number is the first, one out of range the last (two more queries, for an address no link
    of ours makes).
    """
    paginator = Paginator([], TEAMS_PER_PAGE)  # counted here: it pages nothing itself
    try:
        asked = int(number)
    except (TypeError, ValueError):
        asked = 1
    in_range = 1 <= asked <= PAGES_ASKED_AT_MOST  # a bigger number would overflow the database's OFFSET
    rows = teams.read(_map_teams, start=(asked - 1) * TEAMS_PER_PAGE) if in_range else []
    if rows or asked == 1:
        paginator.count = rows[0].found if rows else 0
    else:
        paginator.count = next(iter(teams.read(_map_teams_counted)), 0)
        asked = paginator.num_pages
        rows = teams.read(_map_teams, start=(asked - 1) * TEAMS_PER_PAGE)
    return Page(rows, asked, paginator)


def _add_people(teams: list[Team]) -> None:
    """Each team's head count, first leaders and how many more lead it (1 query for the page)."""
    heads: dict[int, int] = {}
    leaders: dict[int, list[str]] = {}
    for team_id, count, display_name, email in _heads_and_leaders_read([team.pk for team in teams]).rows():
        heads[team_id] = count
        if email is not None:
            leaders.setdefault(team_id, []).append(User.name_of(display_name, email))
    for team in teams:
        team.member_count = heads.get(team.pk, 0)
        names = leaders.get(team.pk, [])
        team.leaders, team.more_leaders = names[:LEADERS_SHOWN], max(0, len(names) - LEADERS_SHOWN)


def _heads_and_leaders_read(teams: list[int]) -> Read:
    return Read(_heads_and_leaders, {"teams": teams})


def _heads_and_leaders(teams: list[int]) -> QuerySet:
    """query: the teams' head counts (counted off the memberships' team index) with their leaders' names, longest
    in the team first: a row per leader, or one without a name for a team nobody leads. The leaders' join names
    the teams again, so that PostgreSQL reads only their leaders off `membership_team_leaders`, not every team's
    up to the last of the page."""
    count = Membership.objects.filter(team=OuterRef("pk")).order_by().values("team").annotate(n=Count("pk")).values("n")
    return (Team.objects.filter(pk__in=teams)
            .annotate(heads=Coalesce(Subquery(count), 0),
                      leading=FilteredRelation("memberships", condition=Q(memberships__is_leader=True,
                                                                         memberships__team__in=teams)))
            .order_by("pk", "leading__joined_at", "leading__pk")
            .values_list("pk", "heads", "leading__user__display_name", "leading__user__email"))


def _card_version(team: Team, alike: tuple) -> tuple | None:
    """What the team's card on the map is drawn from, for the key it is kept under (`alignment.fragments`).

    The team's row as loaded (a panel template may show any of it), the people line, what the
    feature panels are drawn from, and what every card of the page shares (`alike`: the
    organisation's row, the language and the time zone it is written in). Nothing of who reads
    it: their parts of the card (the link to the team, "your team") are drawn around it. None
    when a panel's data cannot be vouched for: that card is drawn at every reading.
    """
    if team.panels_drawn is None:
        return None
    return (_row(team), team.member_count, tuple(team.leaders), team.more_leaders, team.panels_drawn, *alike)


def _row(instance) -> tuple:
    return _columns(type(instance))(instance)


@cache
def _columns(model: type) -> Callable[[object], tuple]:
    """What reads a model instance's column values, in order, as a tuple: one call, not a `getattr` a column."""
    return panels.attributes([field.attname for field in model._meta.concrete_fields])


def _page_links(page: Page, search: dict[str, str]) -> dict[str, str]:
    """The first, previous, next and last pages' addresses, keeping the search; only those that exist."""
    def url(number: int) -> str:
        return "?" + urlencode({**search, "page": number})

    links = {}
    if page.has_previous():
        links.update(first=url(1), previous=url(page.previous_page_number()))
    if page.has_next():
        links.update(next=url(page.next_page_number()), last=url(page.paginator.num_pages))
    return links


# The organisation's people, for its admins ------------------------------------------------------------------

PEOPLE_PER_PAGE = 50
INVITATIONS_PER_PAGE = 20
IN_NO_TEAM = "no-team"  # the directory's filter: people in no team at work


@dataclass
class DirectoryRow:
    """A person of the organisation as the directory shows them."""

    person: User
    is_admin: bool
    memberships: list[Membership] = field(default_factory=list)  # in the organisation's teams, by team name

    @property
    def in_no_team(self) -> bool:
        """None of their teams is at work: an admin in no team, someone who left, or only in archived teams."""
        return not any(not m.team.is_archived for m in self.memberships)


@dataclass(frozen=True, kw_only=True)
class PeoplePage(Paged):
    """One page of the organisation's people, and a page of its pending invitations."""

    organisation: Organisation
    show: str  # IN_NO_TEAM, or "" for everyone
    rows: list[DirectoryRow]
    invitations: list[Invitation]
    invitations_page: Paged


def people_page(organisation: Organisation, *, page: str | None, show: str = "", invitations_page: str | None = None,
                now: datetime) -> PeoplePage:
    """The organisation's people with their teams and roles, and its pending invitations: 3 queries.

    A page of people (read a page plus one at a time, as `alignment.pages` does), their memberships in
    the organisation's teams, and a page of pending invitations with their teams; the same three
    with 10 people or 10,000.
    """
    show = show if show == IN_NO_TEAM else ""
    number, invitations_number = page_number(page), page_number(invitations_page)
    people = User.objects.in_organisation(organisation).annotate(is_admin=Exists(
        Organisation.admins.through.objects.filter(user=OuterRef("pk"), organisation=organisation)))
    if show:
        people = people.exclude(Exists(Membership.objects.in_active_teams().filter(
            user=OuterRef("pk"), team__organisation=organisation)))
    start = (number - 1) * PEOPLE_PER_PAGE
    # By the name people read (their display name, or their e-mail's first part when they set none), as a
    # reader looks someone up; the e-mail and the key keep people of the same name in a stable order.
    by_name = Lower(Coalesce(NullIf("display_name", Value("")), "email"))
    found = list(people.order_by(by_name, "email", "pk")
                 [start:start + PEOPLE_PER_PAGE + 1])  # query: a page of people, +1
    rows = {person.pk: DirectoryRow(person, person.is_admin) for person in found[:PEOPLE_PER_PAGE]}
    for membership in (Membership.objects.filter(user__in=rows, team__organisation=organisation)
                       .select_related("team").order_by("team__name")):  # query: their memberships, with teams
        membership.team.organisation = organisation  # already loaded
        rows[membership.user_id].memberships.append(membership)
    start = (invitations_number - 1) * INVITATIONS_PER_PAGE
    invitations = list(Invitation.objects.pending().filter(team__organisation=organisation, expires_at__gt=now)
                       .select_related("team").order_by("-created_at", "-pk")
                       [start:start + INVITATIONS_PER_PAGE + 1])  # query: a page of pending invitations, +1
    for invitation in invitations:
        invitation.team.organisation = organisation  # already loaded
    return PeoplePage(
        organisation=organisation, show=show, rows=list(rows.values()),
        invitations=invitations[:INVITATIONS_PER_PAGE],
        invitations_page=Paged(number=invitations_number, has_next=len(invitations) > INVITATIONS_PER_PAGE),
        number=number, has_next=len(found) > PEOPLE_PER_PAGE,
    )
