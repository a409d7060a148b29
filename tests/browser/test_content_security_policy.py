"""With the Content-Security-Policy on, the pages work as before and the browser refuses nothing of ours."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def watch_for_csp_violations(page: Page) -> list[str]:
    """Collect what Chromium reports on the console when the policy refuses something."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def test_a_leader_edits_the_purpose_in_place_and_nothing_is_refused(
    page, live_server, log_in, charter_url, complete_draft, leader
):
    violations = watch_for_csp_violations(page)
    log_in(page, leader.email, charter_url)
    expect(page.get_by_text("Version 1 · Draft")).to_be_visible()
    page.evaluate("window.__marker = 'same page'")

    # htmx swaps the editor in (a GET), then the saved section (a POST), without a reload.
    purpose = page.get_by_role("region", name=re.compile(r"^Purpose"))
    purpose.get_by_role("link", name="Edit purpose").click()
    statement = page.get_by_label(re.compile(r"^Purpose in one line"))
    expect(statement).to_be_visible()
    statement.fill("Keep the wards' software safe to change.")
    page.get_by_role("button", name="Save").click()
    expect(purpose).to_contain_text("Keep the wards' software safe to change.")
    assert page.evaluate("window.__marker") == "same page"

    assert violations == []

    # The check can fail: a script slipped into the page is refused, and said so.
    with pytest.raises(PlaywrightError, match="violates the following Content Security Policy directive"):
        page.add_script_tag(content="window.__injected = true")
    assert page.evaluate("window.__injected === undefined")
    # ...and the console reports it, so the listener above would have heard ours.
    page.wait_for_timeout(200)
    assert any("script-src" in text for text in violations), violations


def test_the_print_button_works_from_its_own_script(
    page, live_server, log_in, charter_url, team, complete_draft, leader
):
    violations = watch_for_csp_violations(page)
    log_in(page, leader.email, charter_url)
    page.goto(live_server.url + reverse("charters:print", args=[team.organisation.slug, team.slug,
                                                                 complete_draft.number]))
    expect(page.get_by_role("heading", name="Platform — team charter")).to_be_visible()

    page.evaluate("window.print = () => { window.__printed = true }")
    page.get_by_role("button", name="Print").click()

    assert page.evaluate("window.__printed") is True
    assert violations == []
