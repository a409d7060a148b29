"""A member weighs a proposal against the purpose and logs it; the leader makes the call, and changes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.screens import PHONE


def message(page: Page) -> Locator:
    """The message the page opens with, after an action (not the live region scripts announce in)."""
    return page.locator(".messages").get_by_role("status")


def fits_the_screen(page: Page) -> bool:
    """Nothing makes the page scroll sideways (wide tables scroll inside their own box)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def phone(browser: Browser):
    """`phone(javascript=...)`: a page in a phone-sized browser of its own, closed after the test."""
    contexts = []

    def open_page(*, javascript: bool) -> Page:
        contexts.append(browser.new_context(viewport=PHONE, java_script_enabled=javascript))
        return contexts[-1].new_page()

    yield open_page
    for context in contexts:
        context.close()


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
    # The purpose it is judged against is right there, in the charter's own words.
    expect(page.get_by_role("region", name="Our purpose")).to_contain_text(
        "Keep the hospital's software safe to change."
    )

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

    expect(message(page)).to_contain_text("Logged. Verdict: Conscious investment.")
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


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_on_a_phone_a_member_proposes_and_the_leader_decides_then_changes_the_call(
    phone, live_server, log_in, ratified_charter, team, leader, member, javascript
):
    decision_log = f"/o/{team.organisation.slug}/t/{team.slug}/decisions/"

    # Max Member opens the decision log on his phone.
    max_ = phone(javascript=javascript)
    log_in(max_, "member@example.com", decision_log)
    expect(max_.get_by_role("heading", level=1, name="Decision log")).to_be_visible()
    assert fits_the_screen(max_)

    # He weighs a proposal against the purpose, shown beside the question in the charter's words.
    max_.get_by_role("link", name="+ Log a proposal").click()
    purpose = max_.get_by_role("region", name="Our purpose")
    expect(purpose).to_contain_text("Keep the hospital's software safe to change.")
    expect(purpose).to_contain_text("Clinicians on the wards.")
    expect(purpose).to_contain_text("Releases nobody has to be afraid of.")
    expect(purpose).to_contain_text("Patient safety, for any deadline.")
    assert fits_the_screen(max_)
    max_.get_by_label(re.compile(r"^Proposal")).fill("Freeze releases over the bank holiday weekend")
    max_.get_by_role("group", name="Effect on our purpose").get_by_role("radio", name="advances").check()
    max_.get_by_role("group", name="Effect on our metrics").get_by_role("radio", name="improves").check()
    max_.get_by_role("button", name="Log proposal").click()

    # He is told the verdict, and that the leaders make the final call: who they are.
    told = "The team's leaders make the final call: Lena Leader."
    expect(message(max_)).to_have_text(f"Logged. Verdict: Yes. {told}")
    expect(max_.get_by_role("heading", level=1)).to_have_text("Freeze releases over the bank holiday weekend")
    expect(max_.get_by_role("region", name=re.compile(r"^Final decision"))).to_contain_text(told)
    expect(max_.get_by_role("button", name="Record decision")).to_have_count(0)
    assert fits_the_screen(max_)
    decision_page = max_.url

    # Unsure it went through, he goes Back and submits the form again: nothing is logged twice.
    max_.go_back()
    expect(max_.get_by_role("heading", level=1, name="Log a proposal")).to_be_visible()
    expect(max_.get_by_text("This proposal was already logged:")).to_be_visible()
    expect(max_.get_by_label(re.compile(r"^Proposal"))).to_have_value(
        "Freeze releases over the bank holiday weekend"
    )
    max_.get_by_role("button", name="Log proposal").click()
    expect(message(max_)).to_have_text("This proposal was already logged.")
    assert max_.url == decision_page
    max_.get_by_role("link", name="← Decision log").click()
    expect(max_.get_by_role("row", name=re.compile(r"^Freeze releases"))).to_have_count(1)
    assert fits_the_screen(max_)

    # Lena Leader makes the call, then changes it when the clinics ask to wait.
    lena = phone(javascript=javascript)
    log_in(lena, "leader@example.com", decision_page.removeprefix(live_server.url))
    outcome = lena.get_by_role("region", name=re.compile(r"^Final decision"))
    outcome.get_by_role("radio", name="Proceed", exact=True).check()
    outcome.get_by_role("button", name="Record decision").click()
    expect(message(lena)).to_have_text("Decision recorded.")
    outcome.get_by_role("radio", name="Do not proceed").check()
    outcome.get_by_label("Reason").fill("The clinics asked us to wait until spring.")
    outcome.get_by_role("button", name="Change decision").click()
    expect(message(lena)).to_have_text("Decision recorded.")
    expect(outcome.get_by_role("heading")).to_have_text("Final decision: Do not proceed")

    # The history keeps both calls, newest first, and marks the one in force.
    calls = lena.get_by_role("region", name="History of the final call").get_by_role("listitem")
    expect(calls).to_have_count(2)
    expect(calls.nth(0)).to_contain_text(
        re.compile(r"Do not proceed — Lena Leader, \d+ \w{3} \d\d:\d\d: The clinics asked us to wait until spring\.")
    )
    expect(calls.nth(0)).to_contain_text("current call")
    expect(calls.nth(1)).to_contain_text(re.compile(r"^Proceed — Lena Leader, \d+ \w{3} \d\d:\d\d"))
    expect(calls.nth(1)).not_to_contain_text("current call")
    assert fits_the_screen(lena)


@pytest.mark.browser
def test_a_pasted_link_wraps_on_a_phone_instead_of_widening_the_page(
    phone, live_server, log_in, ratified_charter, team, leader, member
):
    from decisions import services

    link = "https://wiki.example.org/platform/decisions/2026/referrals-message-queue-migration-plan"
    decision = services.log_decision(team=team, actor=member, title=f"Adopt {link}", description=f"See {link}",
                                     purpose_effect="advances", metric_effect="improves")
    services.record_outcome(decision=decision, actor=leader, outcome="decline", reason=f"Read {link}",
                            expected_version=1)
    page = phone(javascript=True)

    log_in(page, "leader@example.com", decision.get_absolute_url())

    expect(page.get_by_role("heading", level=1)).to_contain_text("Adopt https://wiki.example.org")
    assert fits_the_screen(page)
