"""Read-only queries of the core's pages: a person's home and an organisation's alignment map.

Each builds what its page shows for one reader in a fixed number of queries; views render it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils.http import urlencode

from alignment import panels, permissions
from alignment.models import Membership, Organisation, Team
from alignment.row_urls import RowUrls

TEAMS_PER_PAGE = 24
LEADERS_SHOWN = 3


@dataclass(frozen=True)
class HomePage:
    groups: list[tuple[Organisation, list[Membership]]]  # the teams at work, by organisation
    archived: list[Membership]
    administered: list[Organisation]
    at_work: list[Membership]  # the header's team switcher lists the same teams, in the same order


def home_page(user) -> HomePage:
    """A person's teams by organisation, their archived teams and the organisations they run (2 queries)."""
    memberships = list(
        Membership.objects.filter(user=user)
        .select_related("team__organisation")
        .annotate(member_count=Count("team__memberships"))
        .order_by("team__organisation__name", "team__name")
    )  # query: the person's memberships with their teams, organisations and head counts
    at_work = [m for m in memberships if not m.team.is_archived]
    return HomePage(
        groups=[(organisation, list(items)) for organisation, items in groupby(at_work, key=lambda m: m.team.organisation)],
        archived=[m for m in memberships if m.team.is_archived],
        administered=list(user.administered_organisations.all()),  # query: the organisations they run
        at_work=at_work,
    )


@dataclass(frozen=True)
class OrganisationPage:
    page: Page
    teams: list[Team]  # the page's cards, each with .url, .leaders, .more_leaders and .panels
    page_links: dict[str, str]
    searching: bool
    is_admin: bool
    summaries: list[panels.Panel] = field(default_factory=list)


def organisation_page(user, organisation: Organisation, *, name: str, option: str, page_number: str | None,
                      now: datetime) -> OrganisationPage:
    """The alignment map's cards for one reader: searched, filtered and paged.

    The same queries with 3 teams or 1,000: the count and the page's teams, their leaders, and one
    batch per feature panel; filters and the admins' summary are single SQL queries over all teams.
    """
    teams = organisation.teams.all()
    if name:
        teams = teams.filter(name__icontains=name)
    teams = panels.filter_teams(option, teams, organisation, now)
    head_count = Membership.objects.filter(team=OuterRef("pk")).order_by().values("team").annotate(n=Count("pk"))
    teams = (
        teams.annotate(
            member_count=Coalesce(Subquery(head_count.values("n")), 0),
            is_mine=Exists(Membership.objects.filter(team=OuterRef("pk"), user=user)),
        )
        # Archived teams last: the page is about the teams at work.
        .order_by(F("archived_at").asc(nulls_first=True), "name", "pk")
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.leaders().select_related("user")
                                   .order_by("joined_at", "pk"), to_attr="leaders"))
    )
    page = Paginator(teams, TEAMS_PER_PAGE).get_page(page_number)
    cards = list(page)
    team_urls = RowUrls("team", organisation.slug)  # reversed once, not once per card
    for team in cards:
        team.url = team_urls.of(team.slug) if team.is_mine else ""
        team.more_leaders = max(0, len(team.leaders) - LEADERS_SHOWN)
        team.leaders = team.leaders[:LEADERS_SHOWN]
    # Each feature app shows what it knows of every team (a charter's purpose and goals...).
    panels.attach_organisation_panels(cards)
    is_admin = permissions.is_organisation_admin(user, organisation)
    search = {key: value for key, value in (("q", name), ("filter", option)) if value}
    return OrganisationPage(
        page=page, teams=cards, page_links=_page_links(page, search), searching=bool(search), is_admin=is_admin,
        summaries=panels.organisation_summaries(organisation, now) if is_admin else [],
    )


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
