"""Every request has an id — the load balancer's when it is sane — sent back and carried into its tasks."""

from __future__ import annotations

import json
import os
import re
import time

import pytest
from django.urls import reverse

from alignment.models import Invitation
from config import logs
from tests.celery_worker import Worker, running_worker

WORKER_TIMEOUT = 30  # seconds; a task through Redis usually lands in under one


@pytest.mark.django_db
def test_a_new_id_is_made_when_none_comes(client):
    first, second = client.get(reverse("login")), client.get(reverse("login"))

    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["0b5c5a52-6e0e-4b7e-9f0e-3f1f0c2a9d11", "haproxy:7F000001:1F90_65A1B2C3",
                                      "Root=1-5759e988-bd862e3fe1be46a994272793"])
def test_a_sane_incoming_id_is_kept(client, incoming):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] == incoming


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["a" * 129, "abc123456\nINFO forged line", "<script>alert(1)</script>",
                                      "short", "id with spaces in it"])
def test_a_malicious_or_odd_id_is_replaced(client, incoming):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_the_id_is_forgotten_once_the_request_is_answered(client, db):
    client.get(reverse("login"), HTTP_X_REQUEST_ID="gone-after-request")

    assert logs.request_id.get() is None


def test_an_eager_task_keeps_the_id_of_the_request_it_runs_in(db):
    """Tests and CELERY_TASK_ALWAYS_EAGER run tasks inline: no message, so the request's own id stays."""
    from alignment.tasks import purge_audit_trail

    token = logs.request_id.set("request-running-eagerly")
    try:
        purge_audit_trail.apply()
        assert logs.request_id.get() == "request-running-eagerly"
    finally:
        logs.request_id.reset(token)


# Through a real broker to a real worker ------------------------------------------------------------------


@pytest.fixture
def json_logging_worker(transactional_db, tmp_path):
    with running_worker(tmp_path, LOG_FORMAT="json") as worker:
        yield worker


def task_lines(worker: Worker, task_name: str) -> list[dict]:
    """The worker's JSON log lines about `task_name` (its banner and Celery's start-up lines are not JSON)."""
    lines = []
    for text in worker.log().splitlines():
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and task_name in line.get("message", ""):
            lines.append(line)
    return lines


def wait_for_task_success(worker: Worker, task_name: str) -> list[dict]:
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode}:\n{worker.log()}")
        lines = task_lines(worker, task_name)
        if any("succeeded" in line["message"] for line in lines):
            return lines
        time.sleep(0.1)
    pytest.fail(f"{task_name} did not succeed within {WORKER_TIMEOUT}s; worker log:\n{worker.log()}")


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                    reason="DATABASE_URL is not set: a Celery worker process cannot see the SQLite test database")
@pytest.mark.django_db(transaction=True)
def test_a_task_queued_on_commit_by_a_request_logs_that_requests_id(json_logging_worker, login, leader, team):
    response = login(leader).post(reverse("invitation_create", args=[team.organisation.slug, team.slug]),
                                  {"email": "newcomer@example.com", "roles": ["member"]},
                                  HTTP_X_REQUEST_ID="edge-4f2c0d9e71")
    assert response.status_code == 302
    assert Invitation.objects.filter(email="newcomer@example.com").exists()

    lines = wait_for_task_success(json_logging_worker, "alignment.tasks.send_invitation_email")

    succeeded = next(line for line in lines if "succeeded" in line["message"])
    assert succeeded["request_id"] == "edge-4f2c0d9e71"
    assert succeeded["logger"] == "celery.app.trace"
    # The worker's first word of it, once: "Task … received", naming the request too.
    received = [line for line in lines if line["message"].endswith("] received")]
    assert [line["request_id"] for line in received] == ["edge-4f2c0d9e71"]
    assert received[0]["logger"] == "celery.worker.strategy"
