"""Working through many rows a batch at a time, each batch one query."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet


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
