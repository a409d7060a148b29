"""A charter asks to be revisited: the leader finds it in My week, reads the evidence, starts the amendment
with it filled in, and proposes it; on a desktop with JavaScript and on a 390 px phone without it.

The app's clock stands still on Friday 27 Nov 2026, noon in London (the live server reads it too): "Reviewed
code only" was strained in three of the last four weeks, and the team's check-ins are open to the team.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from charters.models import Charter
from reviews.triggers import fire_due_triggers
from tests.browser.screens import SCREENS
from tests.reviews.trigger_factories import NOW, RATIFIED, WEEKS, check_in


@pytest.fixture(autouse=True)
def friday(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def fired(team, leader, member, ratified_charter):
    team.checkins_open_to_team = True
    team.save(update_fields=["checkins_open_to_team"])
    Charter.objects.filter(pk=ratified_charter.pk).update(ratified_at=RATIFIED)
    strained = ratified_charter.non_negotiables.get()
    for week in WEEKS[1:]:
        check_in(team, member, week, strained=strained, note="Merged a hotfix without review to make the release")
    fire_due_triggers(now=NOW)


@pytest.mark.browser
@SCREENS
def test_the_leader_takes_up_the_charters_request_to_be_revisited(browser: Browser, live_server, log_in, fired,
                                                                  javascript, viewport):
    page = browser.new_context(java_script_enabled=javascript, viewport=viewport or {"width": 1280, "height": 900}
                               ).new_page()
    try:
        log_in(page, "leader@example.com", "/")
        week = page.get_by_role("region", name="My week")
        prompt = week.get_by_role("link", name="The charter asks to be revisited: “Reviewed code only” was strained "
                                               "in 3 of the last 4 weeks")
        prompt.click()

        expect(page.get_by_role("heading", level=1, name="The charter asks to be revisited")).to_be_visible()
        expect(page.get_by_text("the weeks of 2 Nov, 9 Nov, 16 Nov")).to_be_visible()
        expect(page.locator("blockquote")).to_have_text("Merged a hotfix without review to make the release")
        if viewport:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.get_by_role("button", name="Start the amendment").click()

        expect(page.get_by_text("The amendment is started with the evidence")).to_be_visible()
        expect(page.get_by_text("Amendment: The charter asked to be revisited")).to_be_visible()
        evidence = page.get_by_role("region", name="Why this amendment")
        expect(evidence).to_contain_text("flagged as strained in 3 of the last 4 completed weeks")
        expect(evidence).to_contain_text("Merged a hotfix without review to make the release")
        if viewport:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

        page.get_by_role("button", name="Propose to the team").click()
        expect(page.get_by_role("heading", name="Proposed", exact=True)).to_be_visible()
    finally:
        page.context.close()
