"""A member makes their calendar address on a phone, and a calendar app fetching it sees the team's check-in."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from icalendar import Calendar
from playwright.sync_api import Page, Playwright, expect


@pytest.mark.browser
def test_member_makes_a_calendar_address_and_the_feed_lists_the_checkin(page: Page, playwright: Playwright,
                                                                        live_server, log_in, settings, team, member):
    settings.SITE_URL = live_server.url  # the address shown is this server's
    page.set_viewport_size({"width": 390, "height": 844})

    # Max opens his notification preferences and follows the calendar link.
    log_in(page, "member@example.com", "/notifications/preferences/")
    page.get_by_role("link", name="Set up your calendar feed").click()
    expect(page.get_by_role("heading", name="Calendar feed")).to_be_visible()

    # He makes his address: it is shown once, with a link for his calendar app.
    page.get_by_role("button", name="Make my calendar address").click()
    expect(page.get_by_text("Copy it now: it is shown only this once.")).to_be_visible()
    address = page.get_by_role("textbox", name="Calendar address").input_value()
    assert address.startswith(live_server.url + "/calendar/") and address.endswith(".ics")
    expect(page.get_by_role("link", name="Subscribe in your calendar app")).to_have_attribute(
        "href", "webcal://" + address.split("://", 1)[1])
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The flash message above is base.html's (`<li role="status">` in a list, flagged by axe on any page).
    results = Axe().run(page, context={"exclude": [[".messages"]]})
    assert [v["id"] for v in results.response["violations"] if v["impact"] in {"serious", "critical"}] == []

    # His calendar app fetches it without his session, and finds the team's check-in deadline.
    calendar_app = playwright.request.new_context()
    try:
        response = calendar_app.get(address)
        assert response.ok and response.headers["content-type"] == "text/calendar; charset=utf-8"
        titles = {str(event["SUMMARY"]) for event in Calendar.from_ical(response.body()).walk("VEVENT")}
    finally:
        calendar_app.dispose()
    assert "Platform: check-in due" in titles

    # Coming back later, the address is no longer shown; he could only replace it.
    page.reload()
    expect(page.get_by_role("textbox", name="Calendar address")).to_have_count(0)
    expect(page.get_by_role("button", name="Make a new calendar address")).to_be_visible()
