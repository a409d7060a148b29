"""The time zones people choose from: one name per place, grouped by region, with readable labels.

`zoneinfo.available_timezones()` also holds old spellings and oddities ("US/Pacific", "GB",
"Etc/GMT+3", "Factory", "Asia/Calcutta"); nobody should have to scroll past them. The list
is the tz database's own `zone.tab` (one line per place, no backward-compatible names)
where the database ships it, else every Area/City name of a known region; plus UTC.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from importlib import resources
from itertools import groupby
from pathlib import Path

UTC = "UTC"

# Area prefix → the optgroup label people read.
REGIONS = {
    "Africa": "Africa",
    "America": "Americas",
    "Antarctica": "Antarctica",
    "Arctic": "Arctic",
    "Asia": "Asia",
    "Atlantic": "Atlantic Ocean",
    "Australia": "Australia",
    "Europe": "Europe",
    "Indian": "Indian Ocean",
    "Pacific": "Pacific Ocean",
}


def _zone_tab() -> str | None:
    """The text of the tz database's zone.tab, from the system or the `tzdata` package; None without one."""
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / "zone.tab"
        if path.is_file():
            return path.read_text()
    try:
        return resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        return None


@cache
def listed_zones() -> frozenset[str]:
    """Every zone name the select offers."""
    available = zoneinfo.available_timezones()
    tab = _zone_tab()
    if tab is not None:
        # Columns: country code, coordinates, zone name, comment.
        names = {line.split("\t")[2] for line in tab.splitlines() if line and not line.startswith("#")}
    else:
        names = available
    return frozenset(name for name in names & available if name.split("/")[0] in REGIONS) | {UTC}


def label(name: str) -> str:
    """What a person reads for a zone: "Chicago", "Buenos Aires (Argentina)"; the name itself outside a region."""
    area, _, place = name.partition("/")
    if area not in REGIONS or not place:
        return name
    *within, city = place.replace("_", " ").split("/")
    return f"{city} ({', '.join(within)})" if within else city


@cache
def _grouped() -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    regional = sorted((n for n in listed_zones() if n != UTC), key=lambda n: (n.split("/")[0], label(n)))
    return tuple(
        (REGIONS[area], tuple((name, label(name)) for name in names))
        for area, names in groupby(regional, key=lambda n: n.split("/")[0])
    )


def time_zone_choices(*keep: str) -> list:
    """Choices for a select, UTC first then one group per region.

    `keep` names zones saved before this list existed ("US/Pacific"): each real zone among
    them is offered too, so an existing setting still shows and validates.
    """
    available = zoneinfo.available_timezones()
    kept = sorted({zone for zone in keep if zone and zone not in listed_zones() and zone in available})
    return [(UTC, UTC), *[(zone, zone) for zone in kept], *[(region, list(zones)) for region, zones in _grouped()]]
