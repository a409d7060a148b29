"""What the single sign-on journeys share, whatever the protocol: a fresh page, and Charter's side of the way out."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

DESKTOP = {"width": 1280, "height": 900}


def open_page(browser: Browser, *, javascript: bool = True, viewport: dict | None = None) -> Page:
    page = browser.new_context(java_script_enabled=javascript, viewport=viewport or DESKTOP).new_page()
    page.set_default_timeout(10_000)
    return page


def continue_to_provider(page: Page, live_server, email: str) -> None:
    """On Charter's login page, the address alone, then allauth's "Continue" on to the provider."""
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="Log in through Harbour Sign-In")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
