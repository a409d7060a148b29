"""Invitation emails go through a real broker to a real worker, and are sent once.

Eager mode proves nothing about tasks (arguments must survive serialisation, the worker
must find the rows the web process committed, settings must load in the worker), so
one test here starts `celery worker` as a separate process, pointed at the same test
database and Redis, and waits for the email it writes to a folder.
"""

from __future__ import annotations

import os
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from django.urls import reverse

from alignment import services
from alignment.models import Invitation
from alignment.tasks import send_invitation_email
from tests.celery_worker import EMAIL_SEPARATOR, WORKER_SITE_URL, Worker, running_worker

WORKER_TIMEOUT = 30  # seconds; a task through Redis usually lands in under one


@pytest.fixture
def real_worker(transactional_db, tmp_path):
    with running_worker(tmp_path) as worker:
        yield worker


def wait_for_sent_email(worker: Worker, invitation: Invitation) -> bytes:
    """Poll until the worker has marked the invitation sent and finished writing the email."""
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode}:\n{worker.log()}")
        sent_at = (
            Invitation.objects.filter(pk=invitation.pk)
            .values_list("email_sent_at", flat=True)
            .get()
        )
        files = sorted(worker.mail_dir.glob("*.log")) if worker.mail_dir.is_dir() else []
        if sent_at and files and files[0].read_bytes().endswith(EMAIL_SEPARATOR):
            assert len(files) == 1, [f.name for f in files]
            return files[0].read_bytes()
        time.sleep(0.1)
    pytest.fail(
        f"no invitation email within {WORKER_TIMEOUT}s (email_sent_at={sent_at}, "
        f"files={files}); worker log:\n{worker.log()}"
    )


@pytest.mark.redis
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"),
    reason="DATABASE_URL is not set: the SQLite test database lives in this "
    "process's memory, so a Celery worker process cannot see its rows",
)
@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_sent_by_a_real_worker_through_redis(
    real_worker, team, leader, mailoutbox
):
    invitation, token = services.invite(
        team=team, email="New.Person@Example.com", roles=["member"], actor=leader
    )

    raw = wait_for_sent_email(real_worker, invitation)

    message = BytesParser(policy=policy.default).parsebytes(raw[: -len(EMAIL_SEPARATOR)])
    assert message["To"] == "new.person@example.com"
    assert "Platform" in message["Subject"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert WORKER_SITE_URL + reverse("invitation_accept", args=[token]) in body

    # The worker's claim is in the database, so a second run anywhere sends nothing.
    send_invitation_email(invitation.pk, token)
    assert mailoutbox == []
    assert len(list(real_worker.mail_dir.iterdir())) == 1


def wait_for_email_file(worker: Worker) -> bytes:
    """Poll until the worker has finished writing one email to its folder."""
    deadline = time.monotonic() + WORKER_TIMEOUT
    files: list[Path] = []
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            pytest.fail(f"the worker exited with {worker.process.returncode}:\n{worker.log()}")
        files = sorted(worker.mail_dir.glob("*.log")) if worker.mail_dir.is_dir() else []
        if files and files[0].read_bytes().endswith(EMAIL_SEPARATOR):
            assert len(files) == 1, [f.name for f in files]
            return files[0].read_bytes()
        time.sleep(0.1)
    pytest.fail(f"no email within {WORKER_TIMEOUT}s (files={files}); worker log:\n{worker.log()}")


@pytest.mark.redis
@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL"),
    reason="DATABASE_URL is not set: a Celery worker process cannot see the SQLite test database",
)
@pytest.mark.django_db(transaction=True)
def test_password_reset_email_is_sent_by_a_real_worker_through_redis(real_worker, make_user, client):
    make_user("nadia@example.com", password="harbour-lights-at-dawn-42")

    response = client.post(reverse("password_reset"), {"email": "Nadia@Example.com"})
    assert response.status_code == 302

    raw = wait_for_email_file(real_worker)
    message = BytesParser(policy=policy.default).parsebytes(raw[: -len(EMAIL_SEPARATOR)])
    assert message["To"] == "nadia@example.com"
    assert message["Subject"] == "Reset your Charter password"
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert WORKER_SITE_URL + "/accounts/reset/" in body


def test_running_the_invitation_task_twice_sends_one_email(team, leader, mailoutbox):
    # In a test transaction nothing commits, so invite() queues no task: the two runs
    # below are the only ones.
    invitation, token = services.invite(
        team=team, email="new.person@example.com", roles=["member"], actor=leader
    )

    send_invitation_email(invitation.pk, token)
    send_invitation_email(invitation.pk, token)

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.person@example.com"]
    invitation.refresh_from_db()
    assert invitation.email_sent_at is not None
