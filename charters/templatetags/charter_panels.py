"""The panels other apps add to the charter page (`charters.panels.register_charter_panel`)."""

from __future__ import annotations

from django import template

from alignment.panels import Panel
from charters import panels

register = template.Library()


@register.simple_tag
def charter_panels(page) -> list[Panel]:
    """`{% charter_panels page as extra %}`: each registered panel's template and data for this page."""
    return panels.charter_panels(page)
