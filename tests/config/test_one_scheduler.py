"""One beat schedules at a time: the lease in Redis, and two real `celery beat` processes competing for it."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings

from config import queues
from config.celery import app
from config.health import record_beat_heartbeat
from config.scheduler import Lease, LeaseScheduler
from tests.celery_worker import drop_namespace, new_queue
from tests.config.test_settings import manage

LEASE_SECONDS = 3


@pytest.fixture
def client():
    return redis.Redis.from_url(os.environ["REDIS_URL"])


@pytest.fixture
def lease_key(client):
    key = f"charter-test-{uuid.uuid4().hex}:beat:lease"
    yield key
    client.delete(key, f"{key}:runs")


def lease(client, key: str, holder: str) -> Lease:
    return Lease(client, key, seconds=LEASE_SECONDS, holder=holder)


# The lease --------------------------------------------------------------------------------------------


@pytest.mark.redis
def test_the_first_to_ask_takes_the_lease_and_the_second_does_not(client, lease_key):
    first, second = lease(client, lease_key, "first"), lease(client, lease_key, "second")

    assert first.take()
    assert not second.take()
    assert client.get(lease_key) == b"first"
    assert 0 < client.pttl(lease_key) <= LEASE_SECONDS * 1000


@pytest.mark.redis
def test_the_holder_renews_to_a_full_length(client, lease_key):
    first = lease(client, lease_key, "first")
    first.take()
    client.pexpire(lease_key, 200)  # most of the lease gone

    assert first.renew()
    assert client.pttl(lease_key) > 2000


@pytest.mark.redis
def test_the_lease_is_lost_when_another_holds_it(client, lease_key):
    first = lease(client, lease_key, "first")
    first.take()
    client.set(lease_key, "second", px=LEASE_SECONDS * 1000)  # ran out meanwhile, and another took it

    assert not first.renew()
    assert not first.record_run("reminders", datetime(2026, 1, 1, tzinfo=UTC))
    assert client.get(lease_key) == b"second"
    assert client.hgetall(first.runs_key) == {}


@pytest.mark.redis
def test_the_lease_is_lost_when_its_key_vanished(client, lease_key):
    first = lease(client, lease_key, "first")
    first.take()
    client.delete(lease_key)  # Redis restarted without its data

    assert not first.renew()
    assert client.get(lease_key) is None, "a failed renewal must not bring the key back"
    assert first.take(), "once free, anyone may take it again"


@pytest.mark.redis
def test_a_lease_nobody_renews_runs_out_and_another_takes_it(client, lease_key):
    first, second = lease(client, lease_key, "first"), lease(client, lease_key, "second")
    first.take()
    client.pexpire(lease_key, 50)  # the holder died; its lease runs out

    deadline = time.monotonic() + 5
    while not second.take():
        assert time.monotonic() < deadline, "the lease never ran out"
        time.sleep(0.02)
    assert not first.renew()


@pytest.mark.redis
def test_only_the_holder_records_a_run_and_releases(client, lease_key):
    first, second = lease(client, lease_key, "first"), lease(client, lease_key, "second")
    first.take()
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    assert first.record_run("reminders", at)
    assert not second.record_run("reminders", at + timedelta(seconds=1))
    assert first.recorded_runs() == {"reminders": at}
    assert not second.release()
    assert first.release()
    assert client.get(lease_key) is None


def test_an_unreachable_redis_means_not_holding_the_lease(caplog):
    # Nothing listens on port 1: every call fails fast and counts as "not ours".
    unreachable = Lease.from_url("redis://127.0.0.1:1/0", "charter-test:beat:lease", seconds=LEASE_SECONDS,
                                 holder="first")

    assert not unreachable.take()
    assert not unreachable.renew()
    assert not unreachable.record_run("reminders", datetime.now(UTC))
    assert unreachable.recorded_runs() == {}


# Settings -----------------------------------------------------------------------------------------------


def test_a_lease_too_short_to_renew_fails_naming_it(tmp_path):
    result = manage(tmp_path, "check", BEAT_LEASE_SECONDS="2")

    assert result.returncode != 0
    assert "BEAT_LEASE_SECONDS must be 3 or more, got 2" in result.stderr


def test_the_lease_is_named_from_the_queue_namespace(tmp_path):
    result = manage(tmp_path, "shell", "--no-imports", "-c",
                    "from django.conf import settings; print(settings.BEAT_LEASE_KEY)", CELERY_TASK_DEFAULT_QUEUE="site-a")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "site-a:beat:lease\n"


# The scheduler, in this process -----------------------------------------------------------------------

PROBE_SCHEDULE = {"probe": {"task": "config.health.record_beat_heartbeat", "schedule": 60.0,
                            "options": {"expires": 55}}}


@pytest.fixture
def probe_schedule():
    assert app.tasks[record_beat_heartbeat.name]  # registered here, so that the eager test run sends nothing
    previous, app.conf.beat_schedule = app.conf.beat_schedule, PROBE_SCHEDULE
    yield
    app.conf.beat_schedule = previous


class Clock:
    """The schedulers' monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def scheduler(tmp_path: Path, holder: str, clock: Clock) -> LeaseScheduler:
    made = LeaseScheduler(app=app, schedule_filename=str(tmp_path / f"schedule-{holder}"))
    made.lease.holder, made.clock = holder, clock
    return made


