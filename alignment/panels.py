"""What feature apps add to the core's pages, so that the core never imports a feature.

Each feature app registers here from its `AppConfig.ready()`:

- its **tabs** in the team's sub-navigation, declared in its `urls.py` beside the URLs each tab
  covers (`Tab.path`) and registered with `register_tabs(urls.app_name, urls.tabs)`;
- a **team panel** on the team page: a template and a function building its context
  from the request and the reader's `TeamAccess` (`register_team_panel`), and optionally the
  reads (`one_query.Read`) that function will ask for, so that the page sends every panel's
  query in one wait (`team_panel_reads`);
- an **organisation panel** on each team's card of the organisation page: a template
  and a function that loads what it shows for *all* the page's teams at once, so the
  page costs the same number of queries with 3 teams or 1,000 (`register_organisation_panel`).
  A card reads alike for every reader of the map and is kept (`alignment.fragments`) under
  the values its panels are drawn from (`drawn`): the template gets `team` and `data` only,
  and `data` holds what every reader of the map may see, never who is reading;
- a **team filter** offered on the organisation page: a key, a label and a function that
  narrows a queryset of the organisation's teams in SQL, optionally with a value chosen
  from a few (`register_team_filter`);
- a **team settings section** on the team's settings page, a template shown to whoever may manage
  the team (`register_team_settings_section`);
- an **organisation summary** shown to the organisation's admins above its teams: a
  template and a function that counts what it shows with one aggregate query
  (`register_organisation_summary`);
- an **organisation section** shown to everyone who reads the organisation page, above its
  teams: a template and a function that loads what it shows for the whole organisation in a
  fixed number of queries, however many teams there are (`register_organisation_section`).
  Panels and sections may name the reads they will make (`one_query.Read`), so that the page
  sends them with its own in one wait (`organisation_page_reads`).

Panels, filters and summaries are shown in the order the apps are installed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache, cached_property
from operator import attrgetter
from typing import Any

from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.functional import Promise

from alignment.permissions import Capability, TeamAccess


@dataclass(frozen=True)
class TeamLink:
    label: str
    url_name: str
    app_name: str  # the URL namespace of the pages...
    url_names: tuple[str, ...] = ()  # ...where the link is the current page
    needs: Capability | None = None  # shown only to people with this capability


class Tab:
    """A tab of the team's sub-navigation, declared in an app's `urls.py` with the URLs it covers.

    Each `tab.path(...)` is Django's `path()` that also makes its URL one of the tab's pages: the
    tab is marked current there. The tab links to its first URL, which takes the team's slugs only.

        charter = Tab("Charter")
        urlpatterns = [charter.path(team + "charter/", views.charter_detail, name="detail"), ...]
        tabs = [charter]
    """

    def __init__(self, label: str, *, needs: Capability | None = None) -> None:
        self.label = label
        self.needs = needs  # shown only to people with this capability
        self.url_names: list[str] = []

    def path(self, route: str, view, kwargs: dict | None = None, *, name: str) -> URLPattern:
        self.url_names.append(name)
        return path(route, view, kwargs, name=name)


def register_tabs(app_name: str, tabs: Iterable[Tab]) -> None:
    """Offer an app's tabs (its `urls.tabs`), in their order; `app_name` is its URL namespace ("" for none)."""
    for tab in tabs:
        if not tab.url_names:
            raise ValueError(f"The tab {tab.label!r} covers no URL: declare them with tab.path(...).")
        first = f"{app_name}:{tab.url_names[0]}" if app_name else tab.url_names[0]
        register_team_link(TeamLink(tab.label, first, app_name=app_name, url_names=tuple(tab.url_names),
                                    needs=tab.needs))


@dataclass(frozen=True)
class Panel:
    template: str
    data: Any


@dataclass(frozen=True)
class _TeamPanel:
    template: str
    context: Callable[[Any, TeamAccess], Any]
    reads: Callable[[TeamAccess], list] | None = None


@dataclass(frozen=True)
class _OrganisationPanel:
    template: str
    load: Callable[[list], dict[int, Any]]
    reads: Callable[[list[int]], list] | None = None


