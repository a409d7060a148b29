"""Lena brings her team's goals over from a spreadsheet: she finds the import in the team's settings, uploads the
workbook, reads every row's preview (one row is wrong, in words, and nothing is written), fixes it, confirms, and
finds the goals in the charter's draft, ready to propose. On a desktop with JavaScript and on a 390 px phone
without it."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import Browser, expect

from charters.models import Goal
from tests.browser.screens import SCREENS, fits_the_screen
from tests.browser.test_accessibility import serious_violations

HEADER = ["Goal ID", "Objective", "Purpose part", "Tradeoff", "Key result ID", "Metric", "Unit", "Start", "Target"]


def workbook(tmp_path, *, target: object) -> str:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["G1", "Clinicians can rely on the records system", "outcome", "Two features wait a cycle",
                  "G1-KR1", "Availability in clinic hours", "%", 97, target])
    sheet.append(["G2", "Release weekly", "serves", "Slower feature work", "G2-KR1", "Releases per month", "", 1, 4])
    path = tmp_path / "goals.xlsx"
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.mark.browser
@SCREENS
def test_lena_imports_her_goals_from_a_spreadsheet_previews_them_and_confirms(
        browser: Browser, live_server, log_in, leader, team, tmp_path, javascript, viewport):
    page = browser.new_context(java_script_enabled=javascript,
                               viewport=viewport or {"width": 1280, "height": 900}).new_page()
    try:
        # The team's settings lead to the import.
        log_in(page, "leader@example.com", f"/o/{team.organisation.slug}/t/{team.slug}/settings/")
        page.get_by_role("region", name="Import and export").get_by_role(
            "link", name="Import from a spreadsheet").click()
        expect(page.get_by_role("heading", level=1, name="Import from a spreadsheet")).to_be_visible()
        fits_the_screen(page, viewport)

        # A target typed as words: the preview says so on its row, and offers nothing to confirm.
        page.get_by_role("radio", name="Goals and key results").check()
        page.get_by_label("File (CSV or XLSX)").set_input_files(workbook(tmp_path, target="ninety-nine"))
        page.get_by_role("button", name="Preview the file").click()
        expect(page.get_by_role("heading", level=1, name="Preview: goals.xlsx")).to_be_visible()
        rows = page.get_by_role("table", name="Each row of the file, and what it would do")
        row_2 = rows.get_by_role("row").filter(has=page.get_by_role("rowheader", name="2", exact=True))
        expect(row_2).to_contain_text("target: Enter a number.")
        expect(page.get_by_role("alert")).to_contain_text("1 row has errors, so nothing can be imported yet")
        expect(page.get_by_role("button", name=re.compile(r"^Import \d"))).to_have_count(0)
        assert not Goal.objects.exists()
        fits_the_screen(page, viewport)
        if javascript:
            assert serious_violations(page) == []

        # Fixed and uploaded again: four new items, and one button to import them.
        page.get_by_role("link", name="Upload a file").click()
        page.get_by_role("radio", name="Goals and key results").check()
        page.get_by_label("File (CSV or XLSX)").set_input_files(workbook(tmp_path, target=99.5))
        page.get_by_role("button", name="Preview the file").click()
        expect(rows).to_contain_text("Goal G1: “Clinicians can rely on the records system”")
        expect(page.get_by_role("main")).to_contain_text("into a new draft of the team's first charter")
        page.get_by_role("button", name="Import 4 changes").click()

        # The goals are in the charter's draft, for Lena to propose to the team.
        expect(page.get_by_role("status").filter(has_text="Imported goals.xlsx")).to_contain_text(
            "2 goals added, 2 key results added")
        expect(page.get_by_role("main")).to_contain_text("Clinicians can rely on the records system")
        fits_the_screen(page, viewport)
        assert sorted(Goal.objects.values_list("external_id", flat=True)) == ["G1", "G2"]
    finally:
        page.context.close()
