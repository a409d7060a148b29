"""URLs for rows of a list, reversed once per page instead of once per row.

`{% url %}` in a loop resolves the pattern again for every row; a page of 100 rows spends
more time reversing than rendering. `RowUrls` reverses the pattern once with a marker in
place of the row's id and makes each row's URL by putting the id where the marker was.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# An id no row will have, so the marker is found in the reversed URL and nowhere else.
ROW_ID = 987654321987


class RowUrls:
    """`RowUrls("checkins:checkin", org, team).of(checkin.pk)`: the URL for one row.

    The row's id goes last, or where `ROW_ID` stands among the arguments
    (`RowUrls("charters:item_action", org, team, number, "goal", ROW_ID, "up")`).
    """

    def __init__(self, viewname: str, *args):
        self._before, self._after = _around(viewname, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())

    def of(self, pk: int) -> str:
        return f"{self._before}{pk}{self._after}"


@lru_cache(maxsize=4096)
def _around(viewname: str, args: tuple, urlconf: str, prefix: str) -> tuple[str, str]:
    """What comes before and after the row's id in `viewname`'s URL: reversed once per process for each set of
    arguments (a team's pages ask for the same few on every reading), under the URLconf and script prefix in force."""
    arguments = list(args) if ROW_ID in args else [*args, ROW_ID]
    before, found, after = reverse(viewname, args=arguments, urlconf=urlconf).rpartition(str(ROW_ID))
    if not found:
        raise ValueError(f"{viewname} does not put the row's id in its path.")
    return before, after
