"""A leader edits with the keyboard alone; every charter page fits a phone without scrolling sideways."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def focused(page: Page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()")


def test_leader_edits_the_purpose_with_the_keyboard_alone(page, log_in, charter_url, complete_draft):
    log_in(page, "leader@example.com", charter_url)

    # She tabs to "Edit purpose" and opens it: the focus lands in the first field.
    page.get_by_role("link", name="Edit purpose").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label(re.compile(r"^Purpose in one line"))).to_be_focused()

    # Esc closes the editor without saving; the focus goes back to the section.
    page.keyboard.type(" Draft words")
    page.keyboard.press("Escape")
    expect(page.get_by_role("heading", name="Purpose", exact=True)).to_be_focused()
    expect(page.locator("#purpose")).not_to_contain_text("Draft words")

    # She opens it again, types and saves with Enter: "Saved" is announced, focus is on the section.
    page.get_by_role("link", name="Edit purpose").focus()
    page.keyboard.press("Enter")
    field = page.get_by_label(re.compile(r"^Purpose in one line"))
    expect(field).to_be_focused()
    field.fill("Keep the wards' software safe to change, every day.")
    page.keyboard.press("Enter")
    expect(page.locator("#announcer")).to_have_text("Saved")
    expect(page.get_by_role("heading", name="Purpose", exact=True)).to_be_focused()
    expect(page.locator("#purpose")).to_contain_text("every day.")


@pytest.mark.parametrize("path", ["detail", "history", "diff", "decisions"])
def test_charter_pages_fit_a_phone(page, log_in, team, leader, ratified_charter, path):
    from charters import services

    services.start_amendment(team=team, actor=leader, note="Widen the goals")
    args = [team.organisation.slug, team.slug]
    url = {
        "detail": reverse("charters:detail", args=args),
        "history": reverse("charters:history", args=args),
        "diff": reverse("charters:diff", args=args) + "?a=1&b=2",
        "decisions": reverse("decisions:list", args=args),
    }[path]
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "leader@example.com", url)

    assert page.evaluate("document.documentElement.scrollWidth") <= 390
