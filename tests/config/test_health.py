"""The health endpoint (database, cache, broker, and when beat last ran) and a load balancer's probes."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config import health
from config.celery import app as celery_app
from tests.matrix import assert_no_writes

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_answers(monkeypatch):
    # The broker check is tried for real in the worker test; here it answers without a server.
    monkeypatch.setattr(health, "_broker", lambda: (True, "stub"))


def test_healthy_without_login_and_reports_every_part(broker_answers, client, monkeypatch):
    now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: now)  # the first request loads the URLconf: let it take its time
    health.record_beat_heartbeat()

    response = client.get(reverse("health"))

    assert response.status_code == 200
    data = response.json()
    assert data["ok"] and data["database"]["ok"] and data["cache"]["ok"] and data["broker"]["ok"]
    assert data["beat"]["ok"] and data["beat"]["seconds_ago"] == 0
    assert "no-cache" in response["Cache-Control"]


def test_a_stale_beat_fails_only_the_beat_check(broker_answers, client, settings, monkeypatch):
    health.record_beat_heartbeat()
    later = timezone.now() + timedelta(seconds=settings.BEAT_HEARTBEAT_STALE_SECONDS + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert client.get(reverse("health")).status_code == 200
    response = client.get(reverse("health") + "?require=beat")
    assert response.status_code == 503
    assert response.json()["beat"]["ok"] is False


def test_beat_never_seen_is_reported(broker_answers, client):
    data = client.get(reverse("health") + "?require=beat")

    assert data.status_code == 503
    assert data.json()["beat"] == {"ok": False, "last_ran": None, "seconds_ago": None}


def test_a_broken_database_answers_503(broker_answers, client, monkeypatch):
    monkeypatch.setattr(health, "_database", lambda: (False, "OperationalError"))

    response = client.get(reverse("health"))

    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "detail": "OperationalError"}


def test_post_is_refused(broker_answers, client):
    assert client.post(reverse("health")).status_code == 405


# A load balancer's probes: /health/live/ and /health/ready/ ------------------------------------------------------


@pytest.fixture(autouse=True)
def migrations_not_yet_known(monkeypatch):
    # Each test starts as a fresh process does: not yet knowing that every migration is applied.
    monkeypatch.setattr(health._Migrations, "applied", False)


def closed_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_live_answers_without_asking_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("health_live"))

    assert response.status_code == 200
    assert response.json() == {"live": True}
    assert "no-cache" in response["Cache-Control"]


def test_ready_reports_every_dependency(client):
    response = client.get(reverse("health_ready"))

    assert response.status_code == 200
    data = response.json()
    assert data["ready"] is True and data["failed"] == []
    assert {name: part["ok"] for name, part in data.items() if name not in {"ready", "failed"}} == {
        "drain": True, "database": True, "migrations": True, "cache": True, "broker": True}
    assert data["migrations"]["detail"] == "applied"
    assert "no-cache" in response["Cache-Control"]


def test_ready_asks_for_migrations_once_then_only_the_database(client, django_assert_num_queries):
    assert client.get(reverse("health_ready")).status_code == 200

    # SELECT 1 (the database answers); the applied migrations are remembered, not read again.
    with django_assert_num_queries(1):
        assert client.get(reverse("health_ready")).status_code == 200


def test_an_unapplied_migration_makes_the_node_not_ready(client):
    leaf = max(node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "alignment")
    MigrationRecorder(connection).migration_qs.filter(app=leaf[0], name=leaf[1]).delete()

    response = client.get(reverse("health_ready"))

    assert response.status_code == 503
    data = response.json()
    assert data["failed"] == ["migrations"]
    assert data["migrations"] == {"ok": False, "detail": "1 unapplied"}


def test_migrations_applied_once_are_not_read_again(client):
    assert client.get(reverse("health_ready")).status_code == 200
    leaf = max(node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "alignment")
    MigrationRecorder(connection).migration_qs.filter(app=leaf[0], name=leaf[1]).delete()

    assert client.get(reverse("health_ready")).status_code == 200


def test_a_database_refusing_queries_makes_the_node_not_ready(client):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        response = client.get(reverse("health_ready"))

    assert response.status_code == 503
    data = response.json()
    assert data["failed"] == ["database", "migrations"]
    assert data["database"] == {"ok": False, "detail": "OperationalError"}
    assert data["migrations"] == {"ok": False, "detail": "not asked: no database"}


def test_an_unreachable_shared_cache_makes_the_node_not_ready(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}

    response = client.get(reverse("health_ready"))

    assert response.status_code == 503
    data = response.json()
    assert data["failed"] == ["cache"]
    assert data["cache"] == {"ok": False, "detail": "ConnectionError"}


def test_an_unreachable_broker_makes_the_node_not_ready(client, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "broker_url", f"redis://127.0.0.1:{closed_port()}/0")

    response = client.get(reverse("health_ready"))

    assert response.status_code == 503
    data = response.json()
    assert data["failed"] == ["broker"]
    assert data["broker"]["ok"] is False


def test_a_node_is_drained_while_its_drain_file_exists(client, settings, tmp_path):
    settings.DRAIN_FILE = str(tmp_path / "drain")
    assert client.get(reverse("health_ready")).status_code == 200

    (tmp_path / "drain").touch()
    draining = client.get(reverse("health_ready"))
    (tmp_path / "drain").unlink()

    assert draining.status_code == 503
    assert draining.json()["failed"] == ["drain"]
    assert draining.json()["drain"] == {"ok": False, "detail": "draining: the drain file exists"}
    assert client.get(reverse("health_live")).status_code == 200  # draining is not dying: no restart
    assert client.get(reverse("health_ready")).status_code == 200


@pytest.mark.parametrize("name", ["health_live", "health_ready"])
def test_a_probe_reads_no_session_and_writes_nothing(client, login, member, name):
    signed_in = login(member)
    sessions = Session.objects.count()

    with CaptureQueriesContext(connection) as queries:
        response = signed_in.get(reverse(name))

    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")  # the session was never looked at
    assert not [query["sql"] for query in queries.captured_queries if "django_session" in query["sql"]]
    assert_no_writes(queries)
    assert Session.objects.count() == sessions


@pytest.mark.parametrize("name", ["health_live", "health_ready"])
def test_a_probe_answers_a_load_balancer_by_address_over_plain_http(client, settings, name):
    settings.ALLOWED_HOSTS = ["charter.example.org"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get(reverse(name), HTTP_HOST="10.0.0.7")

    assert response.status_code == 200
    # A page is still refused for that Host, and redirected to https for the right one.
    assert client.get(reverse("login"), HTTP_HOST="10.0.0.7").status_code == 400
    assert client.get(reverse("login"), HTTP_HOST="charter.example.org").status_code == 301


@pytest.mark.parametrize("name", ["health_live", "health_ready"])
def test_a_probe_answers_head_and_refuses_post(client, name):
    assert client.head(reverse(name)).status_code == 200
    assert client.post(reverse(name)).status_code == 405
