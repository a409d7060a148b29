"""A leader amends the ratified charter and compares the new version with the old one."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.browser
def test_leader_amends_people_ratifies_and_compares_the_versions(
    page, log_in, charter_url, ratified_charter, team, leader
):
    log_in(page, "leader@example.com", charter_url)
    expect(page.get_by_text("Version 1 · Ratified")).to_be_visible()

    # The retrospective asked for a kinder People section: she starts an amendment.
    page.get_by_label("What should change, and why?").fill(
        "The retro asked us to name how we disagree."
    )
    page.get_by_role("button", name="Start an amendment").click()
    expect(page.get_by_role("status")).to_contain_text("Amendment started as draft version 2.")
    expect(page.get_by_text("Version 2 · Draft")).to_be_visible()
    expect(page.get_by_text("amends version 1")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(
        "Amendment: The retro asked us to name how we disagree."
    )

    # She rewrites People in place.
    page.evaluate("window.__marker = 'same page'")
    people = page.get_by_role("region", name=re.compile(r"^People"))
    expect(people).to_contain_text("We say what we do not know.")
    people.get_by_role("link", name="Edit people").click()
    page.get_by_role("textbox", name=re.compile(r"^People")).fill(
        "We say what we do not know, and we disagree in the open."
    )
    page.get_by_role("button", name="Save").click()
    expect(people).to_contain_text("We say what we do not know, and we disagree in the open.")
    assert page.evaluate("window.__marker") == "same page"

    # Nobody objects, so she can propose and ratify straight away.
    page.get_by_role("button", name="Propose to the team").click()
    expect(page.get_by_text("Version 2 · Proposed")).to_be_visible()
    page.get_by_role("button", name="Ratify version 2").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Ratified. Version 2 is now the team's active charter."
    )
    expect(page.get_by_text("Version 2 · Ratified")).to_be_visible()

    # Every version is kept; version 1 is now superseded.
    page.get_by_role("link", name="All versions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform charter: versions")
    versions = page.get_by_role("table")
    expect(versions.get_by_role("row", name=re.compile(r"^Version 2"))).to_contain_text("Ratified")
    expect(versions.get_by_role("row", name=re.compile(r"^Version 1"))).to_contain_text(
        "Superseded"
    )

    # She compares the two.
    page.get_by_label("From version").select_option(label="Version 1 (superseded)")
    page.get_by_label("To version").select_option(label="Version 2 (ratified)")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Version 1 → version 2")

    people = page.get_by_role("region", name=re.compile(r"^People"))
    expect(people.get_by_role("heading")).to_contain_text("changed")
    expect(people.get_by_role("insertion")).to_have_text("know, and we disagree in the open.")
    expect(people.get_by_role("deletion")).to_have_text("know.")
    expect(people).to_contain_text("We say what we do not")

    for unchanged in ("Purpose", "Process", "Non-negotiables", "Boundaries", "Goals"):
        other = page.get_by_role("region", name=re.compile(rf"^{unchanged}"))
        expect(other.get_by_role("heading")).to_contain_text("unchanged")
        expect(other).to_contain_text("No change.")
        expect(other.get_by_role("insertion")).to_have_count(0)
        expect(other.get_by_role("deletion")).to_have_count(0)
    page.screenshot(path="/tmp/charter_diff.png", full_page=True)
