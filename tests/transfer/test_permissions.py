"""Who may open and do what on every transfer URL, with the standard cast.

Importing is the team's leaders' (the charter's stewards; others in the team 403); exporting is for the team's
people, and an organisation admin outside the team takes the decision log alone (its summary); outsiders and
strangers get 404. The organisation's export is its admins' (403 for the rest of it, 404 outside), and its file
the asker's alone (404 even to another admin). Anonymous people are sent to log in. A refused request writes
nothing at all (`tests/matrix.py`).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from alignment.models import AuditEvent
from charters.models import Goal
from notifications.models import Delivery
from tests.matrix import Matrix
from tests.transfer.conftest import csv_file, url
from transfer import urls
from transfer.models import OrganisationExport, SpreadsheetImport

OK, FOUND, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
# Whoever a success writes for goes last, so that everyone before meets the world as it was.
PEOPLE = ["stranger", "outsider", "member", "facilitator", "admin", "leader"]
GOALS = [["goal_id", "objective"], ["G1", "Release weekly"]]


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[dict], str]
    answers: dict[str, int]
    data: Callable[[dict], dict] = field(default=lambda world: {})

    def __str__(self) -> str:
        return self.name


def leaders_only(ok: int) -> dict[str, int]:
    return {"stranger": NOT_FOUND, "outsider": NOT_FOUND, "member": FORBIDDEN, "facilitator": FORBIDDEN,
            "admin": NOT_FOUND, "leader": ok}


def the_team(ok: int, *, admin: int = NOT_FOUND) -> dict[str, int]:
    return {"stranger": NOT_FOUND, "outsider": NOT_FOUND, "member": ok, "facilitator": ok, "admin": admin,
            "leader": ok}


def organisation_admins(ok: int) -> dict[str, int]:
    return {"stranger": NOT_FOUND, "outsider": FORBIDDEN, "member": FORBIDDEN, "facilitator": FORBIDDEN,
            "admin": ok, "leader": ok}


ORG_EXPORT = reverse("transfer:organisation_export", args=["harbour"])

CASES = [
    Case("import page", "get", lambda w: url("import"), leaders_only(OK)),
    Case("upload", "post", lambda w: url("import"), leaders_only(FOUND),
         data=lambda w: {"kind": "goals", "file": csv_file(GOALS)}),
    Case("example file", "get", lambda w: url("import_example", "goals"), leaders_only(OK)),
    Case("preview", "get", lambda w: url("import_preview", w["upload"].pk), leaders_only(OK)),
    Case("confirm", "post", lambda w: url("import_confirm", w["upload"].pk), leaders_only(FOUND)),
    Case("export page", "get", lambda w: url("export"), the_team(OK, admin=OK)),
    Case("decisions", "get", lambda w: url("export_decisions"), the_team(OK, admin=OK)),
    Case("key-result history", "get", lambda w: url("export_key_result_history"), the_team(OK)),
    Case("commitments", "get", lambda w: url("export_commitments"), the_team(OK)),
    Case("check-ins", "get", lambda w: url("export_checkins"), the_team(OK)),
    Case("organisation export page", "get", lambda w: ORG_EXPORT, organisation_admins(OK)),
    Case("ask for the organisation export", "post", lambda w: ORG_EXPORT, organisation_admins(FOUND)),
    Case("download the organisation export", "get",
         lambda w: reverse("transfer:organisation_export_download", args=["harbour", w["export"].pk]),
         {"stranger": NOT_FOUND, "outsider": NOT_FOUND, "member": NOT_FOUND, "facilitator": NOT_FOUND,
          "leader": NOT_FOUND, "admin": OK}),  # the asker's alone: another admin too gets 404
]


def state() -> tuple:
    return (list(SpreadsheetImport.objects.order_by("pk").values()), list(Goal.objects.values()),
            list(OrganisationExport.objects.order_by("pk").values("pk", "state", "downloaded_at")),
            AuditEvent.objects.count(), Delivery.objects.count())


matrix = Matrix(state)


@pytest.fixture
def world(team, leader, member, facilitator, outsider, admin, stranger) -> dict:
    """An upload of the leader's waiting for its preview, and a ready export the admin asked for."""
    upload = SpreadsheetImport.objects.create(team=team, kind="goals", file_name="goals.csv", uploaded_by=leader,
                                              rows=[[2, {"goal_id": "G1", "objective": "Release weekly"}, []]])
    archive = gzip.compress(b"{}")
    now = timezone.now()
    export = OrganisationExport.objects.create(
        organisation=team.organisation, requested_by=admin, state="ready", ready_at=now,
        expires_at=now + timezone.timedelta(days=7), archive=archive, archive_size=len(archive))
    cast = {"leader": leader, "member": member, "facilitator": facilitator, "outsider": outsider, "admin": admin,
            "stranger": stranger}
    return {"upload": upload, "export": export, "cast": cast}


def test_every_transfer_url_is_in_the_matrix(world):
    named = {pattern.name for pattern in urls.urlpatterns}
    in_matrix = {resolve(case.url(world)).url_name for case in CASES}
    assert named <= in_matrix, f"add to CASES: {sorted(named - in_matrix)}"


@pytest.mark.parametrize("case", CASES, ids=str)
def test_matrix(client, world, case, django_capture_on_commit_callbacks):
    for person in PEOPLE:
        client.force_login(world["cast"][person])
        expected = case.answers[person]
        if expected in (OK, FOUND):
            with django_capture_on_commit_callbacks(execute=False):  # the export's build is not this test's
                response = matrix.send(client, case, world)
            assert response.status_code == expected, (person, response.content.decode()[:2000])
        else:
            try:
                matrix.refused_without_writing(client, case, world, expected)
            except AssertionError as error:
                raise AssertionError(f"{person}: {error}") from error


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, world, case):
    matrix.sent_to_log_in(client, case, world)
