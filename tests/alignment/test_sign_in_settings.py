"""An organisation's admins configure how its people sign in: the identity provider, its domains, "SSO required",
the group mapping; the login page then sends those domains to the provider.

The provider itself, run as a real local process, is in tests/alignment/test_single_sign_on.py and
tests/browser/test_single_sign_on.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from alignment import sealed
from alignment.confirm import CONFIRMED
from alignment.models import AuditEvent, AuditKind, IdentityProvider, IdentityProviderDomain, Organisation

FORM = {
    "protocol": "oidc", "name": "Harbour Okta", "issuer_url": "https://login.harbour.example/oauth2/default", "client_id": "charter-web",
    "client_secret": "s3cret-from-the-provider", "email_domains": "harbour.example\nHarbourHealth.example",
    "groups_claim": "groups", "group_mapping": "engineering = platform member\nleads = platform leader,member",
}


@pytest.fixture
def settings_url(organisation):
    return reverse("organisation_sign_in", args=[organisation.slug])


def test_an_admin_turns_single_sign_on_on(login, admin, organisation, team, settings_url):
    client = login(admin)

    response = client.post(settings_url, {**FORM, "sso_required": "on", "default_team": team.pk})

    assertRedirects(response, settings_url, fetch_redirect_response=False)
    provider = IdentityProvider.objects.get(organisation=organisation)
    assert (provider.issuer_url, provider.client_id, provider.sso_required) == (FORM["issuer_url"], "charter-web", True)
    assert set(provider.domains.values_list("domain", flat=True)) == {"harbour.example", "harbourhealth.example"}
    assert FORM["client_secret"] not in provider.client_secret_sealed
    assert sealed.unseal(provider.client_secret_sealed) == FORM["client_secret"]
    event = AuditEvent.objects.get(kind=AuditKind.IDENTITY_PROVIDER_CHANGED)
    assert event.organisation == organisation and event.actor == admin
    assert event.changes["client_secret"] == "changed"
    assert event.changes["sso_required"] == [False, True] or event.changes["sso_required"] == ["", True]
    assert FORM["client_secret"] not in str(event.changes)


def test_the_page_gives_the_redirect_uri_to_register(login, admin, organisation, settings_url, settings):
    response = login(admin).get(settings_url)

    assertContains(response, f"{settings.SITE_URL}/accounts/oidc/org{organisation.pk}/login/callback/")


def test_an_empty_secret_keeps_the_saved_one(login, admin, organisation, team, settings_url):
    client = login(admin)
    client.post(settings_url, FORM)

    client.post(settings_url, {**FORM, "client_secret": "", "name": "Okta"})

    provider = IdentityProvider.objects.get(organisation=organisation)
    assert provider.name == "Okta"
    assert sealed.unseal(provider.client_secret_sealed) == FORM["client_secret"]


def test_another_organisations_domain_is_refused_in_place_with_what_was_typed(login, admin, organisation, team,
                                                                                settings_url, make_user):
    other = Organisation.objects.create(name="Elsewhere", slug="elsewhere")
    theirs = IdentityProvider.objects.create(organisation=other, issuer_url="https://idp.elsewhere.example",
                                             client_id="x")
    IdentityProviderDomain.objects.create(provider=theirs, domain="harbour.example")

    response = login(admin).post(settings_url, FORM)

    assertContains(response, "Another organisation signs in harbour.example", status_code=400)
    assertContains(response, "charter-web", status_code=400)
    assert not IdentityProvider.objects.filter(organisation=organisation).exists()


@pytest.mark.parametrize(("mapping", "said"), [
    ("engineering = nowhere member", "no team with the short name “nowhere”"),
    ("engineering = platform boss", "“boss” is not a role"),
    ("just words", "write “group = team-short-name role”"),
])
def test_a_wrong_group_mapping_is_explained_in_place(login, admin, team, settings_url, mapping, said):
    response = login(admin).post(settings_url, {**FORM, "group_mapping": mapping})

    assertContains(response, said, status_code=400)


def test_the_login_page_sends_the_domain_to_the_provider(login, admin, organisation, team, settings_url, client):
    login(admin).post(settings_url, FORM)
    client.logout()

    response = client.post(reverse("login"), {"login": "Nia@Harbour.example", "password": ""})

    assertRedirects(response, f"/accounts/oidc/org{organisation.pk}/login/?process=login",
                    fetch_redirect_response=False)


def test_removing_it_is_asked_first_then_audited(login, admin, organisation, team, settings_url):
    client = login(admin)
    client.post(settings_url, FORM)
    remove = reverse("organisation_sign_in_remove", args=[organisation.slug])

    asked = client.post(remove)
    assertContains(asked, "Yes, remove it")
    assert IdentityProvider.objects.filter(organisation=organisation).exists()

    client.post(remove, CONFIRMED)

    assert not IdentityProvider.objects.filter(organisation=organisation).exists()
    assert not IdentityProviderDomain.objects.exists()
    assert AuditEvent.objects.filter(kind=AuditKind.IDENTITY_PROVIDER_REMOVED, organisation=organisation).exists()


def test_a_provisioning_token_is_shown_once_and_a_new_one_is_asked_first(login, admin, organisation, team,
                                                                          settings_url):
    from alignment import scim

    client = login(admin)
    client.post(settings_url, FORM)
    make = reverse("organisation_provisioning_token", args=[organisation.slug])

    shown = client.post(make)

    provider = IdentityProvider.objects.get(organisation=organisation)
    token = shown.context["scim_token"]
    assertContains(shown, token)
    assert shown["Cache-Control"] == "no-store"
    assert scim.has_token(provider) and token not in provider.scim_token_digest
    assert token not in client.get(settings_url).content.decode()
    assertContains(client.post(make), "Yes, make a new token")
    renewed = client.post(make, CONFIRMED).context["scim_token"]
    assert renewed != token


def test_a_token_needs_a_provider_first(login, admin, organisation, settings_url):
    response = login(admin).post(reverse("organisation_provisioning_token", args=[organisation.slug]))

    assertRedirects(response, settings_url, fetch_redirect_response=False)


def test_saml_needs_its_own_fields_and_the_page_gives_charter_s_urls(login, admin, organisation, team, settings_url):
    client = login(admin)
    saml = {**FORM, "protocol": "saml", "issuer_url": "", "client_id": "", "client_secret": ""}

    refused = client.post(settings_url, saml)

    assertContains(refused, "Needed for SAML 2.0", count=3, status_code=400)
    assertContains(refused, f"/accounts/saml/org{organisation.pk}/acs/", status_code=400)
    client.post(settings_url, {**saml, "saml_entity_id": "https://idp.harbour.example/saml",
                               "saml_sso_url": "https://idp.harbour.example/sso",
                               "saml_certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"})
    assert IdentityProvider.objects.get(organisation=organisation).is_saml
