"""Refusals explained in place, changes marked, and a login that resists guessing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_save_after_another_tab_ratified_keeps_the_text_and_says_why(page, browser, log_in, charter_url,
                                                                       proposed_charter, leader, member):
    # Lena opens the People editor in one tab...
    log_in(page, "leader@example.com", charter_url)
    page.get_by_role("link", name="Edit people").click()
    field = page.get_by_role("textbox", name=re.compile(r"^People"))
    field.fill("We say what we do not know, and we say it early.")

    # ...and ratifies the proposal in another.
    other = page.context.new_page()
    other.goto(page.url)
    other.get_by_role("button", name="Ratify version 1").click()
    other.locator("#ratify-confirm").get_by_role("button", name="Ratify anyway").click()
    expect(other.get_by_text("Version 1 · Ratified")).to_be_visible()
    other.close()

    # Back in the first tab her save is refused in place, and her words are still there.
    page.get_by_role("button", name="Save").click()
    editor = page.locator(".edit-form")
    expect(editor.get_by_role("alert")).to_contain_text("Version 1 is ratified and can no longer change.")
    expect(page.get_by_role("textbox", name=re.compile(r"^People"))).to_have_value(
        "We say what we do not know, and we say it early."
    )


def test_an_amendment_shows_what_changed_and_links_to_the_comparison(page, log_in, charter_url, ratified_charter,
                                                                     team, leader):
    from charters import services

    draft = services.start_amendment(team=team, actor=leader, note="Say it early")
    services.update_people(charter=draft, expected_version=draft.people_version,
                           people="We say what we do not know, **early**.")
    log_in(page, "leader@example.com", charter_url)

    people = page.get_by_role("region", name=re.compile(r"^People"))
    marks = people.locator("details.change-mark")
    expect(marks.get_by_text("Changed")).to_be_visible()
    expect(page.get_by_role("region", name="Purpose", exact=True).locator("details.change-mark")).to_have_count(0)
    marks.locator("summary").click()
    expect(marks.locator("ins")).to_contain_text("early")
    marks.get_by_role("link", name="Compare with version 1").click()

    expect(page.get_by_role("heading", name="Version 1 → version 2")).to_be_visible()
    expect(page.locator("#diff-people")).to_contain_text("changed")
    expect(page.locator("ins strong")).to_have_text("early")


def test_guessing_a_password_locks_the_account_with_a_clear_message(page, live_server, leader):
    page.goto(live_server.url + "/accounts/login/")
    for attempt in range(5):
        page.get_by_label("Email address").fill("leader@example.com")
        page.get_by_label("Password").fill(f"wrong-{attempt}")
        page.get_by_role("button", name="Log in").click()

    # Even the right password is refused now, with a message that says what happened.
    page.get_by_label("Email address").fill("leader@example.com")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text(re.compile(r"paused|locked", re.I))
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
