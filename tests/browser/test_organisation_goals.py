"""Organisation goals in the browser: an admin sets one, a team's leader links a goal of the charter to it,
and once the charter is in force the alignment map shows the tree; with JavaScript on a desktop and
without it on a 390 px phone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.screens import SCREENS, fits_the_screen


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


@pytest.mark.browser
@SCREENS
def test_a_team_goal_rolls_up_to_an_organisation_goal(browser: Browser, live_server, log_in, team, admin, leader,
                                                      member, complete_draft, javascript, viewport):
    page = browser.new_context(java_script_enabled=javascript, viewport=viewport or {"width": 1280, "height": 900}
                               ).new_page()
    try:
        # Ada, an admin of Harbour Health in none of its teams, sets an organisation goal.
        log_in(page, "admin@example.com", "/o/harbour/goals/")
        expect(page.get_by_role("heading", level=1, name="Organisation goals")).to_be_visible()
        fits_the_screen(page, viewport)
        page.get_by_role("link", name="+ New organisation goal").click()
        page.get_by_label("Objective").fill("Every release is safe to ship on a Thursday")
        page.get_by_label("The outcome it exists to create").check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("heading", level=1, name="Every release is safe to ship on a Thursday")).to_be_visible()
        expect(page.get_by_text("No team contributes to it yet.")).to_be_visible()
        fits_the_screen(page, viewport)
        log_out(page)

        # Lena, the team's leader, links the goal of her draft charter to it in the charter's goal editor.
        log_in(page, "leader@example.com", f"/o/harbour/t/{team.slug}/charter/")
        goals = page.locator("#goals")
        goals.get_by_role("link", name="Edit Release weekly").click()
        page.get_by_label("Contributes to which organisation goal").select_option(
            label="Every release is safe to ship on a Thursday (the outcome it exists to create)")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("#goals")).to_contain_text(
            "Contributes to the organisation goal Every release is safe to ship on a Thursday")
        fits_the_screen(page, viewport)
        log_out(page)

        # The team consents and Lena ratifies; a draft never reaches the map, the charter in force does.
        from charters import services

        services.propose(charter=complete_draft, actor=leader)
        services.ratify(charter=complete_draft, actor=leader, despite_gaps=True)

        # Max, a member, reads the alignment map: the organisation goal, the team goal under it, its confidence.
        log_in(page, "member@example.com", "/o/harbour/")
        section = page.get_by_role("region", name="Organisation goals")
        branch = section.get_by_role("listitem").filter(has_text="Every release is safe to ship on a Thursday").first
        expect(branch).to_contain_text("Platform: Release weekly")
        expect(branch).to_contain_text("no reading yet")
        expect(section).not_to_contain_text("Goals no team contributes to")
        fits_the_screen(page, viewport)
        page.screenshot(path=f"var/organisation-goals-map-{'phone' if viewport else 'desktop'}.png", full_page=True)
        section.get_by_role("link", name="Every release is safe to ship on a Thursday").click()
        expect(page.get_by_role("region", name="Team goals contributing to it")).to_contain_text(
            "Platform: Release weekly")
        expect(page.get_by_role("link", name="Edit goal")).to_have_count(0)
        fits_the_screen(page, viewport)
    finally:
        page.context.close()
