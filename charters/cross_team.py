"""Charters' cross-team signals on the alignment map (registered in `charters/apps.py`).

- **overlap**: boundaries of two or more teams' charters in force carry the same tag (from the organisation's
  list) and the same claim, *team decides* or *fixed*: "Platform and Growth both say they decide: Booking
  flow". One signal per tag and claim, naming every team that makes it.
- **tradeoff**: a goal of a charter in force accepts a tradeoff whose text names another team's boundary,
  by its area or one of its tags, as whole words whatever the case ("…while we focus on the booking flow"
  names the tag "Booking flow"; "booking flows" does not).

Only charters in force of teams at work count: nothing of a draft, and nothing from check-ins.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q, Window
from django.db.models.functions import Lower, RowNumber
from django.urls import reverse

from charters.models import Boundary, BoundaryLabel, Charter, Goal
from charters.organisation_map import TEAMS_SHOWN, CharterLink, Signal, SignalGroup, team_names
from charters.tags import with_tag_list

Tags = Boundary.tags.through

CLAIMS = {BoundaryLabel.TEAM_DECIDES: "{teams} {both} say they decide: {tag}",
          BoundaryLabel.FIXED: "{teams} {both} hold it as fixed, each set by its own owner: {tag}"}


def _in_force(prefix: str) -> Q:
    """Rows of the charters in force of the organisation's teams at work."""
    return Q(**{f"{prefix}charter__state": Charter.State.RATIFIED, f"{prefix}charter__team__archived_at__isnull": True})


def _claims(organisation):
    """Tags on boundaries claiming *team decides* or *fixed*, in charters in force of the organisation."""
    return Tags.objects.filter(_in_force("boundary__"), organisationtag__organisation=organisation,
                               boundary__label__in=list(CLAIMS))


def overlaps(organisation, *, now: datetime, shown: int) -> SignalGroup:
    """Tags two or more teams claim alike: 2 queries (3 when there are more than `shown`).

    1. the first `shown` contested tag-and-claim pairs (plus one, to know of more), with how many teams;
    2. at most TEAMS_SHOWN teams of each, by name (a window function: 300 teams cost what 3 do);
    3. only when there are more: how many pairs in all.
    """
    claims = _claims(organisation)
    contested = claims.filter(Exists(
        claims.filter(organisationtag_id=OuterRef("organisationtag_id"), boundary__label=OuterRef("boundary__label"))
        .exclude(boundary__charter__team_id=OuterRef("boundary__charter__team_id"))))
    # query: the contested pairs, by tag name
    pairs = list(contested.values("organisationtag_id", "organisationtag__name", "boundary__label")
                 .annotate(teams=Count("boundary__charter__team", distinct=True))
                 .order_by(Lower("organisationtag__name"), "organisationtag_id", "boundary__label")[:shown + 1])
    # query: only with more than shown, how many pairs in all
    total = len(pairs) if len(pairs) <= shown else \
        contested.values("organisationtag_id", "boundary__label").distinct().count()
    pairs = pairs[:shown]
    group = SignalGroup(kind="overlap", heading="Two teams claim the same area", signals=(), total=total)
    if not pairs:
        return group
    wanted = Q()
    for pair in pairs:
        wanted |= Q(organisationtag_id=pair["organisationtag_id"], boundary__label=pair["boundary__label"])
    ranked = contested.filter(wanted).annotate(rank=Window(
        RowNumber(), partition_by=[F("organisationtag_id"), F("boundary__label")],
        order_by=[F("boundary__charter__team__name").asc(), F("boundary_id").asc()]))
    # query: the first teams of each pair, by name
    rows = ranked.filter(rank__lte=TEAMS_SHOWN).values_list(
        "organisationtag_id", "boundary__label", "boundary_id", "boundary__charter__team__name",
        "boundary__charter__team__slug", "boundary__charter__number").order_by()
    teams: dict[tuple, dict[str, CharterLink]] = defaultdict(dict)
    for tag_id, label, boundary_id, name, slug, number in sorted(rows, key=lambda row: (row[3], row[2])):
        teams[tag_id, label].setdefault(name, CharterLink(name, in_force_url(organisation, slug, number,
                                                                             f"boundary-{boundary_id}")))
    signals = []
    for pair in pairs:
        links = tuple(teams[pair["organisationtag_id"], pair["boundary__label"]].values())
        names = team_names([link.team_name for link in links], more=pair["teams"] - len(links))
        signals.append(Signal(summary=CLAIMS[pair["boundary__label"]].format(
            teams=names, both="both" if pair["teams"] == 2 else "all", tag=pair["organisationtag__name"]),
            teams=links))
    return SignalGroup(kind=group.kind, heading=group.heading, signals=tuple(signals), total=total)


