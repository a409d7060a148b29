"""A real Celery worker with embedded beat, through Redis, reminds one person exactly once.

The reminder task is enqueued twice (as a duplicated beat tick would); the worker runs both; the
person gets one reminder and one email. The clock is real here, so the team's check-in time is
00:00 UTC today and the nudge is off: whatever the hour the test runs, the reminder is due.
"""

from __future__ import annotations

import os
import time
from datetime import time as clock

import pytest
from django.utils import timezone

from checkins import reminders
from checkins.tasks import dispatch_due_reminders
from notifications.models import Delivery
from tests.celery_worker import EMAIL_SEPARATOR, running_worker

TIMEOUT = 45


@pytest.fixture
def worker_with_beat(transactional_db, tmp_path):
    with running_worker(tmp_path, beat=True, CHECKIN_NUDGE_HOURS="0") as worker:
        yield worker


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                    reason="DATABASE_URL is not set: a Celery worker process cannot see the SQLite test database")
@pytest.mark.django_db(transaction=True)
def test_a_reminder_enqueued_twice_reaches_a_real_worker_with_beat_once(worker_with_beat, team, member):
    worker = worker_with_beat
    process, mail_dir, log_path = worker.process, worker.mail_dir, worker.log_path
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
        # Both runs done (the second found nobody owed) and the email written.
        if emails and worker.times(dispatch_due_reminders.name) >= 2 and "sent=0" in log:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"no reminder within {TIMEOUT}s; worker log:\n{log_path.read_text()}")

    assert Delivery.objects.filter(recipient=member, kind=reminders.REMINDER).count() == 1
    assert len(emails) == 1
    raw = emails[0].read_bytes()
    assert b"time for your weekly check-in" in raw and b"member@example.com" in raw
    assert "beat: Starting" in log_path.read_text()
