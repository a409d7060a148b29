"""Row locks on asks. Order, after the core's (`alignment/locks.py`): the ask, then nothing else of this app.

Each function locks one queryset and reads it; none of them writes.
"""

from __future__ import annotations

from asks.models import Ask


def lock_ask(ask_pk: int) -> Ask | None:
    """The ask, locked, with its two teams and asker (read again: what the caller loaded may be stale)."""
    return (Ask.objects.select_for_update(of=("self",))
            .select_related("asking_team__organisation", "receiving_team__organisation", "asked_by")
            .filter(pk=ask_pk).first())