def tick_for(seconds: int, clock: Clock, *schedulers: LeaseScheduler) -> None:
    """Each scheduler ticks once a second for `seconds` seconds of the clock."""
    for _ in range(seconds):
        clock.now += 1
        for each in schedulers:
            each.tick()


def send_probe(made: LeaseScheduler) -> None:
    """What `tick` does with a due entry: reserve it (its new last-run time), then send it."""
    entry = made.schedule["probe"]
    made.reserve(entry)
    made.apply_entry(entry)


def test_without_redis_there_is_no_lease(settings, tmp_path):
    settings.REDIS_URL = ""

    made = LeaseScheduler(app=app, schedule_filename=str(tmp_path / "schedule"), lazy=True)

    assert made.lease is None
    assert "no REDIS_URL" in made.info


@pytest.fixture
def two_schedulers(settings, tmp_path, lease_key, probe_schedule, caplog):
    settings.BEAT_LEASE_KEY, settings.BEAT_LEASE_SECONDS = lease_key, LEASE_SECONDS
    caplog.set_level(logging.INFO, logger="config.scheduler")
    clock = Clock()
    first, second = scheduler(tmp_path, "first", clock), scheduler(tmp_path, "second", clock)
    yield clock, first, second
    first.close()
    second.close()


@pytest.mark.redis
def test_the_first_to_take_the_lease_waits_then_schedules_alone(two_schedulers, client, lease_key, caplog):
    clock, first, second = two_schedulers
    first.tick()
    second.tick()
    assert client.get(lease_key) == b"first"
    assert "taken" not in caplog.text, "scheduling before a former holder could have noticed its loss"

    tick_for(2, clock, first, second)  # two more seconds: one and a half renewal periods (1 s each) are over

    assert "scheduler lease taken by first" in caplog.text
    assert "taken by second" not in caplog.text
    first.close()
    assert "scheduler lease lost by first (released on shutdown)" in caplog.text
    assert client.get(lease_key) is None


@pytest.mark.redis
def test_a_holder_whose_lease_is_gone_sends_nothing_and_its_successor_starts_from_its_runs(
        two_schedulers, client, lease_key, caplog):
    clock, first, second = two_schedulers
    tick_for(3, clock, first, second)  # taken, renewed, and scheduling
    # The holder sends the probe (eager in tests) and records when.
    send_probe(first)
    sent_at = first.schedule["probe"].last_run_at
    assert first.lease.recorded_runs() == {"probe": sent_at}

    # The holder is paused past its lease; the other takes the lease.
    client.delete(lease_key)
    second.schedule["probe"].last_run_at = sent_at - timedelta(hours=1)  # its own idea is an hour old
    tick_for(1, clock, second)
    # The paused holder wakes up in the middle of a send: refused, and it says so.
    send_probe(first)
    assert "scheduler lease lost by first: not sending probe" in caplog.text
    assert second.lease.recorded_runs() == {"probe": sent_at}

    tick_for(2, clock, second)

    # The successor starts from the recorded run: the probe is not due before a full interval after it.
    assert "scheduler lease taken by second" in caplog.text
    assert second.schedule["probe"].last_run_at == sent_at
    assert second.schedule["probe"].is_due().is_due is False


@pytest.mark.redis
def test_after_a_redis_restart_the_old_holder_logs_its_loss_before_anyone_schedules(
        two_schedulers, client, lease_key, caplog):
    clock, first, second = two_schedulers
    tick_for(3, clock, first, second)
    assert "scheduler lease taken by first" in caplog.text

    client.delete(lease_key)  # Redis came back without its data
    tick_for(3, clock, second, first)  # the other asks first each second

    log = caplog.text
    assert client.get(lease_key) == b"second"
    assert log.index("scheduler lease lost by first") < log.index("scheduler lease taken by second")


# Two real beat processes -----------------------------------------------------------------------------

FAST_SECONDS, SLOW_SECONDS, EXPIRES = 1.0, 8.0, 60
# Two entries on different queues: one every second, one that must not be sent again early after a takeover.
PROBE_SETTINGS = f'''
from config.settings import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {{
    "fast": {{"task": "config.health.record_beat_heartbeat", "schedule": {FAST_SECONDS},
              "options": {{"expires": {EXPIRES}}}}},
    "slow": {{"task": "alignment.tasks.purge_audit_trail", "schedule": {SLOW_SECONDS},
              "options": {{"expires": {EXPIRES}}}}},
}}
'''


