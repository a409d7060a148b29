"""SAML 2.0 sign-in in a browser: Harbour Health's identity provider is the test SAML provider
(`tests/saml_provider`), an HTTP server on 127.0.0.1 — another site than Charter's live server on localhost, as a
real provider is. What Charter does is checked in its database, what the person sees in the browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from alignment.models import AuditEvent, AuditKind, Membership, Role, User
from tests.browser.screens import PHONE
from tests.browser.single_sign_on import continue_to_provider, open_page
from tests.saml_provider.fixtures import connect_saml_provider, saml_idp, saml_idp_running  # noqa: F401 (fixtures)
from tests.saml_provider.server import KeyPair, Person


@pytest.fixture
def harbour_sign_in(connect_saml_provider, saml_idp, organisation, team, settings):  # noqa: F811
    """`harbour_sign_in(*people, **row_fields)`: Harbour Health's SAML provider, claiming harbour.example."""

    def connect(*people: Person, **row_fields):
        return connect_saml_provider(organisation, *people, domains=["harbour.example"], **row_fields)

    return connect


def sign_in_at_provider(page: Page, idp, email: str) -> None:
    """The provider's login page, then its page that sends the signed answer back with a button."""
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    assert page.url.startswith(idp.sso_url)
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"You are signed in as {email}.")).to_be_visible()
    page.get_by_role("button", name="Continue").click()


@pytest.mark.browser
@pytest.mark.parametrize("javascript, viewport", [(True, None), (False, PHONE)],
                         ids=["desktop-with-javascript", "phone-without-javascript"])
def test_a_new_person_signs_in_through_the_saml_provider_and_lands_in_their_team(
    browser, live_server, harbour_sign_in, saml_idp, team, javascript, viewport  # noqa: F811
):
    harbour_sign_in(Person("nia@harbour.example", name="Nia Okafor", groups=["engineering"]),
                    group_mapping="engineering = platform leader,member")
    page = open_page(browser, javascript=javascript, viewport=viewport)
    try:
        # Nia has no Charter account. She types her work address and no password.
        continue_to_provider(page, live_server, "nia@harbour.example")

        # Her company's provider asks who she is, then sends her back with its signed word for it.
        sign_in_at_provider(page, saml_idp, "nia@harbour.example")

        # Back in Charter she is signed in, and her group put her in Platform as leader and member.
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        assert page.url.startswith(live_server.url)
        expect(page.get_by_role("link", name="Platform").first).to_be_visible()
        if viewport is not None:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        page.context.close()

    nia = User.objects.get(email="nia@harbour.example")
    assert nia.display_name == "Nia Okafor"
    assert set(Membership.objects.get(team=team, user=nia).roles) == {Role.LEADER, Role.MEMBER}
    assert set(AuditEvent.objects.filter(actor=nia).values_list("kind", flat=True)) >= {
        AuditKind.PERSON_PROVISIONED, AuditKind.SINGLE_SIGN_ON, AuditKind.MEMBER_ADDED}


@pytest.mark.browser
def test_an_answer_signed_with_a_key_charter_does_not_know_is_refused(
    browser, live_server, harbour_sign_in, saml_idp  # noqa: F811
):
    harbour_sign_in(Person("nia@harbour.example"))
    saml_idp.signing_keys = KeyPair.make("Someone else")
    page = open_page(browser)
    try:
        continue_to_provider(page, live_server, "nia@harbour.example")
        sign_in_at_provider(page, saml_idp, "nia@harbour.example")

        expect(page.get_by_role("heading", name="Third-Party Login Failure")).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    finally:
        page.context.close()
    assert not User.objects.filter(email="nia@harbour.example").exists()
