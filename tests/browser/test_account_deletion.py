"""Delete my account: Max schedules the deletion of his account on his profile page, is told by e-mail when, and
cancels it; on a desktop with JavaScript (the dialog asks once more) and on a 390 px phone without it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from alignment.models import User
from tests.browser.screens import SCREENS, fits_the_screen


@pytest.mark.browser
@SCREENS
def test_max_schedules_the_deletion_of_his_account_and_cancels_it(browser: Browser, live_server, settings, log_in,
                                                                  mailoutbox, member, javascript, viewport):
    settings.SITE_URL = live_server.url
    page = browser.new_context(java_script_enabled=javascript,
                               viewport=viewport or {"width": 1280, "height": 900}).new_page()
    try:
        # Max opens his profile: the section says what happens, and when.
        log_in(page, "member@example.com", "/accounts/profile/")
        section = page.get_by_role("region", name="Delete my account")
        expect(section).to_contain_text("14 days after you ask")
        expect(section).to_contain_text("Former member")
        fits_the_screen(page, viewport)

        # A wrong password is refused, nothing scheduled.
        section.get_by_label("Your password").fill("not my password")
        section.get_by_role("button", name="Delete my account").click()
        if javascript:  # the dialog asks once more
            page.get_by_role("dialog").get_by_role("button", name="Yes, delete my account").click()
        expect(page.get_by_text("That is not your password.")).to_be_visible()
        assert User.objects.get(email="member@example.com").erase_after is None

        # With his password it is scheduled: the page says until when he can cancel.
        section = page.get_by_role("region", name="Delete my account")
        section.get_by_label("Your password").fill("password")
        section.get_by_role("button", name="Delete my account").click()
        if javascript:
            page.get_by_role("dialog").get_by_role("button", name="Yes, delete my account").click()
        expect(page.get_by_text("Your account will be deleted after").first).to_be_visible()
        fits_the_screen(page, viewport)
        assert User.objects.get(email="member@example.com").erase_after is not None

        # The e-mail says so, once, with the way back.
        (email,) = mailoutbox
        assert email.to == ["member@example.com"]
        assert email.subject.startswith("Your Charter account will be deleted after")
        assert f"{live_server.url}/accounts/profile/#delete-account" in email.body

        # He changes his mind: still signed in, he cancels.
        page.get_by_role("button", name="Cancel the deletion").click()
        expect(page.get_by_text("The deletion of your account is cancelled")).to_be_visible()
        expect(page.get_by_role("region", name="Delete my account").get_by_role(
            "button", name="Delete my account")).to_be_visible()
        assert User.objects.get(email="member@example.com").erase_after is None
    finally:
        page.context.close()
