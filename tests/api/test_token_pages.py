"""Making and revoking tokens: your own on your profile, an organisation's service tokens on its admin page."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse
from pytest_django.asserts import assertRedirects

from alignment.confirm import CONFIRMED
from alignment.models import AuditEvent, AuditKind
from api import urls as api_urls
from api.models import ApiToken
from tests.api.conftest import ApiClient

TOKENS = reverse("api:tokens")
SERVICE = reverse("api:service_tokens", args=["harbour"])
MADE = {"name": "Metrics sync", "expires": "90", "scope_charters": "read", "scope_progress": "write"}


def test_a_new_token_is_shown_once_and_works_within_its_scopes(login, member, team, client):
    login(member)

    response = client.post(TOKENS, MADE)

    assertRedirects(response, TOKENS, fetch_redirect_response=False)
    page = client.get(TOKENS)
    secret = page.context["new_secret"]
    assert secret.startswith("chr_") and secret in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    assert secret not in client.get(TOKENS).content.decode()  # once
    token = ApiToken.objects.get()
    assert (token.user, token.kind, token.scopes) == (member, "personal", ["charters:read", "progress:write"])
    assert AuditEvent.objects.filter(kind=AuditKind.API_TOKEN_MADE, actor=member).exists()
    api = ApiClient(client, secret)
    assert api.get("/api/v1/organisations/harbour/teams/platform").status_code == 403  # no teams scope


def test_a_refused_form_keeps_what_was_typed(login, member, client):
    login(member)

    response = client.post(TOKENS, {"name": "My script", "expires": "30"})

    assert response.status_code == 400
    assert "Choose at least one area the token may use." in response.content.decode()
    assert 'value="My script"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_revoking_asks_first_then_stops_the_token(login, member, client, make_api_token):
    secret = make_api_token(member)
    token = ApiToken.objects.get()
    revoke = reverse("api:revoke_token", args=[token.pk])
    login(member)

    asked = client.post(revoke)
    assert asked.status_code == 200 and "Revoke “Test token”?" in asked.content.decode()
    assert ApiToken.objects.get().revoked_at is None

    assertRedirects(client.post(revoke, CONFIRMED), TOKENS, fetch_redirect_response=False)
    assert ApiToken.objects.get().revoked_at is not None
    assert AuditEvent.objects.filter(kind=AuditKind.API_TOKEN_REVOKED).exists()
    assert ApiClient(client, secret).get("/api/v1/me").status_code == 401


def test_nobody_revokes_another_persons_token(login, member, leader, client, make_api_token):
    make_api_token(member)
    token = ApiToken.objects.get()
    login(leader)

    assert client.post(reverse("api:revoke_token", args=[token.pk]), CONFIRMED).status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_a_service_token_offers_reading_only(login, admin, client):
    login(admin)
    form = client.get(SERVICE).context["form"]

    assert "scope_notifications" not in form.fields
    assert all("write" not in dict(field.choices) for name, field in form.fields.items() if name.startswith("scope_"))

    client.post(SERVICE, {"name": "Warehouse", "expires": "never", "scope_teams": "read", "scope_charters": "read"})
    token = ApiToken.objects.get()
    assert (token.kind, token.organisation.slug, token.expires_at) == ("service", "harbour", None)


# Who gets what from the token pages (the API's own routes are in tests/api/test_permissions_*.py) --------------

LOGIN = "login"
CAST = ["admin", "leader", "member", "outsider", "stranger", "anonymous"]
PAGES = {
    # name: (url, method, answers in the CAST's order); the leader is also an admin of the organisation
    "tokens": (lambda w: TOKENS, "get", [200, 200, 200, 200, 200, LOGIN]),
    "revoke_token": (lambda w: reverse("api:revoke_token", args=[w["personal"]]), "post",
                     [404, 404, 302, 404, 404, LOGIN]),
    "service_tokens": (lambda w: SERVICE, "get", [200, 200, 403, 403, 404, LOGIN]),
    "revoke_service_token": (lambda w: reverse("api:revoke_service_token", args=["harbour", w["service"]]), "post",
                             [302, 302, 403, 403, 404, LOGIN]),
}


def test_the_table_covers_every_page_of_the_app():
    named = {pattern.name for pattern in api_urls.urlpatterns if isinstance(pattern, URLPattern)}
    assert named == set(PAGES)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", CAST)
def test_each_person_gets_the_answer_in_the_table(name, who, request, client, login, make_api_token, organisation,
                                                  admin, leader, member, outsider, stranger):
    world = {"personal": ApiToken.objects.get(pk=_token_id(make_api_token, member)).pk,
             "service": _token_id(make_api_token, admin, kind="service", organisation=organisation)}
    if who != "anonymous":
        login(request.getfixturevalue(who))
    url, method, answers = PAGES[name]
    before = list(ApiToken.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True))

    response = client.get(url(world)) if method == "get" else client.post(url(world), CONFIRMED)

    expected = dict(zip(CAST, answers, strict=True))[who]
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    else:
        assert response.status_code == expected
    if expected != 302:
        assert list(ApiToken.objects.filter(revoked_at__isnull=False).values_list("pk", flat=True)) == before


def _token_id(make_api_token, person, **kwargs) -> int:
    make_api_token(person, **kwargs)
    return ApiToken.objects.filter(user=person).latest("pk").pk
