"""The public API, version 1: one NinjaAPI, its routers, its errors as problem documents, a rate per token.

Why django-ninja: its wheel declares Django 6.1, it serves the OpenAPI schema and a browsable page from its
own wheel (no front-end code of ours), and its typed schemas are the documentation. Django REST framework also
declares 6.1, but its maintained OpenAPI generator (drf-spectacular) stops at 6.0.
"""

from __future__ import annotations

from ninja import NinjaAPI

from api import access, problems
from api.endpoints import charters, checkins, commitments, cycles, decisions, notifications, teams


class CharterAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The schema, with every operation's error answers declared as problem documents (`problems.py`)."""
        schema = super().get_openapi_schema(**kwargs)
        return problems.declared(schema)


api = CharterAPI(
    title="Charter API",
    version="1",
    description=("Read and write a team's charter, key results, check-ins, commitments, decisions and cycles as "
                 "the person a token acts as. See docs/api.md for tokens, scopes, paging and errors."),
    auth=access.TokenAuth(),
    throttle=[access.TokenRateThrottle()],
    urls_namespace="api:v1",  # the API's routes sit in api/urls.py's "v1" namespace
    docs_url="/docs",
    openapi_url="/openapi.json",
)
problems.install(api)
for module in (teams, charters, checkins, commitments, decisions, cycles, notifications):
    api.add_router("", module.router)

