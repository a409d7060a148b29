"""The test SAML identity provider (`server.py`) and Charter's side of it, as pytest fixtures.

    from tests.saml_provider.fixtures import connect_saml_provider, saml_idp, saml_idp_running  # noqa: F401
    from tests.saml_provider.server import Person

    def test_…(connect_saml_provider, organisation):
        provider = connect_saml_provider(organisation, Person("ana@harbour.example", groups=["engineering"]))

`saml_idp_running` starts one provider per test session and xdist worker, on a free port of 127.0.0.1, and stops
it at the end; `saml_idp` is that provider for one test, knowing nobody and behaving until the test says
otherwise. `connect_saml_provider` gives an organisation its SAML `IdentityProvider` row (entity ID, single
sign-on URL, certificate), and tells the provider who it may sign in.
"""

from __future__ import annotations

import pytest

from tests.saml_provider.server import Person, SamlIdentityProvider


@pytest.fixture(scope="session")
def saml_idp_running():
    provider = SamlIdentityProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def saml_idp(saml_idp_running):
    saml_idp_running.reset()
    yield saml_idp_running
    saml_idp_running.reset()


@pytest.fixture
def connect_saml_provider(saml_idp, db):
    """`connect(organisation, *people, domains=[…], **row_fields)` → its SAML `IdentityProvider`."""
    from alignment.models import IdentityProvider, IdentityProviderDomain

    def connect(organisation, *people: Person, domains=("harbour.example",), **row_fields) -> IdentityProvider:
        provider = IdentityProvider.objects.create(
            organisation=organisation, protocol=IdentityProvider.Protocol.SAML,
            name=row_fields.pop("name", "Harbour Sign-In"), saml_entity_id=saml_idp.entity_id,
            saml_sso_url=saml_idp.sso_url, saml_certificate=saml_idp.certificate, **row_fields)
        IdentityProviderDomain.objects.bulk_create(
            IdentityProviderDomain(provider=provider, domain=domain) for domain in domains)
        saml_idp.add(*people)
        return provider

    return connect
