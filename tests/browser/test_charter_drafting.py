"""A leader writes the team's first charter on its page, section by section, and proposes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect


def completeness(page: Page):
    return page.get_by_role("region", name=re.compile(r"^Completeness"))


def expect_score(page: Page, passed: int) -> None:
    expect(completeness(page).get_by_role("heading")).to_have_text(
        f"Completeness {passed}/10 checks pass"
    )


def section(page: Page, title: str):
    return page.get_by_role("region", name=re.compile(rf"^{title}"))


@pytest.mark.browser
def test_leader_writes_a_complete_charter_in_place_and_proposes_it(
    page, log_in, charter_url, team, leader, member
):
    # Lena opens her team's charter: there is none yet.
    log_in(page, "leader@example.com", charter_url)
    expect(page.get_by_role("heading", name="No charter yet")).to_be_visible()
    page.get_by_role("button", name="Start the charter").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Your draft charter is ready. Start with the purpose."
    )
    expect(page.get_by_text("Version 1 · Draft")).to_be_visible()
    # An empty draft passes only the checks about lists that are still empty.
    expect_score(page, 0)
    expect(page.get_by_role("region", name="Draft")).to_contain_text(
        "Still needed before you can propose: Purpose in one line"
    )

    # From here on nothing reloads the page: a value set on the window survives every save.
    page.evaluate("window.__marker = 'same page'")

    # Purpose: the one-line statement and its three parts.
    purpose = section(page, "Purpose")
    purpose.get_by_role("link", name="Edit purpose").click()
    page.get_by_label(re.compile(r"^Purpose in one line")).fill(
        "Keep the hospital's software safe to change."
    )
    page.get_by_label(re.compile(r"^Who it serves")).fill("Clinicians on the wards.")
    page.get_by_label(re.compile(r"^The outcome it exists to create")).fill(
        "Releases nobody is afraid of."
    )
    page.get_by_label(re.compile(r"^What it refuses to trade away")).fill(
        "Patient safety, for any deadline."
    )
    page.get_by_role("button", name="Save").click()
    expect(purpose).to_contain_text("Keep the hospital's software safe to change.")
    expect(purpose).to_contain_text("Patient safety, for any deadline.")
    expect_score(page, 2)

    # People and Process, each in place.
    people = section(page, "People")
    people.get_by_role("link", name="Edit people").click()
    page.get_by_role("textbox", name=re.compile(r"^People")).fill("We say what we do not know.")
    page.get_by_role("button", name="Save").click()
    expect(people).to_contain_text("We say what we do not know.")
    expect_score(page, 3)

    process = section(page, "Process")
    process.get_by_role("link", name="Edit process").click()
    page.get_by_role("textbox", name=re.compile(r"^Process")).fill(
        "Planning every other Monday; done means deployed."
    )
    page.get_by_role("button", name="Save").click()
    expect(process).to_contain_text("done means deployed")
    expect_score(page, 4)

    # Two non-negotiables, each with what meeting it looks like.
    non_negotiables = section(page, "Non-negotiables")
    for title, standard in [
        ("Reviewed code only", "Every change has a second pair of eyes."),
        ("No surprise releases", "The wards hear about a release a day ahead."),
    ]:
        non_negotiables.get_by_role("link", name="+ Add non-negotiable").click()
        page.get_by_label(re.compile(r"^Title")).fill(title)
        page.get_by_label(re.compile(r"^What meeting it looks like")).fill(standard)
        page.get_by_role("button", name="Save").click()
        expect(non_negotiables.get_by_role("heading", name=title)).to_be_visible()
        expect(non_negotiables).to_contain_text(standard)
        expect_score(page, 6)
    expect(non_negotiables.get_by_role("heading", level=2)).to_contain_text("(2)")

    # A boundary: the team decides its own tooling.
    boundaries = section(page, "Boundaries")
    boundaries.get_by_role("link", name="+ Add boundary").click()
    page.get_by_label(re.compile(r"^Area of work")).fill("Tooling")
    page.get_by_role("radio", name="team decides").check()
    page.get_by_role("button", name="Save").click()
    expect(boundaries.get_by_role("heading", name="Tooling")).to_contain_text("team decides")
    expect_score(page, 7)

    # A goal tied to the purpose (offered in the team's own words), with the tradeoff it accepts:
    # its check passes; Performance still wants a key result.
    goals = section(page, "Goals")
    goals.get_by_role("link", name="+ Add goal").click()
    page.get_by_label(re.compile(r"^Objective")).fill("Release weekly")
    page.get_by_role("radio", name=re.compile(r"^The outcome it exists to create — Releases nobody")).check()
    page.get_by_label(re.compile(r"^Tradeoff we consciously accept")).fill(
        "Fewer new features this cycle."
    )
    page.screenshot(path="/tmp/charter_mid_editing.png", full_page=True)
    page.get_by_role("button", name="Save").click()
    goal = goals.get_by_role("article").filter(
        has=page.get_by_role("heading", name="Release weekly")
    )
    expect(goal).to_contain_text("Advances: the outcome it exists to create")
    expect(goal).to_contain_text("Tradeoff we accept: Fewer new features this cycle.")
    expect_score(page, 8)
    expect(completeness(page)).to_contain_text("Performance: a goal with a key result")

    # ...and its key result, from one release a month to four.
    goal.get_by_role("link", name="+ Add key result").click()
    page.get_by_label(re.compile(r"^Metric")).fill("Releases per month")
    page.get_by_label(re.compile(r"^Start")).fill("1")
    page.get_by_label(re.compile(r"^Target")).fill("4")
    page.get_by_role("button", name="Save").click()
    key_results = goal.get_by_role("table", name="Key results for Release weekly")
    expect(key_results.get_by_role("row", name=re.compile(r"^Releases per month"))).to_contain_text(
        "4"
    )
    expect_score(page, 10)
    expect(completeness(page)).to_contain_text(
        "Complete: purpose, people, process and performance are all there."
    )
    # The lifecycle panel no longer lists anything as missing.
    expect(page.get_by_role("region", name="Draft")).not_to_contain_text("Still needed")

    assert page.evaluate("window.__marker") == "same page"
    page.screenshot(path="/tmp/charter_drafting.png", full_page=True)

    # Everything is there: she puts it to the team.
    page.get_by_role("button", name="Propose to the team").click()
    expect(page.get_by_role("status")).to_contain_text("Proposed to the team.")
    expect(page.get_by_text("Version 1 · Proposed")).to_be_visible()
    expect(page.get_by_role("region", name="Proposed")).to_contain_text(
        "Ratify once every objection has an answer."
    )
    # Max, the team's member, is now asked for his say.
    expect(page.get_by_role("region", name="Team consent")).to_contain_text(
        "Not yet responded: Max Member"
    )


@pytest.mark.browser
def test_leader_edits_purpose_and_adds_a_non_negotiable_without_javascript(
    browser, log_in, charter_url, team, leader
):
    from charters import services

    services.start_charter(team=team, actor=leader)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "leader@example.com", charter_url)
        expect(page.get_by_text("Version 1 · Draft")).to_be_visible()

        # "Edit purpose" is a plain link to a page of its own.
        section(page, "Purpose").get_by_role("link", name="Edit purpose").click()
        expect(page.get_by_role("heading", level=1, name="Purpose")).to_be_visible()
        page.get_by_label(re.compile(r"^Purpose in one line")).fill(
            "Keep the hospital's software safe to change."
        )
        page.get_by_label(re.compile(r"^Who it serves")).fill("Clinicians on the wards.")
        page.get_by_role("button", name="Save").click()

        # Saving posts the form and lands back on the charter, at the purpose.
        assert page.url.endswith(charter_url + "#purpose")
        purpose = section(page, "Purpose")
        expect(purpose).to_contain_text("Keep the hospital's software safe to change.")
        expect(purpose).to_contain_text("Clinicians on the wards.")
        expect_score(page, 1)

        # Adding a non-negotiable works the same way.
        section(page, "Non-negotiables").get_by_role("link", name="+ Add non-negotiable").click()
        expect(page.get_by_role("heading", level=1, name="Add non-negotiable")).to_be_visible()
        page.get_by_label(re.compile(r"^Title")).fill("Reviewed code only")
        page.get_by_label(re.compile(r"^What meeting it looks like")).fill(
            "Every change has a second pair of eyes."
        )
        page.get_by_role("button", name="Save").click()

        assert page.url.endswith(charter_url + "#non_negotiables")
        non_negotiables = section(page, "Non-negotiables")
        expect(non_negotiables.get_by_role("heading", name="Reviewed code only")).to_be_visible()
        expect(non_negotiables).to_contain_text("Every change has a second pair of eyes.")
        expect_score(page, 3)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("javascript, viewport", [(True, None), (False, {"width": 390, "height": 844})],
                         ids=["desktop-with-javascript", "phone-without-javascript"])
def test_leader_puts_the_non_negotiables_in_order(browser, live_server, log_in, charter_url, complete_draft,
                                                  javascript, viewport):
    """Each item's controls say what they move (and the first offers no "up", the last no "down"): with htmx
    the section is swapped in place, without JavaScript the page comes back with the new order."""
    from charters import services
    from charters.models import NonNegotiable

    services.add_item(charter=complete_draft, item=NonNegotiable(
        charter=complete_draft, title="Patients first", standard="No release during a ward round.",
    ))
    page = browser.new_context(java_script_enabled=javascript,
                               viewport=viewport or {"width": 1280, "height": 900}).new_page()
    try:
        log_in(page, "leader@example.com", charter_url)
        non_negotiables = section(page, "Non-negotiables")
        expect(non_negotiables.get_by_role("heading", level=3)).to_have_text(["Reviewed code only", "Patients first"])
        expect(non_negotiables.get_by_role("button", name="Move Reviewed code only up")).to_have_count(0)
        expect(non_negotiables.get_by_role("button", name="Move Patients first down")).to_have_count(0)

        non_negotiables.get_by_role("button", name="Move Patients first up").click()

        non_negotiables = section(page, "Non-negotiables")
        expect(non_negotiables.get_by_role("heading", level=3)).to_have_text(["Patients first", "Reviewed code only"])
        expect(non_negotiables.get_by_role("button", name="Move Reviewed code only down")).to_have_count(0)
        assert [item.title for item in NonNegotiable.objects.filter(charter=complete_draft).order_by("position")] \
            == ["Patients first", "Reviewed code only"]
        if viewport is not None:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    finally:
        page.context.close()
