"""The API's cast: a token for each of the standard people, an organisation service token, and a client that
sends them as `Authorization: Bearer …`."""

from __future__ import annotations

import json

import pytest

from api import scopes
from api.models import ApiToken
from api.services import make_token
from tests.charters.conftest import people, write_charter  # noqa: F401  (fixtures the API's worlds are built with)

CAST = ["leader", "member", "facilitator", "outsider", "stranger", "admin", "service", "anonymous"]


@pytest.fixture
def make_api_token():
    """`make_api_token(person, scopes=None, **kwargs)`: a personal token (every scope by default); its secret."""

    def make(person, token_scopes: list[str] | None = None, *, kind: str = ApiToken.Kind.PERSONAL,
             organisation=None, expires_at=None, name: str = "Test token") -> str:
        chosen = token_scopes if token_scopes is not None else (
            scopes.service_scopes() if kind == ApiToken.Kind.SERVICE else scopes.every_scope())
        return make_token(kind=kind, name=name, user=person, scopes=chosen, expires_at=expires_at,
                          organisation=organisation)[1]

    return make


class ApiClient:
    """Django's test client speaking JSON with a bearer token (none for anonymous)."""

    def __init__(self, client, secret: str | None):
        self.client, self.secret = client, secret

    def _headers(self, headers: dict) -> dict:
        sent = {"HTTP_AUTHORIZATION": f"Bearer {self.secret}"} if self.secret else {}
        return {**sent, **headers}

    def get(self, url: str, **headers):
        return self.client.get(url, **self._headers(headers))

    def post(self, url: str, data=None, **headers):
        return self.client.post(url, json.dumps(data or {}), content_type="application/json",
                                **self._headers(headers))

    def send(self, method: str, url: str, data=None, **headers):
        if method == "get":
            return self.get(url, **headers)
        return getattr(self.client, method)(url, json.dumps(data or {}), content_type="application/json",
                                            **self._headers(headers))


@pytest.fixture
def api_as(request, client, make_api_token, organisation, admin):
    """`api_as("member")`: an API client with that person's token (every scope); "service": the organisation's
    service token made by its admin; "anonymous": no token."""

    made: dict[str, ApiClient] = {}

    def as_(who: str, token_scopes: list[str] | None = None) -> ApiClient:
        """A token made on first use for each person (with every scope); `token_scopes` makes a fresh one."""
        if token_scopes is None and who in made:
            return made[who]
        made_now = _make(who, token_scopes)
        if token_scopes is None:
            made[who] = made_now
        return made_now

    def _make(who: str, token_scopes: list[str] | None) -> ApiClient:
        if who == "anonymous":
            return ApiClient(client, None)
        if who == "service":
            return ApiClient(client, make_api_token(admin, token_scopes, kind=ApiToken.Kind.SERVICE,
                                                    organisation=organisation))
        return ApiClient(client, make_api_token(request.getfixturevalue(who), token_scopes))

    return as_
