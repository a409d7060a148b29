"""A leader amends a key result's target mid-cycle, reads the cycle (each key result once, the amendment named),
then closes it early: asked to confirm, with a summary, and told no retrospective was held. With and without
JavaScript."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from charters.models import Charter, KeyResult
from reviews.models import ReviewCycle


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_leader_amends_a_target_reads_the_cycle_and_closes_it_early(browser, live_server, log_in, team, leader,
                                                                        ratified_charter, charter_url, javascript):
    page = browser.new_context(java_script_enabled=javascript).new_page()
    cycle_url = reverse("reviews:cycle", args=[team.organisation.slug, team.slug, 1])
    try:
        # Lena amends the charter: the key result's target goes from 4 to 6.
        log_in(page, "leader@example.com", charter_url)
        expect(page.get_by_text("Version 1 · Ratified")).to_be_visible()
        page.get_by_role("button", name="Start an amendment").click()
        expect(page.get_by_text("Version 2 · Draft")).to_be_visible()
        amended = KeyResult.objects.get(goal__charter__number=2)
        row = page.locator(f"#key_result-{amended.pk}")
        row.get_by_role("link", name="Edit Releases per month").click()
        metric = page.get_by_label("Metric")
        expect(metric).to_have_value("Releases per month")
        if javascript:
            # The editor opens in place and then takes the focus to its first field: typing before that
            # would put the target into Metric.
            expect(metric).to_be_focused()
        page.get_by_label("Target").fill("6")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(f"#key_result-{amended.pk}")).to_contain_text("6")
        # She proposes it and ratifies it.
        page.get_by_role("button", name="Propose to the team").click()
        expect(page.get_by_text("Version 2 · Proposed")).to_be_visible()
        page.get_by_role("button", name="Ratify version 2").click()
        anyway = page.get_by_role("button", name="Ratify anyway")
        expect(page.get_by_text("Version 2 · Ratified").or_(anyway)).to_be_visible()
        if anyway.is_visible():
            anyway.click()
        expect(page.get_by_text("Version 2 · Ratified")).to_be_visible()
        assert Charter.objects.get(team=team, number=2).is_active

        # The cycle shows each goal and key result once, and what the amendment changed.
        page.goto(live_server.url + cycle_url)
        scoreboard = page.get_by_role("region", name="Goals and key results")
        expect(scoreboard.get_by_role("heading", name="Release weekly")).to_have_count(1)
        expect(scoreboard.get_by_role("rowheader", name="Releases per month")).to_have_count(1)
        expect(scoreboard).to_contain_text("Amended in version 2: target 4 → 6")

        # Closing it today is closing it early: she is told so, and that no retrospective was held.
        closing = page.get_by_role("region", name="Close this cycle")
        expect(closing).to_contain_text("No retrospective was held for this cycle.")
        expect(closing.get_by_role("link", name="Start the retrospective first")).to_be_visible()
        closing.get_by_label("Summary").fill("The clinic merger reset our goals.")
        closing.get_by_role("button", name="Close cycle 1 early and open the next").click()
        if javascript:
            dialog = page.get_by_role("dialog", name="Close cycle 1 early?")
            expect(dialog).to_contain_text("No retrospective was held for this cycle.")
            expect(dialog).to_contain_text("1 key results")  # "0 of 1 key results are at target."
        else:
            expect(page.get_by_role("heading", level=1)).to_have_text("Close cycle 1 early?")
            expect(page.locator("main")).to_contain_text("No retrospective was held for this cycle.")
            expect(page.get_by_label("Summary: why close it early, and what it taught")).to_have_value(
                "The clinic merger reset our goals.")
        page.get_by_role("button", name="Yes, close cycle 1 early").click()

        expect(page.get_by_role("heading", level=1)).to_contain_text("Cycle 2")
        expect(page.locator("main")).to_contain_text("Cycle 1 is closed early.")
    finally:
        page.context.close()

    closed = ReviewCycle.objects.get(team=team, number=1)
    assert closed.is_closed and closed.closed_early
    assert closed.summary.startswith("The clinic merger reset our goals.")
    assert "closed with 0 of 1 key results at target" in closed.summary
