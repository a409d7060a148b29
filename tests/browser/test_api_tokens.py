"""Max makes a personal API token on his profile, his script uses it, and he revokes it; on a desktop with
JavaScript and on a 390 px phone without it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.screens import SCREENS


def call(live_server, token: str, path: str = "/api/v1/me") -> tuple[int, dict]:
    request = urllib.request.Request(live_server.url + path, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read())


@pytest.mark.browser
@SCREENS
def test_max_makes_a_token_his_script_uses_then_revokes_it(browser: Browser, live_server, log_in, member, team,
                                                           javascript, viewport):
    page = browser.new_context(java_script_enabled=javascript,
                               viewport=viewport or {"width": 1280, "height": 900}).new_page()
    try:
        # From his profile, Max finds the API tokens page.
        log_in(page, "member@example.com", "/accounts/profile/")
        page.get_by_role("link", name="API tokens").click()
        expect(page.get_by_role("heading", name="Your API tokens")).to_be_visible()

        # He names the token, lets it write check-ins and read nothing else, and makes it.
        make = page.get_by_role("region", name="Make a token")
        make.get_by_label("Name").fill("Weekly script")
        make.get_by_role("group", name="Check-ins").get_by_label("Read and write").check()
        for area in ("Organisations, teams and people", "Charters, their versions, goals and key results",
                     "Key-result progress", "Commitments and renegotiations", "The decision log",
                     "Review cycles and retrospective summaries", "Your notifications"):
            make.get_by_role("group", name=area).get_by_label("No access").check()
        make.get_by_label("In 30 days").check()
        make.get_by_role("button", name="Make the token").click()

        # The token is shown once, to copy now.
        shown = page.get_by_role("status").filter(has_text="Copy this token now")
        expect(shown).to_be_visible()
        token = shown.locator("code").inner_text().strip()
        assert token.startswith("chr_")
        if viewport:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        listed = page.get_by_role("region", name="Your tokens")
        expect(listed).to_contain_text("Weekly script")
        expect(listed).to_contain_text("Check-ins: read and write")

        # His script calls the API with it: it acts as Max, and only within its scopes.
        status, me = call(live_server, token)
        assert (status, me["email"], me["scopes"]) == (200, "member@example.com", ["checkins:write"])
        assert call(live_server, token, "/api/v1/organisations")[0] == 403

        # He revokes it: asked first, then the script is refused.
        listed.get_by_role("button", name="Revoke Weekly script").click()
        if javascript:
            page.get_by_role("dialog").get_by_role("button", name="Yes, revoke it").click()
        else:
            expect(page.get_by_role("heading", name="Revoke “Weekly script”?")).to_be_visible()
            page.get_by_role("button", name="Yes, revoke it").click()
        expect(page.get_by_role("status").filter(has_text="is revoked")).to_be_visible()
        expect(page.get_by_role("region", name="Your tokens")).to_contain_text("revoked")
        assert call(live_server, token)[0] == 401
    finally:
        page.context.close()
