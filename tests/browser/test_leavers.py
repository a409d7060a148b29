"""A leaver: the admin deactivates Max while Max has the site open in another browser; Max's next click lands
on the login page. On a desktop with JavaScript and on a 390 px phone without it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.screens import SCREENS


@pytest.mark.browser
@SCREENS
def test_a_leaver_loses_access_at_once(browser: Browser, live_server, log_in, team, leader, member, admin,
                                        javascript, viewport):
    size = viewport or {"width": 1280, "height": 900}
    maxs = browser.new_context(java_script_enabled=javascript, viewport=size).new_page()
    adas = browser.new_context(java_script_enabled=javascript, viewport=size).new_page()
    try:
        # Max has his team open.
        log_in(maxs, "member@example.com", team.get_absolute_url())
        expect(maxs.get_by_role("heading", level=1, name="Platform")).to_be_visible()

        # Ada, the organisation's admin, deactivates him from People, after reading what will happen.
        log_in(adas, "admin@example.com", "/o/harbour/people/")
        adas.locator(".person-row", has_text="Max Member").get_by_role("button", name="Deactivate").click()
        expect(adas.get_by_role("heading", name="Deactivate Max Member?")).to_be_visible()
        expect(adas.get_by_text("Every session of Max Member")).to_be_visible()
        adas.get_by_role("button", name="Yes, deactivate Max Member").click()
        expect(adas.get_by_text("Max Member is deactivated in Harbour Health")).to_be_visible()
        deactivated = adas.get_by_role("region", name="Deactivated")
        expect(deactivated).to_contain_text("Max Member")
        expect(deactivated.get_by_role("button", name="Reactivate")).to_be_visible()
        if viewport is not None:
            assert adas.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

        # Max's next click lands on the login page; his password no longer lets him in: he reads why.
        maxs.get_by_role("link", name="Platform").first.click()
        expect(maxs.get_by_role("heading", name="Log in")).to_be_visible()
        maxs.get_by_label("Email address").fill("member@example.com")
        maxs.get_by_label("Password").fill("password")
        maxs.get_by_role("button", name="Log in").click()
        expect(maxs.get_by_role("heading", name="This account is switched off")).to_be_visible()
        expect(maxs.get_by_role("button", name="Log out")).to_have_count(0)
    finally:
        maxs.context.close()
        adas.context.close()
