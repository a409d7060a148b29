"""Panels the apps to the right add to the charter page, so that charters never imports them.

An app registers from its `AppConfig.ready()` a template and a function building its data from the
charter page being drawn (`register_charter_panel(template, load)`; today `reviews`: the review date
of the version in force, and the evidence a review prompt attached to an amendment). `load(page)`
gets the `charters.selectors.CharterPage` (its reader's `access` and its `charter`) and returns the
template's `data`, or None to show nothing; it asks its own app's permissions and costs at most one
query, which it names in `reads` so that the page sends it with its own. Panels are drawn in the charter
page's side column, in the order the apps registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alignment.panels import Panel

_panels: list[tuple[str, Callable[[Any], Any], Callable[[Any, Any], list] | None]] = []


def register_charter_panel(template: str, load: Callable[[Any], Any],
                           reads: Callable[[Any, Any], list] | None = None) -> None:
    """`reads(access, charter)`: the `one_query.Read`s `load` will make for that reader and version, which the page
    sends with its own in one wait (`charter_panel_reads`)."""
    if not any(panel[:2] == (template, load) for panel in _panels):
        _panels.append((template, load, reads))


def charter_panel_reads(access, charter) -> list:
    """Every registered panel's reads for this reader and version."""
    return [read for _, _, reads in _panels if reads is not None for read in reads(access, charter)]


def charter_panels(page) -> list[Panel]:
    """The registered panels with something to show on this charter page (`charters.selectors.charter_page` asks,
    while the reads it sent ahead are at hand)."""
    if page.charter is None:
        return []
    shown = []
    for template, load, _ in _panels:
        data = load(page)
        if data is not None:
            shown.append(Panel(template, data))
    return shown
