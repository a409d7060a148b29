"""A member hears about a reply through the bell, opens it, and turns that kind of notification off."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Browser, expect

from checkins.models import CheckIn
from tests.checkins.conftest import MONDAY, at

WEDNESDAY = at(2, "11:00")


@pytest.fixture(autouse=True)
def wednesday(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: WEDNESDAY)


@pytest.fixture
def answered_checkin(team, leader, member):
    """Max's submitted check-in, which Lena answered (through the service, as the reply form does)."""
    from checkins import services

    checkin = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted",
                                     submitted_at=at(1), progress="Release pipeline green again.")
    services.reply(checkin_id=checkin.pk, team=team, actor=leader, body="Thanks, Max. I'll chase IT.",
                   token=uuid.uuid4())
    return checkin


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_member_opens_a_notification_and_turns_that_kind_off(browser: Browser, live_server, log_in,
                                                             answered_checkin, member, javascript):
    from notifications import services as notifications

    page = browser.new_context(java_script_enabled=javascript).new_page()
    try:
        # Max logs in: the bell says one thing is unread.
        log_in(page, "member@example.com", "/")
        bell = page.get_by_role("link", name="Notifications, 1 unread")
        expect(bell).to_be_visible()

        # He opens the centre, then the notification, and lands on his check-in with Lena's reply.
        bell.click()
        expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
        page.get_by_role("link", name=re.compile("Lena Leader replied to your check-in")).click()
        expect(page).to_have_url(live_server.url + answered_checkin.get_absolute_url())
        expect(page.get_by_text("I'll chase IT.")).to_be_visible()
        expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()

        # Replies by email are enough for him: he turns them off in the app.
        page.goto(live_server.url + "/notifications/preferences/")
        in_app = page.get_by_label("Replies to your check-in in the app")
        expect(in_app).to_be_checked()
        in_app.uncheck()
        page.get_by_role("button", name="Save preferences").click()
        expect(page.get_by_text("Notification preferences saved.")).to_be_visible()
        expect(page.get_by_label("Replies to your check-in in the app")).not_to_be_checked()
        expect(page.get_by_label("Replies to your check-in by email")).to_be_checked()
    finally:
        page.context.close()

    choice = notifications.preference(member, "checkin_reply")
    assert (choice.email, choice.in_app) == (True, False)
