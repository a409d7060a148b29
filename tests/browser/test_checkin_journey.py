"""A week of check-ins in the browser: a member writes, reloads mid-way, submits; the leader reads and resolves.

The same check-in is then written with JavaScript off: plain "Save draft", "Add a blocker" and "Submit".
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.browser.autosave import draft_saved


def this_week(team) -> str:
    return reverse("checkins:this_week", args=[team.organisation.slug, team.slug])


def draft_status(page: Page):
    return page.locator("#draft-status")


@pytest.mark.browser
def test_member_checks_in_and_the_leader_resolves_the_blocker(browser, live_server, log_in, team, member, leader,
                                                              ratified_charter):
    member_page = browser.new_context().new_page()
    try:
        # Max opens this week's check-in and is told who will read it.
        log_in(member_page, "member@example.com", this_week(team))
        expect(member_page.get_by_role("heading", level=1)).to_contain_text("Your check-in")
        expect(member_page.get_by_text("your team's leaders and facilitators")).to_be_visible()

        # He starts typing; the draft saves itself.
        member_page.get_by_label("What moved this week").fill("Release pipeline green again; two deploys.")
        expect(draft_status(member_page)).to_contain_text(re.compile(r"Draft saved at \d\d:\d\d"))
        first_blocker = member_page.get_by_role("group", name="Blocker 1")
        first_blocker.get_by_label("What is in your way").fill("Staging VPN certificate expired")
        member_page.get_by_label("A non-negotiable under strain").select_option(label="Reviewed code only")
        # Reloading once the last of it is saved (the save waits for a pause in the typing).
        with draft_saved(member_page, "Merged a hotfix with no second reviewer"):
            member_page.get_by_label("What strained it").fill("Merged a hotfix with no second reviewer")
        expect(draft_status(member_page)).to_contain_text("Draft saved")

        # He reloads half-way through: everything he typed is still there.
        member_page.reload()
        expect(member_page.get_by_label("What moved this week")).to_have_value(
            "Release pipeline green again; two deploys.")
        expect(member_page.get_by_role("group", name="Blocker 1").get_by_label("What is in your way")).to_have_value(
            "Staging VPN certificate expired")
        expect(member_page.get_by_label("What strained it")).to_have_value("Merged a hotfix with no second reviewer")

        # He says how loaded he is and submits.
        with draft_saved(member_page, "about_right"):
            member_page.get_by_role("radio", name="about right").check()
        expect(draft_status(member_page)).to_contain_text("Draft saved")
        member_page.get_by_role("button", name="Submit check-in").click()
        expect(member_page.get_by_role("status").first).to_contain_text("Check-in submitted")
        expect(member_page.get_by_role("button", name="Update check-in")).to_be_visible()
    finally:
        member_page.context.close()

    leader_page = browser.new_context().new_page()
    try:
        # Lena opens the team's week: Max's check-in, his blocker and the strained non-negotiable.
        log_in(leader_page, "leader@example.com", reverse("checkins:week", args=[team.organisation.slug, team.slug]))
        expect(leader_page.get_by_text("Release pipeline green again; two deploys.")).to_be_visible()
        pulse = leader_page.get_by_role("region", name="Charter pulse")
        expect(pulse).to_contain_text("Reviewed code only")
        blockers = leader_page.get_by_role("region", name="Open blockers")
        expect(blockers).to_contain_text("Staging VPN certificate expired")
        expect(blockers).to_contain_text("Raised by Max Member")

        # She resolves it with a note.
        blockers.get_by_label("Resolution note").fill("IT renewed the certificate")
        blockers.get_by_role("button", name="Resolve").click()
        expect(leader_page.get_by_role("status").first).to_contain_text("Resolved")
        expect(leader_page.get_by_role("region", name="Open blockers")).to_contain_text("No open blockers")
    finally:
        leader_page.context.close()


@pytest.mark.browser
def test_a_check_in_is_written_and_submitted_without_javascript(browser, live_server, log_in, team, member, leader,
                                                               ratified_charter):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "member@example.com", this_week(team))

        page.get_by_label("What moved this week").fill("Wrote the rota export by hand, no script tonight.")
        page.get_by_role("group", name="Blocker 1").get_by_label("What is in your way").fill("No test data")
        page.get_by_role("button", name="Save draft").click()
        expect(page.get_by_role("status").first).to_contain_text("Draft saved at")
        expect(page.get_by_label("What moved this week")).to_have_value(
            "Wrote the rota export by hand, no script tonight.")

        # One more blocker row, by a plain post.
        page.get_by_role("button", name="Add a blocker").click()
        page.get_by_role("group", name="Blocker 4").get_by_label("What is in your way").fill("Laptop is slow")

        # Submitting without saying the load: the typed text comes back with the message.
        page.get_by_role("button", name="Submit check-in").click()
        expect(page.get_by_text("This field is required")).to_be_visible()
        expect(page.get_by_role("group", name="Blocker 4").get_by_label("What is in your way")).to_have_value(
            "Laptop is slow")

        page.get_by_role("radio", name="light").check()
        page.get_by_role("button", name="Submit check-in").click()
        expect(page.get_by_role("status").first).to_contain_text("Check-in submitted")
        # Each blocker keeps its row, so later edits change the blocker they were typed into.
        expect(page.get_by_role("group", name="Blocker 4").get_by_label("What is in your way")).to_have_value(
            "Laptop is slow")
        expect(page.get_by_role("group", name="Blocker 1").get_by_label("What is in your way")).to_have_value(
            "No test data")
    finally:
        context.close()
