"""The API's permission matrix: each area's tests list its routes with the answer each of the cast gets.

A `Route` is a method, an OpenAPI path (as the schema names it), how to fill its parameters from the test's
world, the body a write sends, and the status each caller gets (`tests.api.conftest.CAST`). A refused call
writes one audit event (every call is audited) and nothing else: `state()` of the area must not change.
`test_permissions.py` checks that every route of the OpenAPI schema is in some area's table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import CAST

# What a refused call may write: its audit event and its token's last use.
ALLOWED_WRITES = ("alignment_auditevent", "api_apitoken")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "/api/v1/organisations/{org}/teams/{team}", as in the OpenAPI schema
    answers: dict[str, int]  # who → status
    params: Callable[[dict], dict] = lambda world: {}  # fills the path's {names} beyond org and team
    body: Callable[[dict], dict] | None = None

    def url(self, world: dict) -> str:
        values = {"org": world["org"], "team": world["team"], **self.params(world)}
        return self.path.format(**values)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path


def answers(*statuses: int) -> dict[str, int]:
    """Statuses in the cast's order: leader, member, facilitator, outsider, stranger, admin, service, anonymous."""
    return dict(zip(CAST, statuses, strict=True))


def cases(routes: list[Route]) -> list:
    """Each route for `pytest.mark.parametrize`, with a readable id: one test asks it as each of the cast."""
    import pytest

    return [pytest.param(route, id=f"{route.method} {route.path}") for route in routes]


@dataclass
class Matrix:
    state: Callable[[], object]  # everything the area's calls could write
    refused: list[int] = field(default_factory=lambda: [401, 403, 404, 405, 409, 422])

    def check_everyone(self, api_as, route: Route, world: dict) -> None:
        """The route asked by each of the cast in turn, each with their own token."""
        for who in CAST:
            self.check(api_as(who), route, who, world)

    def check(self, api, route: Route, who: str, world: dict) -> None:
        expected = route.answers[who]
        before = self.state()
        with CaptureQueriesContext(connection) as queries:
            response = api.send(route.method, route.url(world), route.body(world) if route.body else None)
        assert response.status_code == expected, (who, route.key, response.content[:300])
        if expected >= 400:
            assert response["Content-Type"] == "application/problem+json"
            assert self.state() == before
            written = [q["sql"] for q in queries.captured_queries
                       if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                       and not any(table in q["sql"] for table in ALLOWED_WRITES)]
            assert not written, f"a refused call wrote: {written}"
