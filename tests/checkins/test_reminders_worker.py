"""A real Celery worker with embedded beat, through Redis, reminds one person exactly once.

The reminder task is enqueued twice (as a duplicated beat tick would); the worker runs both; the
person gets one reminder and one email. The clock is real here, so the team's check-in time is
00:00 UTC today and the nudge is off: whatever the hour the test runs, the reminder is due.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import time as clock
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from alignment.celery import app
from alignment.notification_models import Delivery
from checkins import reminders
from checkins.tasks import dispatch_due_reminders
from tests.alignment.test_celery_worker import EMAIL_SEPARATOR, database_url_for

TIMEOUT = 45


@pytest.fixture
def worker_with_beat(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot share the SQLite test database; set DATABASE_URL to PostgreSQL")
    queue = f"charter-test-{uuid.uuid4().hex}"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "alignment.settings",
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": f"file://{tmp_path / 'mail'}",
        "SITE_URL": "http://charter.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        # Beat's ticks and the tasks the worker queues itself (the email) stay on this run's queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CHECKIN_NUDGE_HOURS": "0",
        "VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
    }
    command = [str(Path(sys.executable).with_name("celery")), "-A", "alignment", "worker", "-B", "--pool=solo",
               "-s", str(tmp_path / "beat-schedule"), "--without-gossip", "--without-mingle",
               "--without-heartbeat", "-l", "INFO", "-Q", queue, "-n", f"{queue}@%h"]
    previous_queue = app.conf.task_default_queue
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process, tmp_path / "mail", log_path
    finally:
        app.conf.task_default_queue = previous_queue
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with app.connection_for_write() as conn:
            declared = app.amqp.queues[queue].bind(conn.default_channel)
            declared.declare()
            declared.delete()


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                    reason="DATABASE_URL is not set: a Celery worker process cannot see the SQLite test database")
@pytest.mark.django_db(transaction=True)
def test_a_reminder_enqueued_twice_reaches_a_real_worker_with_beat_once(worker_with_beat, team, member):
    process, mail_dir, log_path = worker_with_beat
    team.time_zone, team.checkin_time = "UTC", clock(0, 0)
    team.checkin_weekday = timezone.now().astimezone(team.zone).weekday()
    team.save()

    dispatch_due_reminders.delay()
    dispatch_due_reminders.delay()

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}:\n{log_path.read_text()}")
        log = log_path.read_text(errors="replace")
        files = sorted(mail_dir.glob("*.log")) if mail_dir.is_dir() else []
        emails = [f for f in files if f.read_bytes().endswith(EMAIL_SEPARATOR)]
        # Both runs done (received and succeeded twice; the second found nobody owed) and the email written.
        if emails and log.count("dispatch_due_reminders") >= 4 and "sent=0" in log:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"no reminder within {TIMEOUT}s; worker log:\n{log_path.read_text()}")

    assert Delivery.objects.filter(recipient=member, kind=reminders.REMINDER).count() == 1
    assert len(emails) == 1
    raw = emails[0].read_bytes()
    assert b"time for your weekly check-in" in raw and b"member@example.com" in raw
    assert "beat: Starting" in log_path.read_text()
