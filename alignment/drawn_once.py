"""Parts of a page drawn once per process for the plain values they show: the site's header, a team's
sub-navigation, a map card with its reader's parts.

    @drawn_once(maxsize=2048)
    def _drawn(name: str, slug: str) -> str:
        return render_to_string("part.html", {"name": name, "url": reverse("team", args=[slug])})

The drawing is kept in the process under its arguments (plain, hashable values: names, slugs, counts, a
shared part's HTML) and where it is drawn (the URL configuration, the script prefix and the language), so
a changed value draws it anew and nothing has to forget it. Nothing of a reader that their values do not
say goes in: a CSRF token is written in by the caller after (see `templatetags/site_header.py`).

A drawing of the code alone (`of_code_alone=True`: a blank form drawn with stand-ins for its values,
`alignment.drawn_alike`) shows no content at all: as a compiled template, only a new release changes it.
`forget_all(keep_code_alone=True)` leaves those drawn, as the benchmark does when it puts a page's content
out of reach (`bench.measure.after_a_change`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language

_kept: list[tuple[bool, Callable]] = []  # every drawing's store and whether it is of the code alone, for `forget_all`


def drawn_once(*, maxsize: int, of_code_alone: bool = False) -> Callable[[Callable[..., str]], Callable[..., str]]:
    def decorate(draw: Callable[..., str]) -> Callable[..., str]:
        kept = lru_cache(maxsize=maxsize)(lambda where, *values: draw(*values))
        _kept.append((of_code_alone, kept))

        @wraps(draw)
        def drawing(*values) -> str:
            return kept((get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language()), *values)

        return drawing

    return decorate


def forget_all(*, keep_code_alone: bool = False) -> None:
    """Empty every drawing kept (the tests start each from none); with `keep_code_alone`, all but those of the code
    alone."""
    for of_code_alone, kept in _kept:
        if not (keep_code_alone and of_code_alone):
            kept.cache_clear()
