"""Every route of the API is in an area's permission table (tests/api/test_permissions_*.py)."""

from __future__ import annotations

import importlib
import pkgutil

import tests.api
from api.main import api


def tabled_routes() -> set[tuple[str, str]]:
    found = set()
    for module in pkgutil.iter_modules(tests.api.__path__):
        if module.name.startswith("test_permissions_"):
            found |= {route.key for route in importlib.import_module(f"tests.api.{module.name}").ROUTES}
    return found


def test_every_route_of_the_schema_is_in_a_permission_table():
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    served = {(method, path) for path, operations in schema["paths"].items() for method in operations}

    assert served == tabled_routes()
