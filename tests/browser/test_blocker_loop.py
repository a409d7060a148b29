"""A blocker's loop in the browser: a member names a teammate as who could help; the teammate is told, opens the
notification, resolves it with a note; the member is told how. A blocker still open from last week is asked about
again in this week's form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.autosave import draft_saved


def this_week(team) -> str:
    return reverse("checkins:this_week", args=[team.organisation.slug, team.slug])


@pytest.fixture
def last_weeks_blocker(team, member):
    """Max's check-in of last week, submitted, with a blocker nobody has resolved."""
    from alignment.weeks import current_week
    from checkins.models import Blocker, CheckIn

    last = current_week(team).previous()
    checkin = CheckIn.objects.create(team=team, author=member, week=last.monday, state="submitted",
                                     submitted_at=last.starts_at, progress="Last week's work")
    return Blocker.objects.create(check_in=checkin, what="Vendor contract still unsigned", opened_at=last.starts_at)


def open_notification(page: Page, subject: str) -> None:
    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("link", name=subject).click()


@pytest.mark.browser
def test_a_named_teammate_resolves_the_blocker_and_the_raiser_hears_how(browser, live_server, log_in, team, member,
                                                                        facilitator, leader, last_weeks_blocker):
    member_page = browser.new_context().new_page()
    try:
        # Max starts this week's check-in: last week's open blocker is asked about again.
        log_in(member_page, "member@example.com", this_week(team))
        carried = member_page.locator("#carried-blockers")
        expect(carried).to_contain_text("Still in your way?")
        expect(carried).to_contain_text("Vendor contract still unsigned")
        expect(carried.get_by_role("radio", name="Still in my way")).to_be_checked()

        # He writes his week and a new blocker, naming Fay as who could help, keeps the old one open, and submits.
        member_page.get_by_label("What moved this week").fill("Rota export shipped.")
        blocker = member_page.get_by_role("group", name="Blocker 1")
        blocker.get_by_label("What is in your way").fill("Waiting on the security review")
        blocker.get_by_label("Who could help").select_option(label="Fay Facilitator")
        with draft_saved(member_page, "about_right"):  # the last of it saved before he submits
            member_page.get_by_role("radio", name="about right").check()
        member_page.get_by_role("button", name="Submit check-in").click()
        expect(member_page.get_by_role("status").first).to_contain_text("Check-in submitted")
        # Kept open, last week's blocker is still asked about, and is still one row.
        expect(member_page.locator("#carried-blockers")).to_contain_text("Vendor contract still unsigned")
    finally:
        member_page.context.close()

    fay_page = browser.new_context().new_page()
    try:
        # Fay is told; the notification takes her to the blocker on the team's week, where she resolves it.
        log_in(fay_page, "facilitator@example.com", "/")
        open_notification(fay_page, "Platform: Max Member is blocked — “Waiting on the security review”")
        expect(fay_page).to_have_url(re.compile(rf"/check-ins/week/#blocker-{blocker_pk(member)}$"))
        item = fay_page.locator(f"#blocker-{blocker_pk(member)}")
        expect(item).to_contain_text("Waiting on the security review")
        item.get_by_label("Resolution note").fill("Security signed it off this morning")
        item.get_by_role("button", name="Resolve").click()
        expect(fay_page.get_by_role("status").first).to_contain_text("Resolved")
        blockers = fay_page.get_by_role("region", name="Open blockers")
        expect(blockers).not_to_contain_text("Waiting on the security review")
        expect(blockers).to_contain_text("Vendor contract still unsigned")  # counted once, still open
    finally:
        fay_page.context.close()

    member_page = browser.new_context().new_page()
    try:
        # Max hears that Fay resolved it, and how; the link opens his check-in with the blocker resolved.
        log_in(member_page, "member@example.com", "/")
        open_notification(member_page, "Platform: Fay Facilitator resolved your blocker “Waiting on the security "
                                       "review”")
        resolved = member_page.locator(f"#blocker-{blocker_pk(member)}")
        expect(resolved).to_contain_text("resolved by Fay Facilitator")
        expect(resolved).to_contain_text("Security signed it off this morning")

        # Back in this week's form he says last week's blocker is resolved too, and updates his check-in.
        member_page.goto(live_server.url + this_week(team))
        carried = member_page.locator("#carried-blockers")
        carried.get_by_role("radio", name="Resolved").check()
        carried.get_by_label("If resolved, how?").fill("Legal countersigned")
        member_page.get_by_role("button", name="Update check-in").click()
        expect(member_page.get_by_role("status").first).to_contain_text("Check-in submitted")
        expect(member_page.locator("#carried-blockers")).to_have_count(0)
    finally:
        member_page.context.close()

    last_weeks_blocker.refresh_from_db()
    assert (last_weeks_blocker.resolved_by, last_weeks_blocker.resolution) == (member, "Legal countersigned")
    assert last_weeks_blocker.resolved_at <= timezone.now()


def blocker_pk(member) -> int:
    from checkins.models import Blocker

    return Blocker.objects.get(check_in__author=member, what="Waiting on the security review").pk


@pytest.mark.browser
def test_the_still_open_question_fits_a_phone_and_works_without_javascript(browser, live_server, log_in, team,
                                                                          member, last_weeks_blocker):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, "member@example.com", this_week(team))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        carried = page.locator("#carried-blockers")
        carried.get_by_role("radio", name="Resolved").check()
        carried.get_by_label("If resolved, how?").fill("Legal countersigned on Monday")
        page.get_by_label("What moved this week").fill("Rota export shipped.")
        page.get_by_role("radio", name="about right").check()
        page.get_by_role("button", name="Submit check-in").click()
        expect(page.get_by_role("status").first).to_contain_text("Check-in submitted")
        expect(page.locator("#carried-blockers")).to_have_count(0)
    finally:
        context.close()

    last_weeks_blocker.refresh_from_db()
    assert (last_weeks_blocker.resolved_by, last_weeks_blocker.resolution) == (member, "Legal countersigned on Monday")
