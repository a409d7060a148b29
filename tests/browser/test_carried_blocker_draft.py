"""Max answers "Still in your way?" about last week's blocker and saves a draft — with the button, JavaScript off,
or as he types — and finds his answer as he left it when he comes back; submitting then resolves it."""

from __future__ import annotations

import pytest
from django.urls import reverse
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


def expect_answer_kept(page: Page, how: str) -> None:
    carried = page.locator("#carried-blockers")
    expect(carried.get_by_role("radio", name="Resolved")).to_be_checked()
    expect(carried.get_by_label("If resolved, how?")).to_have_value(how)


@pytest.mark.browser
def test_a_draft_saved_without_javascript_keeps_the_answer_and_submitting_resolves_it(
        browser, live_server, log_in, team, member, last_weeks_blocker):
    page = browser.new_context(java_script_enabled=False).new_page()
    try:
        # Max says last week's blocker is resolved, and how, then saves a draft with the button.
        log_in(page, "member@example.com", this_week(team))
        carried = page.locator("#carried-blockers")
        carried.get_by_role("radio", name="Resolved").check()
        carried.get_by_label("If resolved, how?").fill("Legal signed it on Monday")
        page.get_by_label("What moved this week").fill("Half the rota export.")
        page.get_by_role("button", name="Save draft").click()
        expect(page.get_by_role("status").first).to_contain_text("Draft saved at")

        # Coming back later, his answer is there as he left it, and the blocker is still open until he submits.
        page.goto(live_server.url + this_week(team))
        expect_answer_kept(page, "Legal signed it on Monday")
        last_weeks_blocker.refresh_from_db()
        assert last_weeks_blocker.is_open

        page.get_by_role("radio", name="about right").check()
        page.get_by_role("button", name="Submit check-in").click()
        expect(page.get_by_role("status").first).to_contain_text("Check-in submitted")
        expect(page.locator("#carried-blockers")).to_have_count(0)
        last_weeks_blocker.refresh_from_db()
        assert last_weeks_blocker.resolution == "Legal signed it on Monday"
    finally:
        page.context.close()


@pytest.mark.browser
def test_an_answer_saved_as_he_types_is_there_after_a_reload(browser, live_server, log_in, team, member,
                                                             last_weeks_blocker):
    page = browser.new_context().new_page()
    try:
        log_in(page, "member@example.com", this_week(team))
        carried = page.locator("#carried-blockers")
        carried.get_by_role("radio", name="Resolved").check()
        with draft_saved(page, "Legal signed it"):
            carried.get_by_label("If resolved, how?").fill("Legal signed it")
        expect(page.locator("#draft-status")).to_contain_text("Draft saved at")

        page.reload()
        expect_answer_kept(page, "Legal signed it")
    finally:
        page.context.close()