@dataclass
class Beat:
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    @property
    def holder(self) -> str | None:
        """The holder name this beat took the lease as, if it did."""
        for line in self.log().splitlines():
            if "scheduler lease taken by " in line:
                return line.split("scheduler lease taken by ", 1)[1].split()[0].rstrip('",')
        return None


@dataclass
class Sent:
    task: str
    at: datetime
    pid: int


def start_beat(tmp_path: Path, name: str, namespace: str) -> Beat:
    log_path = tmp_path / f"beat-{name}.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(settings.BASE_DIR)]),
        "DJANGO_SETTINGS_MODULE": "beat_probe_settings",
        "CELERY_TASK_DEFAULT_QUEUE": namespace,
        "BEAT_LEASE_SECONDS": str(LEASE_SECONDS),
        "VAR_DIR": str(tmp_path / f"var-{name}"),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    command = [str(Path(sys.executable).with_name("celery")), "-A", "config", "beat", "-l", "INFO",
               "-s", str(tmp_path / f"schedule-{name}")]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
    return Beat(process, log_path)


def stop(beat: Beat) -> None:
    if beat.process.poll() is None:
        beat.process.send_signal(signal.SIGTERM)
        try:
            beat.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            beat.process.kill()
            beat.process.wait()


def sent(client, namespace: str) -> list[Sent]:
    """What the beats put on the broker (nobody consumes it here), oldest first.

    Each message says which process sent it (`origin`, gen<pid>@host) and when (its absolute `expires`
    is the send time plus the entry's `expires`).
    """
    messages = []
    for queue in (queues.name("schedule", namespace), queues.name("default", namespace)):
        for raw in client.lrange(queue, 0, -1):
            headers = json.loads(raw)["headers"]
            at = datetime.fromisoformat(headers["expires"]) - timedelta(seconds=EXPIRES)
            pid = int(headers["origin"].removeprefix("gen").split("@")[0])
            messages.append(Sent(headers["task"], at, pid))
    return sorted(messages, key=lambda message: message.at)


def wait_for(condition, *, timeout: float, what: str, beats: tuple[Beat, ...]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {beat.log_path.name}\n{beat.log()[-3000:]}" for beat in beats)
            pytest.fail(f"{what} did not happen within {timeout}s\n{logs}")
        time.sleep(0.1)


def gaps(times: list[datetime]) -> list[float]:
    return [(later - earlier).total_seconds() for earlier, later in zip(times, times[1:], strict=False)]


@pytest.mark.redis
def test_two_beats_one_schedules_and_the_other_takes_over_when_it_is_killed(tmp_path, client):
    (tmp_path / "beat_probe_settings.py").write_text(PROBE_SETTINGS)
    namespace = new_queue()
    beats = (start_beat(tmp_path, "a", namespace), start_beat(tmp_path, "b", namespace))
    try:
        wait_for(lambda: any(beat.holder for beat in beats), timeout=90, what="a beat taking the lease", beats=beats)
        holder, standby = beats if beats[0].holder else beats[::-1]
        slow = "alignment.tasks.purge_audit_trail"
        # Kill the holder just after it sent the slow entry: the standby must not send it again early.
        wait_for(lambda: any(m.task == slow for m in sent(client, namespace)), timeout=30,
                 what="the holder sending the slow entry", beats=beats)
        holder.process.send_signal(signal.SIGKILL)
        holder.process.wait(timeout=15)
        killed_at = time.monotonic()
        assert standby.holder is None, "two beats held the lease at once"
        assert "Sending due task" not in standby.log()

        wait_for(lambda: standby.holder is not None, timeout=30, what="the standby taking over", beats=beats)
        took_over_in = time.monotonic() - killed_at
        wait_for(lambda: sum(m.task == slow for m in sent(client, namespace)) >= 2, timeout=30,
                 what="the new holder sending the slow entry", beats=beats)
        stop(standby)
        messages = sent(client, namespace)
    finally:
        for beat in beats:
            stop(beat)
        drop_namespace(namespace)

    senders = [message.pid for message in messages]
    fast = [message.at for message in messages if message.task == "config.health.record_beat_heartbeat"]
    slow_sent = [message.at for message in messages if message.task == slow]
    print(f"took over in {took_over_in:.1f}s; sent {len(fast)} fast, {len(slow_sent)} slow; "
          f"senders in order: {senders[0]} x{senders.count(senders[0])}, then {senders[-1]}")
    # One sender until the kill, the other after: never both at once.
    assert senders == sorted(senders, key=lambda pid: pid != holder.process.pid)
    assert set(senders) == {holder.process.pid, standby.process.pid}
    # Nothing sent twice for one due time, across the takeover too.
    assert min(gaps(fast)) >= FAST_SECONDS * 0.5
    assert min(gaps(slow_sent)) >= SLOW_SECONDS - 0.5, "the new holder sent the slow entry early"
    assert took_over_in < 2 * LEASE_SECONDS + 2
    log = standby.log()
    assert log.index("scheduler lease taken by") < log.index("Sending due task")
    assert "scheduler lease lost by" in log  # handed back when stopped
