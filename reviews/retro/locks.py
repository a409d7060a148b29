"""Row locks on retrospectives, taken after the core's, the charters' and the check-ins' (see `alignment/locks.py`).

A session's own row is its lock: every write to a session (a card, a vote, a phase change)
locks it first, so phase changes and the writes they close serialise, and each write bumps
the session's `version` under the same lock. None of these functions writes.
"""

from __future__ import annotations

from reviews.retro.models import Retrospective


def lock_retrospective(retrospective_pk: int, *, team) -> Retrospective | None:
    # Only the cycle (which never changes) is joined: a row another transaction changed while this one
    # waited is re-read after the lock, but PostgreSQL would keep the joined rows it read before it (so
    # who last moved the session on is read from the locked row's own id, afterwards, when needed).
    return Retrospective.objects.select_for_update(of=("self",)).select_related("cycle").filter(
        pk=retrospective_pk, team=team).first()
