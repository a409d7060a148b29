"""A team's CSV downloads: text a spreadsheet could run is neutralised, each reader gets what the pages let them
read (a member their own check-ins, an outsider nothing), a file exported imports again as it was, and each
download costs the same queries with 2 rows or 40."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from charters import services as charters
from charters.models import KeyResult
from checkins.models import CheckIn, Commitment
from decisions.models import Decision
from tests.charters.factories import ratified_charter
from tests.transfer.conftest import csv_file, csv_rows, url

LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 11, 16)
FORMULA = "=HYPERLINK(\"http://evil.example\",\"click\")"


@pytest.fixture
def now(frozen):
    moment = datetime(2026, 12, 4, 12, 0, tzinfo=LONDON)
    frozen(moment)
    return moment


def _checkin(team, author, week, **fields) -> CheckIn:
    fields.setdefault("state", "submitted")
    fields.setdefault("submitted_at", datetime.combine(week, datetime.min.time(), LONDON))
    return CheckIn.objects.create(team=team, author=author, week=week, **fields)


@pytest.fixture
def team_data(team, leader, member, facilitator, now):
    """A charter in force with readings, a decision, a commitment and check-ins whose words start like formulas."""
    charter = ratified_charter(team, leader)
    key_result = KeyResult.objects.get(goal__charter=charter)
    charters.record_progress(key_result=key_result, actor=leader, value=Decimal("-3.5"), confidence="off_track",
                             note="+1 for the rollback", recorded_at=now - timedelta(days=3))
    Decision.objects.create(team=team, title=FORMULA, description="\t=1+1", purpose_effect="advances",
                            metric_effect="dents", verdict="conscious_investment", logged_by=member)
    Commitment.objects.create(team=team, owner=member, title="@here ship it", standard="-done", due_on=MONDAY,
                              overload_note="I am tired")
    _checkin(team, member, MONDAY, progress=FORMULA, highlights="-1 day late", load="light")
    _checkin(team, member, MONDAY + timedelta(days=7), state="draft", submitted_at=None, progress="My draft")
    _checkin(team, facilitator, MONDAY, progress="Fay's week")
    return charter


def test_text_that_could_start_a_formula_is_neutralised_and_numbers_stay_numbers(login, leader, team_data):
    client = login(leader)
    decisions = csv_rows(client.get(url("export_decisions")))
    assert decisions[1][1:3] == ["'" + FORMULA, "'\t=1+1"]
    history = csv_rows(client.get(url("export_key_result_history")))
    assert [(row[2], row[4]) for row in history[1:]] == [("-3.50", "'+1 for the rollback")]
    commitments = csv_rows(client.get(url("export_commitments")))
    assert commitments[0][:2] == ["title", "standard"] and commitments[1][:2] == ["'@here ship it", "'-done"]
    assert "I am tired" not in str(commitments)  # why someone took a commitment on while overloaded is theirs
    checkins = csv_rows(client.get(url("export_checkins")))
    maxs = next(row for row in checkins if row[0] == "member@example.com")
    assert maxs[2:4] == ["'" + FORMULA, "'-1 day late"]


def test_a_member_exports_only_their_own_checkins_and_a_leader_every_submitted_one(
        login, leader, member, facilitator, team_data):
    mine = csv_rows(login(member).get(url("export_checkins")))
    assert sorted(row[2] for row in mine[1:]) == ["'" + FORMULA, "My draft"]
    everyone = csv_rows(login(leader).get(url("export_checkins")))
    assert sorted(row[2] for row in everyone[1:]) == ["'" + FORMULA, "Fay's week"]  # nobody's draft but one's own


def test_the_team_opening_its_checkins_lets_members_export_them(login, member, team, team_data):
    team.checkins_open_to_team = True
    team.save(update_fields=["checkins_open_to_team"])
    rows = csv_rows(login(member).get(url("export_checkins")))
    assert sorted(row[2] for row in rows[1:]) == ["'" + FORMULA, "Fay's week", "My draft"]


def test_an_outsider_gets_nothing_and_an_admin_only_the_decision_log(login, outsider, admin, team_data):
    client = login(outsider)
    for name in ("export", "export_decisions", "export_key_result_history", "export_commitments", "export_checkins"):
        assert client.get(url(name)).status_code == 404
    client = login(admin)
    assert len(csv_rows(client.get(url("export_decisions")))) == 2
    for name in ("export_key_result_history", "export_commitments", "export_checkins"):
        assert client.get(url(name)).status_code == 404


def test_an_exported_file_imports_again_without_adding_anything(login, leader, team_data, upload):
    client = login(leader)
    history = client.get(url("export_key_result_history"))
    page = upload(csv_rows(history), kind="key_result_history", name="history.csv")
    assert "Nothing to import" in page and page.count(">unchanged</span>") == 1
    checkins = csv_rows(client.get(url("export_checkins")))
    page = upload(checkins, kind="checkins", name="checkins.csv")
    assert "Nothing to import" in page and page.count(">unchanged</span>") == 2


def _grow(team, leader, member, charter, n: int) -> None:
    key_result = KeyResult.objects.get(goal__charter=charter)
    for i in range(n):
        charters.record_progress(key_result=key_result, actor=leader, value=i, confidence="at_risk",
                                 recorded_at=datetime(2026, 10, 1, tzinfo=LONDON) + timedelta(hours=i))
    Decision.objects.bulk_create(Decision(team=team, title=f"Proposal {i}", purpose_effect="advances",
                                          metric_effect="neutral", verdict="yes", logged_by=leader) for i in range(n))
    Commitment.objects.bulk_create(Commitment(team=team, owner=member, title=f"Commitment {i}", standard="Done",
                                              due_on=MONDAY) for i in range(n))
    CheckIn.objects.bulk_create(CheckIn(team=team, author=member, week=MONDAY - timedelta(weeks=i + 3),
                                        state="submitted", submitted_at=datetime(2026, 1, 1, tzinfo=LONDON))
                                for i in range(n))


@pytest.mark.parametrize("rows", [2, 40])
def test_each_download_costs_the_same_queries_whatever_its_length(
        login, leader, member, team, now, rows, django_assert_num_queries):
    charter = ratified_charter(team, leader)
    _grow(team, leader, member, charter, rows)
    client = login(leader)
    for name in ("export_decisions", "export_key_result_history", "export_commitments", "export_checkins"):
        # Queries: the signed-in person (their session is in the cache), their memberships (with the team and
        # its people), then the rows with what each names (who logged a decision, a reading's key result and
        # goal, a commitment's owner, a check-in's author): one query, read a chunk at a time.
        with django_assert_num_queries(3):
            response = client.get(url(name))
            assert len(csv_rows(response)) > rows


def test_a_csv_import_reads_semicolons_and_a_byte_order_mark(login, leader, member, team, now, client):
    login(leader)
    text = "\ufeffemail;week;what_moved\r\nmember@example.com;2026-11-16;Moved\r\n"
    response = client.post(url("import"), {"kind": "checkins", "file": csv_file([["email", "week"]], "x.csv")})
    assert response.status_code == 400  # nothing under the header, refused in words
    assert "The file has a header row but no rows under it." in response.content.decode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(url("import"), {"kind": "checkins",
                                           "file": SimpleUploadedFile("semi.csv", text.encode())})
    assert response.status_code == 302
