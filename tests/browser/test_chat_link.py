"""A member links their Slack account: `/charter link` gave them a signed link; they follow it, log in, and confirm.

On a desktop with JavaScript, and on a 390 px phone without it: a plain form does it all.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from chat.linking import LinkRequest, link_token
from chat.models import ChatAccount, ChatKind
from tests.browser.screens import PHONE

DESKTOP = {"width": 1280, "height": 800}


@pytest.mark.browser
@pytest.mark.parametrize("javascript, viewport", [(True, DESKTOP), (False, PHONE)], ids=["desktop", "phone-no-js"])
def test_a_member_follows_the_signed_link_and_confirms_it_is_them(browser, live_server, member, javascript, viewport):
    # What `/charter link` answered Max in Slack, only to him.
    token = link_token(LinkRequest(ChatKind.SLACK, "T0CHARTER", "UMAX", "max"))
    page = browser.new_context(java_script_enabled=javascript, viewport=viewport).new_page()
    try:
        page.goto(live_server.url + reverse("chat:link", args=[token]))
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
        page.get_by_label("Email address").fill("member@example.com")
        page.get_by_label("Password").fill("password")
        page.get_by_role("button", name="Log in", exact=True).click()

        # Back on the link: it asks, in words, before anything is linked.
        question = page.get_by_role("heading", name="Link Slack account @max to you, Max Member?")
        expect(question).to_be_visible()
        expect(page.get_by_text("None of your teams is connected to this chat yet")).to_be_visible()
        assert not ChatAccount.objects.exists()
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

        page.get_by_role("button", name="Link it to me").click()

        expect(page.get_by_role("heading", name="Chat accounts")).to_be_visible()
        expect(page.get_by_text("is linked to you")).to_be_visible()
        expect(page.get_by_role("listitem").filter(has_text="@max")).to_be_visible()
        account = ChatAccount.objects.get()
        assert (account.user, account.chat_user_id) == (member, "UMAX")
        if javascript:  # axe runs in the page
            results = Axe().run(page, context={"exclude": [[".messages"]]})
            assert [v["id"] for v in results.response["violations"]
                    if v["impact"] in {"serious", "critical"}] == []
    finally:
        page.context.close()