@dataclass(frozen=True)
class TeamFilter:
    """A way to narrow the organisation page's teams.

    `apply(teams, organisation, now, value)` returns `teams` (a queryset of the
    organisation's teams) narrowed in SQL, never by loading them. A filter with `values`
    is offered once per value, as "key-value" with that value's label; `value` is None
    for a filter without values.

    The page's query is kept and only given new inputs at later readings
    (`alignment.one_query.read_shaped`), so `apply` is part of its builder: `organisation`
    is the organisation's id, and `apply` compares `now` as it is (no moment worked out from
    it: compare in SQL, e.g. `Value(now) - Value(a_duration)`), reads no clock and runs no
    query. A filter that does work out a value still filters right, but its query is
    compiled at every reading.
    """

    key: str
    label: str
    apply: Callable[[Any, Any, datetime, str | None], Any]
    values: tuple[tuple[str, str], ...] = ()  # (value, label of the option), e.g. ("2", "Charter older than 2 cycles")

    def options(self) -> list[tuple[str, str, str | None]]:
        """(option, label, value) for each way this filter can be chosen."""
        if not self.values:
            return [(self.key, self.label, None)]
        return [(f"{self.key}-{value}", label, value) for value, label in self.values]


@dataclass(frozen=True)
class _OrganisationSummary:
    template: str
    load: Callable[[Any, datetime], Any]


_team_links: list[TeamLink] = []
_team_panels: list[_TeamPanel] = []
_organisation_panels: list[_OrganisationPanel] = []
_team_filters: dict[str, TeamFilter] = {}
_organisation_summaries: list[_OrganisationSummary] = []


@dataclass(frozen=True)
class _OrganisationSection:
    template: str
    load: Callable[[Any, Any], Any]
    reads: Callable[[Any], list] | None = None


_organisation_sections: list[_OrganisationSection] = []


def register_team_link(link: TeamLink) -> None:
    if link not in _team_links:
        _team_links.append(link)


@dataclass(frozen=True)
class PageLink:
    """A link a feature adds to a core page: `url_name` reversed with the page's own arguments."""

    label: str
    url_name: str
    description: str = ""


_profile_links: list[PageLink] = []
_organisation_admin_links: list[PageLink] = []


def register_profile_link(link: PageLink) -> None:
    """A link in the profile's "Sign-in and security" list (`url_name` takes no argument)."""
    if link not in _profile_links:
        _profile_links.append(link)


def profile_links() -> list[PageLink]:
    return list(_profile_links)


def register_organisation_admin_link(link: PageLink) -> None:
    """A link in the organisation page's admin links (`url_name` takes the organisation's slug)."""
    if link not in _organisation_admin_links:
        _organisation_admin_links.append(link)


def organisation_admin_links() -> list[PageLink]:
    return list(_organisation_admin_links)


_team_settings_sections: list[str] = []


def register_team_settings_section(template: str) -> None:
    """A section of the team's settings page: `template` gets `team` and `access`."""
    if template not in _team_settings_sections:
        _team_settings_sections.append(template)


def team_settings_sections() -> list[str]:
    return list(_team_settings_sections)


def register_team_panel(template: str, context: Callable[[Any, TeamAccess], Any],
                        reads: Callable[[TeamAccess], list] | None = None) -> None:
    """`context(request, access)` returns what `template` shows as `data`, or None to hide the panel. `reads(access)`:
    the `one_query.Read`s `context` will make through `read_shaped` for this reader (none it may not make), read
    ahead with the other panels' (`team_panel_reads`)."""
    panel = _TeamPanel(template, context, reads)
    if panel not in _team_panels:
        _team_panels.append(panel)


def register_organisation_panel(template: str, load: Callable[[list], dict[int, Any]],
                                reads: Callable[[list[int]], list] | None = None) -> None:
    """`load(teams)` returns {team id: data} for every team that shows the panel, in a fixed number of queries.
    `reads(team_ids)`: the `one_query.Read`s `load` will make for those teams, read ahead with the rest of the
    page's (`organisation_page_reads`)."""
    panel = _OrganisationPanel(template, load, reads)
    if panel not in _organisation_panels:
        _organisation_panels.append(panel)


