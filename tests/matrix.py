"""Running a permission matrix: each app's tests list its URLs (cases) with the answer each person gets.

A case has `url(world)`, `method`, `data(world)` (or `data(world, user)`: `data_takes_user`) and, if it
needs them, `headers`. `state()` returns everything the app's requests could write, so that a refused
request is proved to have written nothing — and the SQL it sent holds no INSERT, UPDATE or DELETE at
all, so it wrote no row elsewhere either (a team's, an organisation's, a session's).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

WRITES = ("INSERT", "UPDATE", "DELETE")


class Matrix:
    def __init__(self, state: Callable[[], object], *, data_takes_user: bool = False):
        self.state = state
        self.data_takes_user = data_takes_user

    def send(self, client, case, world, user=None):
        """GET the case's URL, or POST its data."""
        url, headers = case.url(world), getattr(case, "headers", None) or {}
        if case.method == "get":
            return client.get(url, **headers)
        data = case.data(world, user) if self.data_takes_user else case.data(world)
        return client.post(url, data, **headers)

    def refused_without_writing(self, client, case, world, status: int, user=None) -> None:
        before = self.state()
        with CaptureQueriesContext(connection) as queries:
            assert self.send(client, case, world, user).status_code == status
        assert self.state() == before
        assert_no_writes(queries)

    def sent_to_log_in(self, client, case, world) -> None:
        before = self.state()
        with CaptureQueriesContext(connection) as queries:
            response = self.send(client, case, world)
        assert_no_writes(queries)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("login") + "?next=")
        assert self.state() == before


def assert_no_writes(queries: CaptureQueriesContext) -> None:
    written = [query["sql"] for query in queries.captured_queries
               if query["sql"].lstrip().upper().startswith(WRITES)]
    assert not written, f"a refused request wrote: {written}"
