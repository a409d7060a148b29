"""Panels the apps to the right add to the charter page, so that charters never imports them.

An app registers from its `AppConfig.ready()` a template and a function building its data from the
charter page being drawn (`register_charter_panel(template, load)`; today `reviews`: the review date
of the version in force, and the evidence a review prompt attached to an amendment). `load(page)`
gets the `charters.selectors.CharterPage` (its reader's `access` and its `charter`) and returns the
template's `data`, or None to show nothing; it asks its own app's permissions and costs at most one
query. Panels are drawn in the charter page's side column, in the order the apps registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alignment.panels import Panel

_panels: list[tuple[str, Callable[[Any], Any]]] = []


def register_charter_panel(template: str, load: Callable[[Any], Any]) -> None:
    if (template, load) not in _panels:
        _panels.append((template, load))


def charter_panels(page) -> list[Panel]:
    """The registered panels with something to show on this charter page."""
    if page.charter is None:
        return []
    shown = []
    for template, load in _panels:
        data = load(page)
        if data is not None:
            shown.append(Panel(template, data))
    return shown
