"""Ada, an admin of Harbour Health, takes the whole organisation out: from its page's admin links she asks for the
export, the e-mail with the link arrives, she follows it and the JSON downloads; on a desktop with JavaScript
and on a 390 px phone without it.
"""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from playwright.sync_api import Browser, Error, expect

from tests.browser.screens import SCREENS
from tests.charters.factories import ratified_charter


@pytest.mark.browser
@SCREENS
def test_ada_downloads_the_organisation_from_the_emailed_link(browser: Browser, live_server, settings, log_in,
                                                              mailoutbox, team, leader, admin, javascript, viewport):
    settings.SITE_URL = live_server.url  # the e-mail links to the server the browser uses
    ratified_charter(team, leader)
    page = browser.new_context(java_script_enabled=javascript, accept_downloads=True,
                               viewport=viewport or {"width": 1280, "height": 900}).new_page()
    try:
        # From the organisation page's admin links, Ada opens the export and asks for it.
        log_in(page, "admin@example.com", "/o/harbour/")
        page.get_by_role("navigation", name="Run Harbour Health").get_by_role("link", name="Export").click()
        expect(page.get_by_role("heading", level=1, name="Export Harbour Health")).to_be_visible()
        page.get_by_role("button", name="Export the whole organisation").click()
        if viewport is not None:
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

        # The worker (eager here) builds it; the e-mail with the link arrives, once.
        (email,) = mailoutbox
        assert email.to == ["admin@example.com"]
        link = re.search(r"https?://\S+/o/harbour/export/\d+/download/", email.body).group(0)
        assert link.startswith(live_server.url)

        # She follows it, signed in: the JSON downloads, with the team and its ratified charter.
        with page.expect_download() as download_info, contextlib.suppress(Error):
            page.goto(link)
        download = download_info.value
        assert download.suggested_filename.startswith("charter-harbour-")
        with open(download.path(), "rb") as saved:
            document = json.loads(saved.read())
        assert [t["name"] for t in document["teams"]] == ["Platform"]
        assert [v["version"] for v in document["teams"][0]["charter_versions"]] == [1]
    finally:
        page.context.close()
