"""What a token may touch: an area of the product, read-only or read-write.

A scope is "<area>:read" or "<area>:write"; write includes read. Scopes only narrow what a token may do: a
call also needs the capability its person holds in the team (`alignment.permissions`), exactly as the pages
ask it, so a token never reaches further than its person. Service tokens read, never write.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Area:
    key: str
    label: str
    writable: bool  # whether anything in the area can be written through the API
    personal: bool = False  # only a person's own token reaches it (a service token has no inbox of its own)


AREAS = (
    Area("teams", "Organisations, teams and people", writable=False),
    Area("charters", "Charters, their versions, goals and key results", writable=False),
    Area("progress", "Key-result progress", writable=True),
    Area("checkins", "Check-ins", writable=True),
    Area("commitments", "Commitments and renegotiations", writable=True),
    Area("decisions", "The decision log", writable=True),
    Area("cycles", "Review cycles and retrospective summaries", writable=False),
    Area("notifications", "Your notifications", writable=True, personal=True),
)
BY_KEY = {area.key: area for area in AREAS}
READ, WRITE = "read", "write"


def scope(area: str, level: str) -> str:
    return f"{area}:{level}"


def every_scope() -> list[str]:
    """Every scope there is, in the order the token form lists them."""
    found = []
    for area in AREAS:
        found.append(scope(area.key, READ))
        if area.writable:
            found.append(scope(area.key, WRITE))
    return found


def service_scopes() -> list[str]:
    """What an organisation's service token may be given: reading, in the areas that are not one person's."""
    return [scope(area.key, READ) for area in AREAS if not area.personal]


def allows(scopes: list[str], area: str, *, write: bool = False) -> bool:
    """Whether `scopes` let a call read (or write) `area`."""
    if scope(area, WRITE) in scopes:
        return True
    return not write and scope(area, READ) in scopes


def normalised(chosen: list[str]) -> list[str]:
    """The chosen scopes in the canonical order, without a read that a write of the same area includes."""
    chosen_set = set(chosen)
    return [s for s in every_scope() if s in chosen_set
            and not (s.endswith(":" + READ) and s.replace(":" + READ, ":" + WRITE) in chosen_set)]


def describe(scopes: list[str]) -> list[str]:
    """A token's scopes in words, for its row on a page."""
    words = []
    for area in AREAS:
        if scope(area.key, WRITE) in scopes:
            words.append(f"{area.label}: read and write")
        elif scope(area.key, READ) in scopes:
            words.append(f"{area.label}: read")
    return words
