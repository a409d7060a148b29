"""Run requests or service calls truly at the same time, each on its own database connection.

Races are only real on PostgreSQL: SQLite serialises every write, so the tests that use
this are marked `concurrent` and skipped (visibly) without a PostgreSQL DATABASE_URL.
Tests using it need `@pytest.mark.django_db(transaction=True)`: each thread opens its own
connection and must see what the test set up.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, connections

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="races need PostgreSQL (set DATABASE_URL)"
)


@dataclass
class Outcome:
    """What one concurrent call returned, or the exception it raised."""

    value: Any = None
    error: BaseException | None = None

    def unwrap(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


def run_concurrently(*calls: Callable[[], Any], timeout: float = 30) -> list[Outcome]:
    """Start every call at the same instant in its own thread; return their outcomes in order.

    A barrier releases all threads together, so check-then-act code really overlaps.
    Each thread closes its database connection when done.
    """
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            outcomes[index].value = call()
        except BaseException as exc:  # reported to the test, never swallowed
            outcomes[index].error = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a concurrent call hung (deadlock?)"
    return outcomes


def logged_in_client(user):
    """A test client of its own (clients are not thread-safe), logged in as `user`."""
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client
