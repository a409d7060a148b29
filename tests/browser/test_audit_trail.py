"""The organisation's admin reads the audit trail: a change made a moment ago is there with who made it, the
filter narrows it to one kind of event, and the CSV export downloads what is shown. On a desktop with
JavaScript and on a 390 px phone without it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from alignment import services
from alignment.models import Membership
from tests.browser.screens import SCREENS


@pytest.mark.browser
@SCREENS
def test_an_admin_reads_filters_and_exports_the_audit_trail(browser: Browser, live_server, log_in, team, leader,
                                                            member, admin, javascript, viewport):
    services.change_roles(membership=Membership.objects.get(team=team, user=member), roles=["member", "facilitator"],
                          actor=leader)
    services.invite(team=team, email="newcomer@example.com", roles=["member"], actor=leader)
    page = browser.new_context(java_script_enabled=javascript, accept_downloads=True,
                               viewport=viewport or {"width": 1280, "height": 900}).new_page()
    try:
        log_in(page, "admin@example.com", "/o/harbour/")
        page.get_by_role("link", name="Audit trail").click()
        expect(page.get_by_role("heading", level=1, name="Audit trail of Harbour Health")).to_be_visible()
        events = page.get_by_role("table")
        expect(events).to_contain_text("Roles of member@example.com in Platform changed")
        expect(events).to_contain_text("member → member, facilitator")
        expect(events).to_contain_text("newcomer@example.com invited to Platform")

        page.get_by_label("What").select_option(label="Roles changed")
        page.get_by_role("button", name="Show events").click()
        expect(page.get_by_role("table")).to_contain_text("Roles changed")
        expect(page.get_by_role("table")).not_to_contain_text("newcomer@example.com")
        if viewport is not None:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

        with page.expect_download() as download:
            page.get_by_role("link", name="Export these events as CSV").click()
        rows = Path(download.value.path()).read_text(encoding="utf-8")
        assert "roles_changed" in rows or "Roles changed" in rows
        assert "member@example.com" in rows and "newcomer@example.com" not in rows
    finally:
        page.context.close()
