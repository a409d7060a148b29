"""The admin's day: an organisation admin who is in no team opens People, finds someone in no team and a
pending invitation, creates a team naming a new leader by e-mail, and reads another team's week summary;
on a desktop with JavaScript and on a 390 px phone without it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from alignment import services
from checkins.models import CheckIn
from tests.browser.screens import SCREENS, fits_the_screen
from tests.checkins.conftest import MONDAY, at


@pytest.fixture(autouse=True)
def wednesday(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: at(2))


@pytest.fixture
def organisation_at_work(team, leader, member, admin, make_user):
    """Max has checked in (his words are his team's); Lee joined and left; Nia is invited and has not answered."""
    CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                           progress="Private words about the rota", version=1)
    left = make_user("lee.left@example.com", "Lee Left")
    _, token = services.invite(team=team, email=left.email, roles=["member"], actor=leader)
    services.remove_member(membership=services.accept_invitation(token=token, user=left), actor=leader)
    services.invite(team=team, email="nia.new@example.com", roles=["member", "facilitator"], actor=leader)


@pytest.mark.browser
@SCREENS
def test_the_admins_day(browser: Browser, live_server, log_in, organisation_at_work, javascript, viewport):
    page = browser.new_context(java_script_enabled=javascript, viewport=viewport or {"width": 1280, "height": 900}
                               ).new_page()
    try:
        # Ada runs Harbour Health without being in any of its teams.
        log_in(page, "admin@example.com", "/")
        page.get_by_role("link", name="Harbour Health").first.click()
        admin_links = page.get_by_role("navigation", name="Run Harbour Health")
        expect(admin_links).to_be_visible()  # the organisation page has loaded before it is measured
        fits_the_screen(page, viewport)

        # People: Lee, who left every team, is in no team; Nia's invitation waits.
        admin_links.get_by_role("link", name="People").click()
        expect(page.get_by_role("heading", level=1, name="People of Harbour Health")).to_be_visible()
        expect(page.locator(".person-row", has_text="Lee Left")).to_contain_text("in no team")
        invitations = page.get_by_role("region", name="Pending invitations")
        expect(invitations).to_contain_text("nia.new@example.com")
        expect(invitations).to_contain_text("Member, Facilitator")
        fits_the_screen(page, viewport)
        page.get_by_role("link", name="In no team").click()
        expect(page.get_by_role("heading", name="People in no team")).to_be_visible()
        expect(page.locator(".people-directory")).to_contain_text("Lee Left")
        expect(page.locator(".people-directory")).not_to_contain_text("Max Member")

        # A new team, led by someone new: they are invited as its leader, and Ada does not join it.
        page.get_by_role("link", name="← Harbour Health").click()
        page.get_by_role("navigation", name="Run Harbour Health").get_by_role("link", name="New team").click()
        page.get_by_label("Name").fill("Data")
        page.get_by_label("Leader's email address").fill("dana.lead@example.com")
        page.get_by_role("button", name="Create team").click()
        expect(page.get_by_text("dana.lead@example.com is invited to lead it")).to_be_visible()
        expect(page.get_by_role("note").filter(has_text="admin of")).to_be_visible()
        expect(page.get_by_role("region", name="People")).not_to_contain_text("Ada Admin")
        fits_the_screen(page, viewport)

        # Platform's week: the summary, as a member sees it, and never Max's words.
        page.goto(live_server.url + "/o/harbour/t/platform/")
        expect(page.get_by_role("note").filter(has_text="reading this team as an admin")).to_be_visible()
        page.get_by_role("navigation", name="Platform").get_by_role("link", name="Team week").click()
        expect(page.get_by_role("heading", level=1, name="Team week")).to_be_visible()
        expect(page.get_by_role("region", name="Who has checked in")).to_contain_text("Max Member")
        expect(page.locator("main")).not_to_contain_text("Private words about the rota")
        expect(page.get_by_role("navigation", name="Platform")).not_to_contain_text("This week")
        fits_the_screen(page, viewport)
    finally:
        page.context.close()