def register_team_filter(key: str, label: str, apply: Callable[[Any, Any, datetime, str | None], Any], *,
                         values: Iterable[tuple[str, str]] = ()) -> None:
    """Offer a filter on the organisation page; see `TeamFilter`. Keys are unique across apps."""
    team_filter = TeamFilter(key, label, apply, tuple(values))
    if _team_filters.setdefault(key, team_filter) != team_filter:
        raise ValueError(f"Another team filter is already called {key!r}.")


def register_organisation_summary(template: str, load: Callable[[Any, datetime], Any]) -> None:
    """`load(organisation, now)` returns what `template` shows as `data` (one aggregate query), or None to hide it."""
    summary = _OrganisationSummary(template, load)
    if summary not in _organisation_summaries:
        _organisation_summaries.append(summary)


def register_organisation_section(template: str, load: Callable[[Any, Any], Any],
                                  reads: Callable[[Any], list] | None = None) -> None:
    """`load(organisation, user)` returns what `template` shows as `data` (a fixed number of queries), or None.
    `reads(organisation)`: the `one_query.Read`s `load` will make first, whoever reads (none it may not make), read
    ahead with the rest of the page's (`organisation_page_reads`)."""
    section = _OrganisationSection(template, load, reads)
    if section not in _organisation_sections:
        _organisation_sections.append(section)


def organisation_sections(organisation, user) -> list[Panel]:
    """What each app shows everyone who reads the organisation page, above its teams."""
    found = []
    for section in _organisation_sections:
        data = section.load(organisation, user)
        if data is not None:
            found.append(Panel(section.template, data))
    return found


def organisation_page_reads(organisation, team_ids: list[int]) -> list:
    """The reads the organisation page's panels (for these teams) and sections will make, to be read ahead
    together (`one_query.reading_ahead`)."""
    return [*(read for panel in _organisation_panels if panel.reads is not None for read in panel.reads(team_ids)),
            *(read for section in _organisation_sections if section.reads is not None
              for read in section.reads(organisation))]


def team_links(access: TeamAccess, *, current_app: str = "", current_url: str = "") -> tuple[tuple[TeamLink, bool], ...]:
    """The team's sub-navigation for this reader: each link they may follow, and whether it is the current page."""
    return tuple(
        (link, current_app == link.app_name and current_url in link.url_names)
        for link in _team_links
        if link.needs is None or access.can(link.needs)
    )


def team_panel_reads(access: TeamAccess) -> list:
    """The reads the team panels will make for this reader, to be read ahead together (`one_query.reading_ahead`)."""
    return [read for panel in _team_panels if panel.reads is not None for read in panel.reads(access)]


def team_panels(request, access: TeamAccess) -> list[Panel]:
    panels = []
    for panel in _team_panels:
        data = panel.context(request, access)
        if data is not None:
            panels.append(Panel(panel.template, data))
    return panels


def attach_organisation_panels(teams: Iterable) -> None:
    """Give each team a `.panels` list (one batch load per registered panel) and `.panels_drawn`.

    `.panels_drawn` is what the team's panels are drawn from (`drawn`), for the key the card is
    kept under; None when a panel's data holds something `drawn` cannot vouch for (the card is
    then drawn for every reading and never kept).
    """
    teams = list(teams)
    for team in teams:
        team.panels, team.panels_drawn = [], ()
    for panel in _organisation_panels:
        clock = (timezone.now(), None)
        data_by_team = panel.load(teams)
        clock = (clock[0], timezone.now())
        for team in teams:
            if team.pk in data_by_team:
                data = data_by_team[team.pk]
                team.panels.append(Panel(panel.template, data))
                if team.panels_drawn is not None:
                    try:
                        team.panels_drawn += ((panel.template, drawn(data, clock=clock)),)
                    except NotDrawn:
                        team.panels_drawn = None


class NotDrawn(TypeError):
    """A panel's data holds a value `drawn` cannot reduce to what a template shows of it."""


_PLAIN = {str, int, float, bool, Decimal, date, time, type(None)}


