"""The import and export tests' world: the standard cast (tests/conftest.py), files built from rows, and the
three steps of an import as a leader takes them (upload, preview, confirm)."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from transfer.models import SpreadsheetImport

ORG, TEAM = "harbour", "platform"

GOAL_HEADER = ["goal_id", "objective", "purpose_part", "tradeoff", "owner", "key_result_id", "metric", "unit",
               "start", "target", "current", "confidence"]


def url(name: str, *args) -> str:
    return reverse(f"transfer:{name}", args=[ORG, TEAM, *args])


def csv_file(rows: list[list[str]], name: str = "goals.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def csv_rows(response) -> list[list[str]]:
    """A streamed CSV download as rows (its byte-order mark taken off)."""
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def upload(client):
    """Upload `rows` as `kind` (logged in as whoever the test logged in): the preview's text."""

    def send(rows: list[list[str]], kind: str = "goals", name: str = "goals.csv", file=None):
        response = client.post(url("import"), {"kind": kind, "file": file or csv_file(rows, name)})
        assert response.status_code == 302, response.content.decode()[:3000]
        return html.unescape(client.get(response["Location"]).content.decode())

    return send


@pytest.fixture
def confirm(client):
    """Confirm the latest upload: the response."""

    def send():
        latest = SpreadsheetImport.objects.latest("uploaded_at", "pk")
        return client.post(url("import_confirm", latest.pk))

    return send
