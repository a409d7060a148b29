"""An item's or a section's Edit page opened on its own (a new tab, a bookmark) saves with JavaScript on.

Its form used to aim its htmx answer at the charter page's section, absent from a page of its own,
so Save sent nothing and said nothing. On its own page the form now posts plainly and the save
lands on the charter at the section.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def wait_for_htmx(page: Page) -> None:
    """JavaScript is on and htmx loaded: the journey is the one a person with a browser takes."""
    page.wait_for_function("() => window.htmx !== undefined")


def test_a_leader_edits_a_non_negotiable_from_its_own_page(page, log_in, team, complete_draft, leader):
    from charters.models import NonNegotiable

    item = NonNegotiable.objects.get(charter=complete_draft)
    edit_url = reverse("charters:item_edit", args=[team.organisation.slug, team.slug, complete_draft.number,
                                                    "non_negotiable", item.pk])
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)

    # Lena opens the non-negotiable's Edit link in a tab of its own.
    log_in(page, "leader@example.com", edit_url)
    expect(page.get_by_role("heading", name="Edit non-negotiable")).to_be_visible()
    wait_for_htmx(page)

    page.get_by_label(re.compile(r"^Title")).fill("Reviewed and paired code only")
    page.get_by_role("button", name="Save").click()

    # The save lands on the charter, at its section, with the change.
    expect(page).to_have_url(re.compile(r"/charter/#non_negotiables$"))
    section = page.get_by_role("region", name=re.compile(r"^Non-negotiables"))
    expect(section).to_contain_text("Reviewed and paired code only")
    item.refresh_from_db()
    assert item.title == "Reviewed and paired code only"
    assert not [problem for problem in problems if "htmx" in problem.lower()]


def test_a_leader_edits_a_section_from_its_own_page_and_cancel_goes_back(page, live_server, log_in, team,
                                                                         complete_draft, leader):
    edit_url = reverse("charters:section_edit", args=[team.organisation.slug, team.slug, complete_draft.number,
                                                       "people"])
    log_in(page, "leader@example.com", edit_url)
    wait_for_htmx(page)

    # Cancel leaves the page too: back to the charter at the section, nothing changed.
    page.get_by_role("textbox", name=re.compile(r"^People")).fill("Not this")
    page.get_by_role("link", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/charter/#people$"))
    people = page.get_by_role("region", name=re.compile(r"^People"))
    expect(people).to_contain_text("We say what we do not know.")
    expect(people).not_to_contain_text("Not this")

    # Opened again on its own, the section saves.
    page.goto(live_server.url + edit_url)
    wait_for_htmx(page)
    page.get_by_role("textbox", name=re.compile(r"^People")).fill("We say what we do not know, early.")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(r"/charter/#people$"))
    expect(page.get_by_role("region", name=re.compile(r"^People"))).to_contain_text(
        "We say what we do not know, early.")
