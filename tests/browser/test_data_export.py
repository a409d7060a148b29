"""Download my data: Max asks on his profile page, the e-mail with the link arrives, he follows it and the zip
downloads; on a desktop with JavaScript and on a 390 px phone without it.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import Browser, Error, expect

from checkins.models import CheckIn
from tests.browser.screens import SCREENS, fits_the_screen
from tests.checkins.conftest import MONDAY, at


@pytest.fixture
def max_checked_in(team, member):
    CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                           progress="Moved the rota export along")


@pytest.mark.browser
@SCREENS
def test_max_downloads_his_data_from_the_emailed_link(browser: Browser, live_server, settings, log_in, mailoutbox,
                                                      max_checked_in, javascript, viewport):
    settings.SITE_URL = live_server.url  # the e-mail links to the server the browser uses
    page = browser.new_context(java_script_enabled=javascript, accept_downloads=True,
                               viewport=viewport or {"width": 1280, "height": 900}).new_page()
    try:
        # Max opens his profile: a "Your data" section says what he would get.
        log_in(page, "member@example.com", "/accounts/profile/")
        your_data = page.get_by_role("region", name="Your data")
        expect(your_data).to_contain_text("everything you wrote in Charter")
        fits_the_screen(page, viewport)

        # He asks; the page says it is on its way (the worker, eager here, has it ready at once).
        your_data.get_by_role("button", name="Download my data").click()
        expect(page.get_by_role("status").filter(has_text="Your data is being prepared")).to_be_visible()
        expect(page.get_by_role("region", name="Your data")).to_contain_text("is ready until")
        fits_the_screen(page, viewport)

        # The e-mail arrives, once, with the link.
        (email,) = mailoutbox
        assert email.to == ["member@example.com"]
        assert email.subject == "Your data from Charter is ready"
        link = re.search(r"https?://\S+/accounts/data/\S+/", email.body).group(0)
        assert link.startswith(live_server.url)

        # He follows it, signed in: the zip downloads.
        # A download ends the navigation (the browser saves the file instead of showing a page): goto says so.
        with page.expect_download() as download_info, contextlib.suppress(Error):
            page.goto(link)
        download = download_info.value
        assert re.fullmatch(r"charter-data-member-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
        with open(download.path(), "rb") as saved, zipfile.ZipFile(io.BytesIO(saved.read())) as archive:
            names = archive.namelist()
            assert "README.md" in names and "checkins/checkins.md" in names
            checkins = json.loads(archive.read("checkins/checkins.json"))
        assert [c["what_moved"] for c in checkins] == ["Moved the rota export along"]
    finally:
        page.context.close()


@pytest.mark.browser
def test_someone_else_following_the_link_gets_not_found(browser: Browser, live_server, settings, log_in, mailoutbox,
                                                         max_checked_in, leader):
    settings.SITE_URL = live_server.url
    max_page = browser.new_context().new_page()
    lena_page = browser.new_context().new_page()
    try:
        log_in(max_page, "member@example.com", "/accounts/profile/")
        max_page.get_by_role("button", name="Download my data").click()
        expect(max_page.get_by_role("region", name="Your data")).to_contain_text("is ready until")
        link = re.search(r"https?://\S+/accounts/data/\S+/", mailoutbox[0].body).group(0)

        # The link forwarded to Lena is no use to her: it needs Max's account too.
        log_in(lena_page, "leader@example.com", "/")
        response = lena_page.goto(link)
        assert response.status == 404
    finally:
        max_page.context.close()
        lena_page.context.close()
