"""The health endpoint: database, cache, broker, and when beat last ran."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def broker_answers(monkeypatch):
    # The broker check is tried for real in the worker test; here it answers without a server.
    monkeypatch.setattr(health, "_broker", lambda: (True, "stub"))


def test_healthy_without_login_and_reports_every_part(client):
    health.record_beat_heartbeat()

    response = client.get(reverse("health"))

    assert response.status_code == 200
    data = response.json()
    assert data["ok"] and data["database"]["ok"] and data["cache"]["ok"] and data["broker"]["ok"]
    assert data["beat"]["ok"] and data["beat"]["seconds_ago"] == 0
    assert "no-cache" in response["Cache-Control"]


def test_a_stale_beat_fails_only_the_beat_check(client, settings, monkeypatch):
    health.record_beat_heartbeat()
    later = timezone.now() + timedelta(seconds=settings.BEAT_HEARTBEAT_STALE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert client.get(reverse("health")).status_code == 200
    response = client.get(reverse("health") + "?require=beat")
    assert response.status_code == 503
    assert response.json()["beat"]["ok"] is False


def test_beat_never_seen_is_reported(client):
    data = client.get(reverse("health") + "?require=beat")

    assert data.status_code == 503
    assert data.json()["beat"] == {"ok": False, "last_ran": None, "seconds_ago": None}


def test_a_broken_database_answers_503(client, monkeypatch):
    monkeypatch.setattr(health, "_database", lambda: (False, "OperationalError"))

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "detail": "OperationalError"}


def test_post_is_refused(client):
    assert client.post(reverse("health")).status_code == 405
