"""My week in the browser, on a Monday morning: a member and a leader follow each line to where they act,
act, come home and find it gone; with and without JavaScript, on a desktop and on a 390 px phone.

The app's clock stands still on Monday 23 Nov 2026, 09:00 in London (the live server reads it too).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from checkins.models import CheckIn, Commitment, Renegotiation
from tests.browser.screens import SCREENS, fits_the_screen
from tests.checkins.conftest import at

NEXT_MONDAY = date(2026, 11, 23)
MONDAY_MORNING = at(0, "09:00", monday=NEXT_MONDAY)


@pytest.fixture(autouse=True)
def monday(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: MONDAY_MORNING)


@pytest.fixture
def seeded(team, leader, member, facilitator, proposed_charter):
    """Max is asked for a commitment and owes his word on the proposed charter; Lena has his last week's
    check-in to acknowledge and his request to defer another commitment to decide."""
    asked = Commitment.objects.create(team=team, owner=member, created_by=leader, title="Write the on-call rota",
                                      standard="Everyone knows their week", due_on=date(2026, 11, 27),
                                      state=Commitment.State.REQUESTED, created_at=at(4, "15:00"))
    kept = Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                                     standard="Kwame runs a failover from it alone", due_on=date(2026, 11, 20))
    Renegotiation.objects.create(commitment=kept, kind=Renegotiation.Kind.DEFER, reason="On call twice this month",
                                 asked_by=member, asked_at=at(4, "16:00"), was_due_on=kept.due_on,
                                 was_standard=kept.standard, was_owner=member, proposed_due_on=date(2026, 12, 4))
    last_week = CheckIn.objects.create(team=team, author=member, week=NEXT_MONDAY - timedelta(days=7),
                                       state=CheckIn.State.SUBMITTED, submitted_at=at(4, "09:30"),
                                       progress="Release pipeline green again.", load="about_right")
    return {"asked": asked, "kept": kept, "last_week": last_week}


def my_week(page: Page) -> Locator:
    return page.get_by_role("region", name="My week")


def go_home(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Charter", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="My week")).to_be_visible()


@pytest.mark.browser
@SCREENS
def test_a_member_works_through_his_week(browser: Browser, live_server, log_in, team, seeded, javascript, viewport):
    page = browser.new_context(java_script_enabled=javascript, viewport=viewport or {"width": 1280, "height": 900}
                               ).new_page()
    try:
        # Max logs in on Monday morning: his week, most urgent first, each line in his team.
        log_in(page, "member@example.com", "/")
        week = my_week(page)
        expect(week.get_by_role("listitem")).to_have_count(4)
        expect(week.get_by_role("listitem").nth(0)).to_contain_text("Your commitment “Failover runbook”")
        expect(week).to_contain_text("Write your check-in for the week of 23 Nov 2026")
        expect(week).to_contain_text("due Fri 27 Nov, 10:00")
        expect(week).to_contain_text("Consent or object to the proposed charter (version 1)")
        expect(page.get_by_role("heading", name="Your teams")).to_be_visible()
        fits_the_screen(page, viewport)
        page.screenshot(path=f"var/my-week-member-{'phone' if viewport else 'desktop'}.png", full_page=True)

        # He accepts the commitment he was asked for.
        week.get_by_role("link", name="Accept or decline: “Write the on-call rota” (due 27 Nov)").click()
        page.get_by_role("region", name="You are asked to commit to this").get_by_role(
            "button", name="Accept").click()
        expect(page.get_by_role("status").first).to_be_visible()
        go_home(page)
        # The request is answered; the rota is now his own commitment, due on Friday.
        expect(my_week(page)).not_to_contain_text("Accept or decline")
        expect(my_week(page)).to_contain_text("Your commitment “Write the on-call rota”")

        # He gives his consent to the proposed charter.
        my_week(page).get_by_role("link", name="Consent or object to the proposed charter (version 1)").click()
        consent = page.get_by_role("region", name="Team consent")
        consent.get_by_role("radio", name="Consent").check()
        consent.get_by_role("button", name="Record my response").click()
        expect(page.get_by_role("region", name="Team consent")).to_contain_text("You said: Consent.")
        go_home(page)
        expect(my_week(page)).not_to_contain_text("proposed charter")
        expect(my_week(page).get_by_role("listitem")).to_have_count(3)
        fits_the_screen(page, viewport)
    finally:
        page.context.close()


@pytest.mark.browser
@SCREENS
def test_a_leader_answers_a_check_in_and_decides_a_renegotiation(browser: Browser, live_server, log_in, team, seeded,
                                                                  javascript, viewport):
    page = browser.new_context(java_script_enabled=javascript, viewport=viewport or {"width": 1280, "height": 900}
                               ).new_page()
    try:
        log_in(page, "leader@example.com", "/")
        week = my_week(page)
        expect(week).to_contain_text("Acknowledge or answer Max Member’s check-in (last week)")
        expect(week).to_contain_text("Decide Max Member’s request to defer (a new date): “Failover runbook”")
        expect(week).to_contain_text("as leader")
        expect(week).not_to_contain_text("Write your check-in")  # she leads; she does not check in
        fits_the_screen(page, viewport)
        page.screenshot(path=f"var/my-week-leader-{'phone' if viewport else 'desktop'}.png", full_page=True)

        # She opens Max's check-in from last week and acknowledges it.
        week.get_by_role("link", name="Acknowledge or answer Max Member’s check-in (last week)").click()
        expect(page.get_by_text("Release pipeline green again.")).to_be_visible()
        page.get_by_role("button", name="Acknowledge").click()
        expect(page.get_by_text("Acknowledged by Lena Leader")).to_be_visible()
        go_home(page)
        expect(my_week(page)).not_to_contain_text("Max Member’s check-in")

        # She decides his request to defer.
        my_week(page).get_by_role("link", name="Decide Max Member’s request to defer (a new date): "
                                               "“Failover runbook”").click()
        page.get_by_role("button", name="Accept").first.click()
        expect(page.get_by_role("status").first).to_contain_text("Accepted")
        go_home(page)
        expect(my_week(page)).not_to_contain_text("Failover runbook")

        # The team page shows the same week for Platform alone.
        page.get_by_role("link", name="Platform").first.click()
        panel = page.get_by_role("region", name="My week in Platform")
        expect(panel).to_contain_text("Nothing waits for you in this team.")
        fits_the_screen(page, viewport)
        page.screenshot(path=f"var/my-week-team-{'phone' if viewport else 'desktop'}.png")
    finally:
        page.context.close()
