"""Single sign-on through the organisation's identity provider: allauth's OpenID Connect provider, run by the test
as a process of its own (`tests/oidc_provider`). Harbour Health's provider claims example.com, the domain of the
standard cast; what Charter does at each step is checked in Charter's database, what the person sees in the
browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from alignment.models import AuditEvent, AuditKind, Membership, Role, User
from tests.browser.screens import PHONE
from tests.browser.single_sign_on import continue_to_provider, open_page
from tests.oidc_provider.fixtures import Person, connect_identity_provider, oidc_provider  # noqa: F401 (fixtures)


@pytest.fixture
def harbour_sign_in(connect_identity_provider, oidc_provider, organisation, team, live_server,  # noqa: F811
                    settings):
    """`harbour_sign_in(*people, **row_fields)`: Harbour Health's provider, knowing `people`, for live_server."""

    def connect(*people: Person, **row_fields):
        return connect_identity_provider(organisation, charter_url=live_server.url, people=list(people),
                                         domains=["example.com"], name="Harbour Sign-In", **row_fields)

    return connect


def sign_in_with_password(page: Page, live_server, email: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in", exact=True).click()


def sign_in_at_provider(page: Page, email: str, password: str = "provider-password") -> None:
    """The provider's own login page (allauth's default look), on its own host."""
    expect(page.get_by_role("button", name="Sign In")).to_be_visible()
    page.get_by_label("Email:").fill(email)
    page.get_by_label("Password:").fill(password)
    page.get_by_role("button", name="Sign In").click()


@pytest.mark.browser
@pytest.mark.parametrize("javascript, viewport", [(True, None), (False, PHONE)],
                         ids=["desktop-with-javascript", "phone-without-javascript"])
def test_a_new_person_signs_in_through_the_provider_and_lands_in_their_team(
    browser, live_server, harbour_sign_in, oidc_provider, organisation, team, javascript, viewport  # noqa: F811
):
    harbour_sign_in(Person("nia@example.com", name="Nia Okafor", claims={"groups": ["engineering"]}),
                    group_mapping="engineering = platform leader,member", skip_consent=False)
    page = open_page(browser, javascript=javascript, viewport=viewport)
    try:
        # Nia has no Charter account. She types her work address and no password.
        continue_to_provider(page, live_server, "nia@example.com")

        # Her company's provider asks her to sign in, then whether Charter may know who she is.
        assert page.url.startswith(oidc_provider.issuer)
        sign_in_at_provider(page, "nia@example.com")
        page.get_by_role("button", name="Authorize").click()

        # Back in Charter she is signed in, and her group put her in Platform as leader and member.
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        assert page.url.startswith(live_server.url)
        expect(page.get_by_role("link", name="Platform").first).to_be_visible()
        if viewport is not None:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        page.context.close()

    nia = User.objects.get(email="nia@example.com")
    assert nia.display_name == "Nia Okafor"
    assert set(Membership.objects.get(team=team, user=nia).roles) == {Role.LEADER, Role.MEMBER}
    assert set(AuditEvent.objects.filter(actor=nia).values_list("kind", flat=True)) >= {
        AuditKind.PERSON_PROVISIONED, AuditKind.SINGLE_SIGN_ON, AuditKind.MEMBER_ADDED}


@pytest.mark.browser
def test_an_existing_account_is_linked_not_duplicated(browser, live_server, harbour_sign_in, team, member):
    harbour_sign_in(Person("member@example.com", name="Max at Harbour", claims={"groups": ["staff"]}))
    page = open_page(browser)
    try:
        continue_to_provider(page, live_server, "member@example.com")
        sign_in_at_provider(page, "member@example.com")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
    finally:
        page.context.close()

    assert User.objects.filter(email__iexact="member@example.com").count() == 1
    max_ = User.objects.get(pk=member.pk)
    assert max_.socialaccount_set.get().provider == team.organisation.identity_provider.provider_id
    assert max_.display_name == "Max Member"  # the provider's name does not overwrite his own
    assert set(Membership.objects.get(team=team, user=max_).roles) == {Role.MEMBER}
    assert not AuditEvent.objects.filter(actor=max_, kind=AuditKind.PERSON_PROVISIONED).exists()
    assert AuditEvent.objects.filter(actor=max_, kind=AuditKind.SINGLE_SIGN_ON).exists()


@pytest.mark.browser
def test_when_single_sign_on_is_required_only_an_admin_keeps_their_password(
    browser, live_server, harbour_sign_in, organisation, team, member, admin
):
    harbour_sign_in(Person("member@example.com"), sso_required=True)
    page = open_page(browser)
    try:
        # Max's password is refused; the page says why and offers the provider.
        sign_in_with_password(page, live_server, "member@example.com")
        expect(page.get_by_text("Harbour Health signs its people in through Harbour Sign-In.")).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_have_count(0)

        # He follows it and is in.
        page.get_by_role("link", name="Continue with Harbour Sign-In").click()
        page.get_by_role("button", name="Continue").click()
        sign_in_at_provider(page, "member@example.com")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
    finally:
        page.context.close()

    # Ada, an admin, still signs in with her password (the break-glass way), and the trail keeps it.
    page = open_page(browser)
    try:
        sign_in_with_password(page, live_server, "admin@example.com")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
    finally:
        page.context.close()
    break_glass = AuditEvent.objects.get(kind=AuditKind.BREAK_GLASS_SIGN_IN)
    assert (break_glass.actor, break_glass.organisation) == (admin, organisation)


@pytest.mark.browser
def test_a_provider_cannot_sign_in_an_address_of_a_domain_it_does_not_claim(
    browser, live_server, harbour_sign_in, stranger
):
    # Harbour's provider vouches for someone at a domain Harbour does not claim, here an existing account's.
    harbour_sign_in(Person("sam@example.com"), Person("stranger@elsewhere.example", claims={"groups": ["staff"]}),
                    group_mapping="staff = platform leader")
    page = open_page(browser)
    try:
        continue_to_provider(page, live_server, "sam@example.com")
        sign_in_at_provider(page, "stranger@elsewhere.example")

        expect(page.get_by_text("That identity provider may not sign in this address here.")).to_be_visible()
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    finally:
        page.context.close()
    assert not User.objects.filter(email="stranger@elsewhere.example").exists()
    assert not User.objects.filter(email="sam@example.com").exists()


@pytest.mark.browser
def test_a_deactivated_person_coming_back_through_the_provider_is_refused(
    browser, live_server, harbour_sign_in, organisation, team, leader, member
):
    from alignment import services

    services.deactivate_person(organisation=organisation, person=member, actor=leader)
    harbour_sign_in(Person("member@example.com", claims={"groups": ["engineering"]}),
                    group_mapping="engineering = platform member")
    page = open_page(browser)
    try:
        continue_to_provider(page, live_server, "member@example.com")
        sign_in_at_provider(page, "member@example.com")

        expect(page.get_by_text("This account is switched off here.")).to_be_visible()
        expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    finally:
        page.context.close()
    assert not Membership.objects.filter(user=member).exists()
    assert not AuditEvent.objects.filter(kind=AuditKind.SINGLE_SIGN_ON).exists()


@pytest.mark.browser
def test_an_admin_connects_the_provider_and_a_colleague_then_signs_in_through_it(
    browser, live_server, log_in, oidc_provider, organisation, team, admin, settings  # noqa: F811
):
    settings.SITE_URL = live_server.url  # the address people use, which the page gives to register
    page = open_page(browser)
    try:
        # Ada, the organisation's admin, opens Sign-in from the organisation's page.
        log_in(page, "admin@example.com", organisation.get_absolute_url())
        page.get_by_role("link", name="Sign-in", exact=True).click()
        expect(page.get_by_role("heading", name="Sign-in and provisioning")).to_be_visible()
        # She registers Charter at her provider with the redirect URI the page gives…
        redirect_uri = page.locator("code", has_text="/login/callback/").inner_text()
        oidc_provider.seed(redirect_uri=redirect_uri,
                           people=[Person("nia@example.com", name="Nia Okafor", claims={"groups": ["engineering"]})])
        # …and types what the provider gave her.
        page.get_by_label("Name on the sign-in button").fill("Harbour Sign-In")
        page.get_by_label("Issuer URL").fill(oidc_provider.issuer)
        page.get_by_label("Client ID").fill(oidc_provider.client_id)
        page.get_by_label("Client secret").fill(oidc_provider.client_secret)
        page.get_by_label("E-mail domains").fill("example.com")
        page.get_by_label("Groups → teams").fill("engineering = platform member")
        page.get_by_role("button", name="Turn on single sign-on").click()
        expect(page.get_by_text("Sign-in settings saved.")).to_be_visible()
        expect(page.get_by_text("sign in through Harbour Sign-In")).to_be_visible()
    finally:
        page.context.close()

    page = open_page(browser)
    try:
        # Nia, new, signs in through it and lands in the team her group maps to.
        continue_to_provider(page, live_server, "nia@example.com")
        sign_in_at_provider(page, "nia@example.com")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        expect(page.get_by_role("link", name="Platform").first).to_be_visible()
    finally:
        page.context.close()

    nia = User.objects.get(email="nia@example.com")
    assert Membership.objects.get(team=team, user=nia).roles == [Role.MEMBER]
    assert AuditEvent.objects.filter(kind=AuditKind.IDENTITY_PROVIDER_CHANGED, actor=admin).exists()
