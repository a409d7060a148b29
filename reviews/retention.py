"""The retention of closed review cycles: what an organisation keeps, and the purge that enforces it.

An organisation's admins set `Organisation.closed_cycle_retention_months` (blank: kept for ever). Once
a day the scheduler (`reviews.tasks.purge_closed_cycles`) deletes, per organisation, the cycles closed
more than that many months ago (`ReviewCycle.closed_at`, counted in calendar months back from now) and
what hangs off them: their retrospective with its prompts, cards, themes, votes, notes, non-negotiable
ratings and actions, and the cycle's records of its goals, key results and commitments.

What stays: the charter versions the cycles ran under (`ReviewCycle.charter` is RESTRICT the other way:
a cycle never takes a charter with it) and any amendment a retrospective started; the commitments
themselves (`checkins.Commitment`: only the cycle's link to them goes, and an action's link to the
commitment it made is cleared); key-result progress, check-ins and decisions, which belong to the team,
not to a cycle; and open cycles, whatever their age. A newer retrospective that named a purged one as its
`previous` keeps its own content and loses only that link.

Idempotent and batched: each batch of at most `BATCH` cycles is deleted in its own transaction, re-checking
that they are still closed and past the cut-off, so a second run (or two at once) deletes nothing twice
and a long backlog never holds one huge transaction. Each organisation's count is logged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from alignment.models import Organisation
from alignment.weeks import months_before
from reviews.models import ReviewCycle

logger = logging.getLogger(__name__)

BATCH = 200  # cycles per transaction: each takes its retrospective's rows with it


@dataclass
class PurgeCounts:
    cycles: int = 0  # closed cycles deleted, with what hangs off them
    rows: int = 0  # every row deleted, the cycles' included
    organisations: dict[str, int] = field(default_factory=dict)  # organisation slug → cycles deleted


def purgeable(organisation_id: int, cutoff: datetime):
    """The organisation's cycles closed before `cutoff`: open cycles are never purged."""
    return ReviewCycle.objects.filter(team__organisation_id=organisation_id, state=ReviewCycle.State.CLOSED,
                                      closed_at__lt=cutoff)


def purge_closed_cycles(*, now: datetime | None = None, batch: int = BATCH) -> PurgeCounts:
    """Delete every organisation's closed cycles older than its retention, in batches; the counts."""
    now = now or timezone.now()
    counts = PurgeCounts()
    keeping = (Organisation.objects.filter(closed_cycle_retention_months__isnull=False)
               .values_list("pk", "slug", "closed_cycle_retention_months").order_by("pk"))
    for organisation_id, slug, months in keeping:
        cutoff = months_before(now, months)
        purged = 0
        while True:
            ids = list(purgeable(organisation_id, cutoff).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            with transaction.atomic():
                # Re-checked in the delete: a cycle reopened meanwhile, or deleted by another run, is skipped.
                rows, by_model = purgeable(organisation_id, cutoff).filter(pk__in=ids).delete()
            purged += by_model.get(ReviewCycle._meta.label, 0)
            counts.rows += rows
            if len(ids) < batch:
                break
        if purged:
            counts.organisations[slug] = purged
            counts.cycles += purged
            logger.info("closed-cycle retention: %s deleted %d cycle(s) closed before %s (kept %d months)",
                        slug, purged, cutoff.date().isoformat(), months)
    logger.info("closed-cycle retention: %d cycle(s), %d row(s) deleted", counts.cycles, counts.rows)
    return counts
