"""Working through many rows a batch at a time, each batch one query; a failing batch item by item."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

from django.db.models import QuerySet

logger = logging.getLogger(__name__)


def in_batches(queryset: QuerySet, size: int) -> Iterator[list]:
    """The rows of `queryset`, which must be ordered by pk, `size` at a time.

    Keyset, not offset: each batch starts after the last row of the one before, so rows the caller
    changes between batches (a delivery made, a cycle closed) shift nothing.
    """
    last = None
    while True:
        batch = list((queryset if last is None else queryset.filter(pk__gt=last))[:size])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def together_or_alone[T, R](items: list[T], run: Callable[[list[T]], list[R]], *,
                            transient: tuple[type[BaseException], ...], failed: Callable[[T], None]) -> list[R]:
    """`run(items)` as one batch; if it fails for a reason that is not `transient`, each item alone.

    So one item's failure costs only that item: `failed(item)` is called for it while its exception
    is being handled (to count and log it), and the others' results are returned. A transient
    failure (the database or broker away) is raised, for the task to retry.
    """
    try:
        return run(items)
    except transient:
        raise
    except Exception:
        if len(items) == 1:
            failed(items[0])
            return []
        logger.exception("a batch of %d failed; trying each alone", len(items))
        return [result for item in items for result in together_or_alone([item], run, transient=transient,
                                                                         failed=failed)]
