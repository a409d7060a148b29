"""The charter pulse's "where it was unclear who decides", as other apps see it: a registry.

Check-ins ask it of members; an app to the right of checkins (today `asks`: a request between teams that
touched no boundary of the receiving team's charter) registers a **source** from its `AppConfig.ready()`
with `register_unclear_source(source)`, so checkins never imports it. A source is called as
`source(access, week)` for the team's week page and returns `UnclearWhoDecides` lines in a fixed number
of queries (one, or none for a reader it shows nothing), deciding what the reader may see with its own
permissions. A source may name the reads it will make (`reads(access, week)`: `one_query.Read`s, none for a
reader it shows nothing), so that the page sends them with its own in one wait (`unclear_reads`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alignment.permissions import TeamAccess
from alignment.weeks import TeamWeek


@dataclass(frozen=True)
class UnclearWhoDecides:
    """One thing of the week where nobody knew who decides, and the page where it is taken up."""

    text: str
    url: str


Source = Callable[[TeamAccess, TeamWeek], list[UnclearWhoDecides]]
Reads = Callable[[TeamAccess, TeamWeek], list]
_sources: list[tuple[Source, Reads | None]] = []


def register_unclear_source(source: Source, reads: Reads | None = None) -> None:
    if (source, reads) not in _sources:
        _sources.append((source, reads))


def unclear_elsewhere(access: TeamAccess, week: TeamWeek) -> list[UnclearWhoDecides]:
    """Every registered source's lines for the team's week, in the order the apps registered."""
    return [line for source, _ in _sources for line in source(access, week)]


def unclear_reads(access: TeamAccess, week: TeamWeek) -> list:
    """The reads the sources will make for this reader's week, to be read ahead with the page's own."""
    return [read for _, reads in _sources if reads is not None for read in reads(access, week)]