def drawn(data: Any, *, clock: tuple[datetime, datetime]) -> Any:
    """What a panel's template can draw from `data`, as plain values: a version for the part it renders.

    Plain values are themselves; lists, tuples and dicts their items; a dataclass its fields. A
    panel's data is plain: its properties are worked out from its fields, so they need no place
    in the version, with one exception. The panel's loader may stamp the moment it loaded
    ("now", a moment within `clock`): that moment is left out, or the part would be drawn anew
    at every reading, and the dataclass's properties stand for what the card shows of it:
    those giving words or numbers ("ratified 3 weeks ago", `cycles`) are in, those giving a
    moment or a length of time (`age`) are not, so a template must never show the loader's
    "now", nor such a property, raw. Anything else (a model instance, a queryset) raises `NotDrawn`.
    """
    kind = type(data)
    if kind in _PLAIN:
        return data
    if kind is datetime:
        return _CLOCK if clock[0] <= data <= clock[1] else data.isoformat()
    if kind is list or kind is tuple:  # plain items as they are, without a call each (a page draws ~500)
        return tuple([item if type(item) in _PLAIN else drawn(item, clock=clock) for item in data])
    names = _field_names(kind)
    if names is not None:
        fields = tuple([value if type(value) in _PLAIN else drawn(value, clock=clock)
                        for value in _field_values(kind)(data)])
        if _CLOCK not in fields:
            return kind.__qualname__, fields
        said = ((name, getattr(data, name)) for name in _properties(kind))
        return kind.__qualname__, fields, tuple(
            (name, drawn(value, clock=clock)) for name, value in said if not isinstance(value, (datetime, timedelta)))
    if isinstance(data, dict):
        return tuple((drawn(key, clock=clock), drawn(value, clock=clock)) for key, value in data.items())
    if isinstance(data, Promise):  # a lazy translation: the version carries the language
        return str(data)
    if isinstance(data, (str, int, float, Decimal, time)) or (isinstance(data, date) and not isinstance(data, datetime)):
        return kind.__qualname__, repr(data)  # a subclass: a choice, a safe string
    raise NotDrawn(f"{kind.__qualname__} is not plain data: give the panel a dataclass of plain values.")


_CLOCK = "(the moment the panel was loaded)"


@cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """A dataclass's field names, in order; None for any other type."""
    return tuple(f.name for f in dataclasses.fields(kind)) if dataclasses.is_dataclass(kind) else None


@cache
def _field_values(kind: type) -> Callable[[Any], tuple]:
    """What reads a dataclass's field values, in order, as a tuple (a page of cards draws a few hundred)."""
    return attributes(_field_names(kind) or ())


def attributes(names: Sequence[str]) -> Callable[[Any], tuple]:
    """What reads the attributes `names` of an object, in order, as a tuple: one call rather than a `getattr` each."""
    names = tuple(names)
    if len(names) == 1:
        return lambda obj: (getattr(obj, names[0]),)
    return attrgetter(*names) if names else lambda obj: ()


@cache
def _properties(kind: type) -> tuple[str, ...]:
    """The public properties of a dataclass, as a template reads them."""
    return tuple(sorted({name for klass in kind.__mro__ for name, member in vars(klass).items()
                         if isinstance(member, (property, cached_property)) and not name.startswith("_")}))


def team_filter_choices() -> list[tuple[str, str]]:
    """Every filter option offered, as (option, label) choices for a form."""
    return [(option, label) for team_filter in _team_filters.values() for option, label, _ in team_filter.options()]


def filter_teams(option: str, teams, organisation: int, now: datetime):
    """`teams` narrowed by the chosen filter option (one of `team_filter_choices()`); unchanged for "".
    `organisation` is the organisation's id (see `TeamFilter`)."""
    for team_filter in _team_filters.values():
        for candidate, _, value in team_filter.options():
            if candidate == option:
                return team_filter.apply(teams, organisation, now, value)
    if option:
        raise ValueError(f"No team filter offers {option!r}.")
    return teams


def organisation_summaries(organisation, now: datetime) -> list[Panel]:
    """What each app sums up about the organisation for its admins."""
    found = []
    for summary in _organisation_summaries:
        data = summary.load(organisation, now)
        if data is not None:
            found.append(Panel(summary.template, data))
    return found
