"""A member weighs a proposal against the purpose and logs it as a conscious investment."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_member_logs_a_conscious_investment_and_finds_it_for_the_review(
    page, log_in, charter_url, ratified_charter, team, member
):
    log_in(page, "member@example.com", charter_url)
    page.get_by_role("navigation", name="Platform").get_by_role("link", name="Decision log").click()
    expect(page.get_by_role("heading", level=1, name="Decision log")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("No proposals logged yet.")

    page.get_by_role("link", name="+ Log a proposal").click()
    expect(page.get_by_role("heading", level=1, name="Log a proposal")).to_be_visible()

    # The verdict appears as soon as both effects are chosen, without leaving the page.
    page.evaluate("window.__marker = 'same page'")
    preview = page.locator("#verdict-preview")
    expect(preview).to_contain_text(
        "Choose the effect on the purpose and on the metrics to see the verdict."
    )
    page.get_by_role("group", name="Effect on our purpose").get_by_role(
        "radio", name="advances"
    ).check()
    page.get_by_role("group", name="Effect on our metrics").get_by_role(
        "radio", name="dents"
    ).check()
    expect(preview).to_contain_text("What your purpose says: Conscious investment")
    expect(preview).to_contain_text("It advances the purpose at a cost to a metric.")
    # The preview came before the required title was typed: it must not wait for a valid form.
    page.get_by_label(re.compile(r"^Proposal")).fill(
        "Pause feature work for a release-safety sprint"
    )
    assert page.evaluate("window.__marker") == "same page"
    page.screenshot(path="/tmp/decision_form.png", full_page=True)

    # A conscious investment names what it dents, by how much and until when.
    page.get_by_label(re.compile(r"^Key result it dents")).select_option(label="Releases per month")
    page.get_by_label(re.compile(r"^How much")).fill("One release fewer in March")
    page.get_by_label(re.compile(r"^For how long")).fill("2030-04-30")
    page.get_by_role("button", name="Log proposal").click()

    expect(page.get_by_role("status")).to_contain_text("Logged. Verdict: Conscious investment.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Pause feature work for a release-safety sprint"
    )
    verdict = page.get_by_role("region", name=re.compile(r"^Verdict"))
    expect(verdict.get_by_role("heading")).to_have_text("Verdict: Conscious investment")
    expect(verdict).to_contain_text("Releases per month")
    expect(verdict).to_contain_text("One release fewer in March")
    expect(verdict).to_contain_text("30 Apr 2030")
    expect(page.get_by_role("main")).to_contain_text("under charter version 1")

    # Back in the log, it waits among the investments the review will check.
    page.get_by_role("link", name="← Decision log").click()
    investments = page.get_by_role("region", name="Conscious investments to check at review")
    row = investments.get_by_role("row", name=re.compile(r"^Pause feature work"))
    expect(row).to_contain_text("Releases per month")
    expect(row).to_contain_text("One release fewer in March")
    expect(row).to_contain_text("30 Apr 2030")
    expect(
        page.get_by_role("table").last.get_by_role("row", name=re.compile(r"^Pause feature work"))
    ).to_contain_text("Conscious investment")
