"""Pages of a list read straight off an index: a page number, and whether there are pages on either side.

A list is read a page plus one row at a time (the extra row says an older page exists), so a
page costs the same however long the history; no page total is counted.
"""

from __future__ import annotations

from dataclasses import dataclass

# Past this, a page number is taken as the last page there could be (the rest of the list is empty).
LAST_PAGE = 100_000


def page_number(page: str | int | None) -> int:
    """The page asked for; the first for anything that is not a page number, the last possible past it."""
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), LAST_PAGE)


@dataclass(frozen=True, kw_only=True)
class Paged:
    """What a page of rows says about its neighbours, for the Newer/Older links."""

    number: int  # the page, from 1
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1
