"""How the audit trail's page writes an event's `changes`: "pending → proceed" rather than a Python list."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def change_in_words(value) -> str:
    """A [before, after] pair (`alignment.audit.record`) as "before → after"; yes/no for booleans; else as stored."""
    if isinstance(value, list) and len(value) == 2:
        return f"{_word(value[0])} → {_word(value[1])}"
    return _word(value)


def _word(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(_word(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return ", ".join(f"{key}: {_word(v)}" for key, v in value.items())
    return str(value)