def in_force_url(organisation, team_slug: str, number: int, anchor: str) -> str:
    """The charter in force at one of its items: its version's own page, since a team reading its charter page
    sees the amendment it is drafting, where this item's anchor is not."""
    return reverse("charters:version", args=[organisation.slug, team_slug, number]) + f"#{anchor}"


_WORD = re.compile(r"\w+")


def _words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.casefold()))


@dataclass(frozen=True)
class _Area:
    team_id: int
    team_name: str
    url: tuple[str, int, str]  # the team's slug, its charter's number and the boundary's anchor: `in_force_url`
    named: str  # the area or tag as the boundary says it


def tradeoffs(organisation, *, now: datetime, shown: int) -> SignalGroup:
    """Goals whose accepted tradeoff names other teams' boundaries (by area or tag): 2 queries for any size.

    One signal per goal and what it names, listing the teams whose boundaries it is (the first TEAMS_SHOWN).

    1. the goals with a tradeoff in charters in force, with their teams;
    2. the boundaries of charters in force, with their tags' names (`with_tag_list`).
    The words are matched here, phrase by phrase (a dictionary of every area and tag by its words), not in
    SQL: a LIKE for every goal against every boundary grows with the square of the organisation.
    """
    in_force = _in_force("")
    # query: goals accepting a tradeoff, in charters in force
    goals = list(Goal.objects.filter(in_force, charter__team__organisation=organisation).exclude(tradeoff="")
                 .values_list("pk", "objective", "tradeoff", "charter__team_id", "charter__team__name",
                              "charter__team__slug", "charter__number").order_by("charter__team__name", "position", "pk"))
    if not goals:
        return SignalGroup(kind="tradeoff", heading="A tradeoff names another team's area", signals=(), total=0)
    areas: dict[tuple[str, ...], list[_Area]] = defaultdict(list)
    # query: the boundaries of charters in force, with their tags
    boundaries = with_tag_list(Boundary.objects.filter(in_force, charter__team__organisation=organisation)).values_list(
        "pk", "area", "tag_list", "charter__team_id", "charter__team__name", "charter__team__slug",
        "charter__number").order_by()
    for pk, area, tag_list, team_id, team_name, slug, number in boundaries:
        url = (slug, number, f"boundary-{pk}")  # made into a link only for the signals shown
        for named in {area, *filter(None, (tag_list or "").split(Boundary.TAG_SEPARATOR))}:
            if words := _words(named):
                areas[words].append(_Area(team_id, team_name, url, named))
    lengths = sorted({len(words) for words in areas}, reverse=True)  # the longest name first
    signals: list[Signal] = []
    total = 0
    for pk, objective, tradeoff, team_id, team_name, slug, number in goals:
        text = _words(tradeoff)
        named: dict[tuple[str, ...], dict[str, _Area]] = {}  # what it names → other teams' boundaries by team
        taken: set[int] = set()  # words already part of a longer name: "booking flow" is not also "booking"
        for length in lengths:
            for start in range(len(text) - length + 1):
                words = text[start:start + length]
                found = [area for area in areas.get(words, ()) if area.team_id != team_id]
                if found and not taken.issuperset(range(start, start + length)):
                    for area in found:
                        named.setdefault(words, {}).setdefault(area.team_name, area)
                    taken.update(range(start, start + length))
        total += len(named)
        for by_team in named.values():
            if len(signals) == shown:
                break
            others = [by_team[name] for name in sorted(by_team)]
            first = others[:TEAMS_SHOWN]
            teams = team_names([area.team_name for area in first], more=len(others) - len(first))
            signals.append(Signal(
                summary=f"{team_name}'s tradeoff names an area of {teams}: “{others[0].named}”",
                teams=(CharterLink(team_name, in_force_url(organisation, slug, number, f"goal-{pk}")),
                       *(CharterLink(area.team_name, in_force_url(organisation, *area.url)) for area in first)),
                detail=f"Goal “{objective}” accepts: “{tradeoff.strip()}”"))
    return SignalGroup(kind="tradeoff", heading="A tradeoff names another team's area", signals=tuple(signals),
                       total=total)
