"""Importing goals and key results: a preview of every row with its errors in words before anything is
written, the goals written into the team's working copy (the leaders then propose it: the team consents to
what it reads), and idempotent by the spreadsheet's ids."""

from __future__ import annotations

import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from alignment.models import AuditEvent, AuditKind
from charters.models import Charter, Goal, KeyResult, KeyResultProgress
from tests.charters.factories import ratified_charter
from tests.transfer.conftest import GOAL_HEADER
from transfer.models import SpreadsheetImport

SHEET = [
    GOAL_HEADER,
    ["G1", "Clinicians can rely on the records system", "outcome", "Two features wait", "member@example.com",
     "G1-KR1", "Availability in clinic hours", "%", "97", "99,5", "98.1", "at risk"],
    ["G1", "", "", "", "", "G1-KR2", "Pages answered within 5 minutes", "%", "60", "95", "", ""],
    ["G2", "Release weekly", "Who it serves", "Slower feature work", "", "", "", "", "", "", "", ""],
]


def test_the_preview_shows_each_row_and_its_errors_in_words_and_writes_nothing(login, leader, member, team, upload):
    login(leader)
    broken = [GOAL_HEADER,
              ["G1", "", "outcome", "", "nobody@example.com", "G1-KR1", "Availability", "%", "ninety", "99", "98", ""],
              ["G1", "Another objective", "", "", "", "G1-KR1", "Twice", "", "", "", "", ""],
              ["", "No id", "", "", "", "", "", "", "", "", "", ""],
              ["G3", "Fine", "", "", "", "", "", "", "", "", "", ""]]
    page = upload(broken)

    assert "3 rows have errors" in page
    assert "objective: This field is required." in page
    assert "owner: nobody in Platform has the address nobody@example.com." in page
    assert "start: Enter a number." in page
    assert "Say how confident you are in the current value" in page  # the key-result form's own rule
    assert "goal G1 reads differently on row 2" in page
    assert "G1-KR1 is on row 2 already" in page
    assert "goal_id: empty" in page
    assert "Import " not in page.split("</table>")[1]  # no confirm button while a row is wrong
    assert not Charter.objects.exists() and not Goal.objects.exists()


def test_confirming_writes_the_goals_into_a_first_draft_and_a_second_import_changes_nothing(
        login, leader, member, team, upload, confirm, client):
    login(leader)
    page = upload(SHEET)
    assert "into a new draft of the team's first charter" in page
    assert page.count(">new</span>") == 4  # two goals, two key results

    response = confirm()
    assert response.status_code == 302 and response["Location"].endswith("/charter/")
    draft = Charter.objects.get(team=team)
    assert draft.is_draft
    goals = {g.external_id: g for g in Goal.objects.filter(charter=draft)}
    assert goals["G1"].objective == "Clinicians can rely on the records system"
    assert goals["G1"].owner == member and goals["G2"].purpose_part == "serves"
    first = KeyResult.objects.get(external_id="G1-KR1")
    assert (first.goal, first.target_value, first.current_value, first.confidence) == (
        goals["G1"], Decimal("99.50"), Decimal("98.10"), "at_risk")
    # The current value is where it stands: a reading, as typed in the charter's editor.
    assert KeyResultProgress.objects.get().source == KeyResultProgress.Source.CHARTER
    imported = AuditEvent.objects.get(kind=AuditKind.DATA_IMPORTED)
    assert (imported.team, imported.actor) == (team, leader)
    revision = draft.revision

    again = upload(SHEET)
    assert "Nothing to import" in again and again.count(">unchanged</span>") == 4
    assert confirm().status_code == 302
    draft.refresh_from_db()
    assert draft.revision == revision and Goal.objects.count() == 2 and KeyResult.objects.count() == 2
    assert KeyResultProgress.objects.count() == 1


def test_a_second_confirmation_of_the_same_upload_writes_nothing(login, leader, member, team, upload, confirm):
    login(leader)
    upload(SHEET)
    confirm()
    response = confirm()
    assert response.status_code == 302
    assert Goal.objects.count() == 2 and SpreadsheetImport.objects.get().rows == []


def _ratified(draft, leader):
    from charters import services

    services.propose(charter=draft, actor=leader)
    return services.ratify(charter=draft, actor=leader, despite_gaps=True)


def test_a_changed_row_updates_the_goal_it_names_in_an_amendment_of_the_charter_in_force(
        login, leader, member, team, upload, confirm):
    login(leader)
    ratified_charter(team, leader)
    assert "into a new amendment of version 1" in upload(SHEET)
    confirm()
    version_2 = _ratified(Charter.objects.get(team=team, number=2), leader)

    changed = [row[:] for row in SHEET]
    changed[1][9] = "99.9"  # G1-KR1's target
    changed[3][1] = "Release every week"
    page = upload(changed)
    assert "into a new amendment of version 2" in page
    assert "target: 99.50 → 99.90" in page and "objective: Release weekly → Release every week" in page

    assert confirm().status_code == 302
    version_3 = Charter.objects.get(team=team, number=3)
    assert version_3.is_draft and version_3.based_on_id == version_2.pk
    # The amendment copied every goal with its id: the changed rows updated them, nothing was added.
    assert sorted(version_3.goals.values_list("external_id", "objective")) == [
        ("", "Goal 1"), ("G1", "Clinicians can rely on the records system"), ("G2", "Release every week")]
    assert KeyResult.objects.get(goal__charter=version_3, external_id="G1-KR1").target_value == Decimal("99.90")
    assert Goal.objects.get(charter=version_2, external_id="G2").objective == "Release weekly"  # ratified: kept


def test_an_unchanged_file_starts_no_amendment(login, leader, member, team, upload, confirm):
    login(leader)
    ratified_charter(team, leader)
    upload(SHEET)
    confirm()
    _ratified(Charter.objects.get(team=team, number=2), leader)
    assert "Nothing to import" in upload(SHEET)
    confirm()
    assert Charter.objects.filter(team=team).count() == 2


def test_a_workbook_imports_its_values_but_never_a_formula(login, leader, team, upload, confirm):
    login(leader)
    ratified_charter(team, leader)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(GOAL_HEADER)
    sheet.append(["G9", "=HYPERLINK(\"http://evil\")", "outcome", "'-cut scope", "", "G9-KR1", "Uptime", "%", 97,
                  99.5, None, None])
    sheet.append(["G10", "Plain", "outcome", "", "", "G10-KR1", "Speed", "", "=1+1", 2, None, None])
    sheet["B2"].data_type = "s"  # typed as text: it is text, and stays text
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = upload([], file=SimpleUploadedFile("goals.xlsx", buffer.getvalue()))
    assert "Cell I3 holds a formula (=1+1): formulas are not imported" in page
    assert "1 row has errors" in page
    assert not Goal.objects.filter(external_id="G9").exists()
