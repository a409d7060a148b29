"""What every API call gets: a token checked, an audit event, problem documents, ETags, a rate per token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from alignment.models import AuditEvent, AuditKind
from api import scopes
from api.models import ApiToken
from api.services import revoke_token, token_for
from tests.api.conftest import ApiClient

ME = "/api/v1/me"
TEAMS = "/api/v1/organisations/harbour/teams"


def test_a_token_acts_as_its_person_and_each_call_is_audited(api_as, member, team):
    api = api_as("member")

    response = api.get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == "member@example.com"
    call = AuditEvent.objects.filter(kind=AuditKind.API_CALL).get()
    assert (call.actor, call.summary) == (member, "GET /api/v1/me → 200")
    assert call.changes["token"] == api.secret[:12]
    token = token_for(api.secret)
    assert token.last_used_at is not None and token.last_used_ip == "127.0.0.1"


def test_only_a_digest_is_kept(api_as, member):
    api = api_as("member")

    assert not ApiToken.objects.filter(digest__contains=api.secret[4:]).exists()
    assert not ApiToken.objects.filter(prefix=api.secret).exists()


@pytest.mark.parametrize("how", ["none", "unknown", "revoked", "expired", "switched off"])
def test_no_usable_token_is_a_401_problem(how, api_as, client, member, frozen):
    api = api_as("member")
    token = token_for(api.secret)
    if how == "none":
        api = ApiClient(client, None)
    elif how == "unknown":
        api = ApiClient(client, "chr_" + "x" * 43)
    elif how == "revoked":
        revoke_token(token=token, actor=member)
    elif how == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() + timedelta(days=1))
        frozen(timezone.now() + timedelta(days=2))
    else:
        type(member).objects.filter(pk=member.pk).update(is_active=False)

    response = api.get(ME)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401
    assert not AuditEvent.objects.filter(kind=AuditKind.API_CALL).exists()


def test_a_service_token_stops_when_its_maker_is_no_longer_an_admin(api_as, organisation, admin):
    api = api_as("service")
    assert api.get(TEAMS).status_code == 200

    organisation.admins.remove(admin)

    assert api.get(TEAMS).status_code == 401


def test_a_scope_the_token_lacks_is_a_403_problem_naming_it(api_as, member):
    api = api_as("member", ["notifications:read"])

    response = api.get(TEAMS)

    assert response.status_code == 403
    assert response.json()["detail"] == "This token's scopes do not include teams:read."


def test_invalid_input_is_a_422_problem_listing_each_error(api_as, leader, team):
    response = api_as("leader").post("/api/v1/notifications/read", {"up_to": "many"})

    assert response.status_code == 422
    problem = response.json()
    assert problem["title"] == "Invalid input"
    assert problem["errors"][0]["where"].endswith("up_to")


def test_a_body_unchanged_since_its_etag_is_a_304(api_as, member, team):
    api = api_as("member")
    first = api.get(TEAMS)
    etag = first["ETag"]

    again = api.get(TEAMS, HTTP_IF_NONE_MATCH=etag)

    assert first.status_code == 200 and first["Cache-Control"] == "private, no-cache"
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag

    team.name = "Platform and Tools"
    team.save(update_fields=["name"])
    assert api.get(TEAMS, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_calls_over_the_rate_are_a_429_with_retry_after(api_as, member, settings):
    settings.API_RATE_LIMIT = "2/min"
    api, other = api_as("member"), api_as("member", scopes.every_scope())  # two tokens of one person

    answers = [api.get(ME).status_code for _ in range(3)]

    assert answers == [200, 200, 429]
    limited = api.get(ME)
    assert limited["Content-Type"] == "application/problem+json" and int(limited["Retry-After"]) > 0
    assert other.get(ME).status_code == 200  # the rate is per token


def test_the_schema_and_its_page_are_served(client):
    schema = client.get("/api/v1/openapi.json")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/organisations/{org}/teams/{team}/key-results/{key_result_id}/progress" in paths
    assert schema.json()["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    refused = paths["/api/v1/organisations/{org}/teams/{team}/key-results/{key_result_id}/progress"]["post"]
    assert refused["responses"]["409"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    assert client.get("/api/v1/docs").status_code == 200
