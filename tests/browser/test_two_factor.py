"""Two-factor sign-in as people meet it: an authenticator app with its recovery codes, a passkey made by the
browser, and the same app journey with JavaScript off on a phone-sized screen.

The authenticator app is played by allauth's own TOTP functions, fed the setup key the page shows; the passkey by
Chromium's virtual authenticator. `clock` moves allauth's time so the app shows its next code without waiting.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.authenticator import Clock
from tests.authenticator import code as app_code
from tests.browser.screens import PHONE

pytestmark = pytest.mark.browser


def fits_the_screen(page: Page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def type_password(page: Page, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in", exact=True).click()


def confirm_password(page: Page) -> None:
    expect(page.get_by_role("heading", level=1)).to_contain_text("Confirm")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Confirm").click()


def turn_on_the_authenticator_app(page: Page, clock: Clock) -> tuple[str, list[str]]:
    """From the profile page to the recovery codes: the setup key typed into the 'app', its code typed back."""
    security = page.get_by_role("region", name="Sign-in and security")
    expect(security).to_contain_text("Two-factor sign-in is off.")
    security.get_by_role("link", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1, name="Two-factor sign-in")).to_be_visible()
    fits_the_screen(page)
    page.get_by_role("link", name="Set up an authenticator app").click()
    confirm_password(page)

    expect(page.get_by_role("heading", level=1, name="Set up an authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code holding your setup key")).to_be_visible()
    fits_the_screen(page)
    secret = page.get_by_label("Or type this setup key into the app").input_value()
    page.get_by_label("Authenticator code").fill(app_code(secret, clock))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    # The recovery codes come at once, to keep.
    expect(page.get_by_role("heading", level=1, name="Your recovery codes")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("Two-factor sign-in is on")
    codes = page.get_by_role("list", name="Unused recovery codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    fits_the_screen(page)
    page.get_by_role("link", name="I have kept them: back to two-factor sign-in").click()
    expect(page.get_by_text("Two-factor sign-in is on.")).to_be_visible()
    return secret, codes


def log_in(page: Page, live_server, path: str) -> None:
    """As Max, through the login form the page asked for sends him to."""
    page.goto(live_server.url + path)
    type_password(page, "member@example.com")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_a_person_turns_on_an_authenticator_app_and_logs_in_with_its_code_or_a_recovery_code(
        page, live_server, member, clock):
    # Max turns it on from his profile.
    log_in(page, live_server, "/accounts/profile/")
    secret, codes = turn_on_the_authenticator_app(page, clock)
    log_out(page)

    # Next time, his password is not enough: the app's code is asked for.
    clock.move(30)
    page.goto(live_server.url + "/accounts/login/")
    type_password(page, "member@example.com")
    expect(page.get_by_role("heading", level=1, name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code").fill(app_code(secret, clock))
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    log_out(page)

    # His phone is flat: a recovery code gets him in.
    page.goto(live_server.url + "/accounts/login/")
    type_password(page, "member@example.com")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(live_server.url + "/accounts/2fa/")
    expect(page.get_by_role("region", name="Recovery codes")).to_contain_text("9 of 10 codes left.")


def test_a_person_adds_a_passkey_and_logs_in_with_it_alone(page, live_server, member, settings):
    # The live server is http://localhost: a secure context for the browser, an insecure origin for allauth.
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True}})

    log_in(page, live_server, "/accounts/2fa/")
    page.get_by_role("link", name="Add a passkey").click()
    confirm_password(page)
    expect(page.get_by_role("heading", level=1, name="Add a passkey")).to_be_visible()
    page.get_by_label("Name").fill("Work laptop")
    expect(page.get_by_label("Log in with it, without a password")).to_be_checked()
    page.get_by_role("button", name="Add a passkey").click()

    # Recovery codes come with a first second step.
    expect(page.get_by_role("heading", level=1, name="Your recovery codes")).to_be_visible()
    page.goto(live_server.url + "/accounts/2fa/webauthn/")
    passkey = page.get_by_role("listitem").filter(has_text="Work laptop")
    expect(passkey).to_contain_text("Logs you in")
    log_out(page)

    # No address, no password: the passkey alone.
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_role("button", name=re.compile("passkey", re.IGNORECASE)).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="Max Member")).to_be_visible()


def test_the_authenticator_app_journey_works_without_javascript_on_a_phone(browser, live_server, member, clock):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/accounts/profile/")
        type_password(page, "member@example.com")
        expect(page.get_by_role("heading", level=1, name="Your profile")).to_be_visible()
        fits_the_screen(page)
        secret, _ = turn_on_the_authenticator_app(page, clock)
        log_out(page)

        clock.move(30)
        page.goto(live_server.url + "/accounts/login/")
        type_password(page, "member@example.com")
        expect(page.get_by_role("heading", level=1, name="Two-factor sign-in")).to_be_visible()
        fits_the_screen(page)
        # A wrong code first: said in words, in place.
        page.get_by_label("Code").fill("000000")
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("Incorrect code.")
        page.get_by_label("Code").fill(app_code(secret, clock))
        page.get_by_role("button", name="Log in", exact=True).click()
        expect(page.get_by_role("button", name="Log out")).to_be_visible()

        page.goto(live_server.url + "/accounts/sessions/")
        expect(page.get_by_role("heading", level=1, name="Your sessions")).to_be_visible()
        expect(page.get_by_text("This browser")).to_be_visible()
        fits_the_screen(page)
    finally:
        context.close()
