"""Watching a page's reading ahead (`alignment.one_query.reading_ahead`): what it was asked to read, and what it read
that nobody then asked for."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from alignment import one_query


@dataclass(frozen=True)
class Reading:
    named: set[str]  # the builders of the reads named ahead
    left: dict  # the rows read ahead that the block never asked for, by read


def watch(monkeypatch, module) -> list[Reading]:
    """Each reading ahead made through `module.reading_ahead` from now on, in order."""
    seen, real = [], one_query.reading_ahead

    @contextmanager
    def watched(reads):
        with real(reads):
            yield
            seen.append(Reading({read.build.__name__ for read in reads}, dict(one_query._ahead.get() or {})))

    monkeypatch.setattr(module, "reading_ahead", watched)
    return seen
