"""Importing key-result history (readings beside the charter in force) and check-in history (past weeks, as
submitted on time): idempotent by the rows' ids, refused in words where the product's rules say no."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from charters.models import KeyResult, KeyResultProgress
from checkins.erase import WORDS_REMOVED
from checkins.models import CheckIn
from tests.charters.factories import complete_charter, ratified_charter
from tests.transfer.conftest import url

LONDON = ZoneInfo("Europe/London")
HISTORY = [["key_result_id", "recorded_on", "value", "confidence", "note"],
           ["KR1", "2026-11-02", "11", "at risk", "Two outages"],
           ["KR1", "2026-11-16 09:30", "13.5", "on track", ""]]
CHECKINS = [["email", "week", "what_moved", "load", "unclear_who_decides"],
            ["member@example.com", "2026-11-18", "Shipped the rota export", "about right", ""],
            ["member@example.com", "2026-11-23", "Rota export in two clinics", "overloaded", "Who signs off?"]]


@pytest.fixture
def now(frozen):
    moment = datetime(2026, 12, 4, 12, 0, tzinfo=LONDON)  # a Friday: the weeks of 16 and 23 Nov are over
    frozen(moment)
    return moment


@pytest.fixture
def in_force(team, leader):
    """Version 1 in force; its key result is KR1 (as a goals import would have named it)."""
    charter = ratified_charter(team, leader)
    KeyResult.objects.filter(goal__charter=charter).update(external_id="KR1")
    return charter


def test_history_is_recorded_beside_the_charter_in_force_once(login, leader, in_force, now, upload, confirm):
    login(leader)
    page = upload(HISTORY, kind="key_result_history")
    assert "beside version 1, the charter in force" in page and page.count(">new</span>") == 2
    assert confirm().status_code == 302
    readings = list(KeyResultProgress.objects.order_by("recorded_at"))
    assert [(r.value, r.confidence, r.source, r.external_id) for r in readings] == [
        (Decimal("11.00"), "at_risk", "direct", "KR1@2026-11-02"),
        (Decimal("13.50"), "on_track", "direct", "KR1@2026-11-16T09:30")]
    assert readings[0].recorded_at == datetime(2026, 11, 2, 12, tzinfo=LONDON)  # a day: noon in the team's zone
    assert [r.is_latest for r in readings] == [False, True] and readings[1].previous_confidence == "at_risk"

    assert "Nothing to import" in upload(HISTORY, kind="key_result_history")
    changed = [row[:] for row in HISTORY]
    changed[2][2] = "14"
    page = upload(changed, kind="key_result_history")
    assert "is in the history already as 13.50 (on track)" in page and "are not rewritten" in page
    assert KeyResultProgress.objects.count() == 2


def test_history_of_a_key_result_not_in_force_yet_is_refused_in_words(login, leader, team, now, upload):
    login(leader)
    draft = complete_charter(team, leader)
    KeyResult.objects.filter(goal__charter=draft).update(external_id="KR1")
    page = upload(HISTORY, kind="key_result_history")
    assert "Version 1 is draft, not in force yet. Progress is recorded on the team's active charter." in page
    assert not KeyResultProgress.objects.exists()


def test_checkin_history_is_written_for_past_weeks_as_submitted_and_updated_by_id(
        login, leader, member, team, now, upload, confirm):
    login(leader)
    page = upload(CHECKINS, kind="checkins", name="checkins.csv")
    assert page.count(">new</span>") == 2
    confirm()
    first, second = CheckIn.objects.order_by("week")
    assert (first.author, first.week, first.state, first.is_late, first.load) == (
        member, date(2026, 11, 16), "submitted", False, "about_right")
    assert second.boundary_question == "Who signs off?" and second.external_id == f"{member.pk}@2026-11-23"

    changed = [row[:] for row in CHECKINS]
    changed[1][2] = "Shipped the rota export to two clinics"
    page = upload(changed, kind="checkins", name="checkins.csv")
    assert page.count(">changes</span>") == 1 and page.count(">unchanged</span>") == 1
    confirm()
    first.refresh_from_db()
    assert first.progress == "Shipped the rota export to two clinics" and first.version == 1
    assert CheckIn.objects.count() == 2


def test_checkins_written_in_charter_and_words_removed_are_left_alone(login, leader, member, team, now, upload,
                                                                      confirm):
    login(leader)
    CheckIn.objects.create(team=team, author=member, week=date(2026, 11, 16), state="submitted",
                           submitted_at=now, progress="Typed in Charter")
    page = upload(CHECKINS, kind="checkins", name="checkins.csv")
    assert "Max Member has a check-in for the week of 16 Nov 2026 already" in page
    assert "It is not replaced" in page
    CheckIn.objects.all().delete()
    upload(CHECKINS, kind="checkins", name="checkins.csv")
    confirm()
    CheckIn.objects.filter(week=date(2026, 11, 16)).update(progress=WORDS_REMOVED)  # the retention ran
    page = upload(CHECKINS, kind="checkins", name="checkins.csv")
    assert "its words were removed and stay removed" in page and "Nothing to import" in page


def test_checkins_are_refused_for_this_week_and_for_people_who_do_not_check_in(
        login, leader, member, outsider, team, now, upload):
    login(leader)
    rows = [["email", "week", "what_moved"],
            ["member@example.com", "2026-12-01", "This week"],
            ["outsider@example.com", "2026-11-16", "Not in the team"],
            ["leader@example.com", "2026-11-16", "Leads only"]]
    page = upload(rows, kind="checkins", name="checkins.csv")
    assert "week: the week of 30 Nov 2026 has not ended. Its check-in is Max Member’s to write." in page
    assert "email: outsider@example.com is not someone who checks in with Platform." in page
    assert "email: leader@example.com is not someone who checks in with Platform." in page
    assert "3 rows have errors" in page


def test_check_ins_are_imported_from_csv_only(login, leader, member, team, now, client):
    login(leader)
    response = client.post(url("import"), {"kind": "checkins", "file": _xlsx()})
    assert response.status_code == 400
    assert "Check-in history is imported from CSV" in response.content.decode()


def _xlsx():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(CHECKINS[0])
    workbook.save(buffer)
    return SimpleUploadedFile("checkins.xlsx", buffer.getvalue())
