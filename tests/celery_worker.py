"""A real Celery worker for the tests that must go through Redis: a process of its own, on a queue of its own.

Eager mode proves nothing about tasks (arguments must survive serialisation, the worker must find
the rows the web process committed, settings must load in the worker), so a few tests start
`celery worker` (with embedded beat when asked), pointed at the same test database and Redis.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection

from config import queues
from config.celery import app

WORKER_SITE_URL = "http://charter.test"
EMAIL_SEPARATOR = b"-" * 79 + b"\n"  # the file backend writes it after each message


def database_url_for(settings_dict: dict) -> str:
    """The DATABASE_URL that points another process at this (test) database."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    options = {
        k: v for k, v in (settings_dict.get("OPTIONS") or {}).items() if isinstance(v, str | int)
    }
    query = f"?{urlencode(options)}" if options else ""
    return f"postgres://{credentials}{host}{port}/{quote(settings_dict['NAME'], safe='')}{query}"


@dataclass
class Worker:
    process: subprocess.Popen
    mail_dir: Path
    log_path: Path
    queue: str = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ran(self, task: str, what: str = "succeeded") -> bool:
        """Whether the log says this worker ran `task` (or received it, with `what="received"`)."""
        return self.times(task, what) > 0

    def times(self, task: str, what: str = "succeeded") -> int:
        """How many times the log says this worker ran `task` (or received it, with `what="received"`).

        By the message's line, not the task's name alone: the banner a worker prints as it starts lists
        every task it knows, before it has taken any.
        """
        return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] {what}", self.log()))

    def kill(self) -> None:
        """SIGKILL, as the OOM killer or a lost machine does: no shutdown, no acknowledgement, nothing flushed."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)


def new_queue() -> str:
    """A queue namespace for one test's workers alone (its default queue's name; config/queues.py)."""
    return f"charter-test-{uuid.uuid4().hex}"


@contextmanager
def running_worker(tmp_path: Path, *, beat: bool = False, queue: str | None = None, name: str = "worker",
                   drop_queue: bool = True, kinds: tuple[str, ...] = queues.ALL_KINDS,
                   **env: str) -> Iterator[Worker]:
    """A Celery worker (with beat if asked) on queues of its own, writing email to a folder; stopped after.

    The worker reads the same test database and Redis as this process. A queue namespace unique to
    this run (every kind's queue is named from it) keeps it from taking anyone else's tasks (and them
    from taking ours); beat's ticks, its lease and the tasks the worker queues itself stay in it too.
    Workers given the same `queue` (`new_queue()`) share it, as a deployment's do; `name` keeps their
    logs apart. The worker consumes the queues of `kinds`, every kind unless told. `env` adds settings.
    """
    if connection.vendor != "postgresql":
        pytest.skip(
            f"a worker process cannot share the {connection.vendor} test database; "
            "set DATABASE_URL to a PostgreSQL server"
        )
    queue = queue or new_queue()
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / f"{name}.log"
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMAIL_URL": f"file://{mail_dir}",
        "SITE_URL": WORKER_SITE_URL,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "VAR_DIR": str(tmp_path / "var"),
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    command = [str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "--pool=solo",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
               "-Q", ",".join(queues.names(kinds, namespace=queue)),
               "-n", f"{name}-{queue}@%h"]
    if beat:
        command += ["-B", "-s", str(tmp_path / "beat-schedule")]
    # The autouse fixture in conftest.py makes tasks eager; these tests need them published.
    previous_queue = app.conf.task_default_queue
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=environment, cwd=settings.BASE_DIR, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        yield Worker(process=process, mail_dir=mail_dir, log_path=log_path, queue=queue)
    finally:
        app.conf.task_default_queue = previous_queue
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Drop the queues and their bindings so runs leave nothing behind in Redis (kombu
        # deletes only bindings its channel knows, hence the declare first), and beat's lease and runs.
        # A worker on a Redis of the test's own (drop_queue=False) leaves them to that Redis, which goes
        # with the test.
        if drop_queue:
            drop_namespace(queue)


def drop_namespace(namespace: str) -> None:
    """Delete every queue of the namespace from the test's Redis, and the beat lease named from it."""
    with app.connection_for_write() as conn:
        for name in queues.names(namespace=namespace):
            declared = app.amqp.queues[name].bind(conn.default_channel)
            declared.declare()
            declared.delete()
        lease_key = queues.beat_lease_key(namespace)
        conn.default_channel.client.delete(lease_key, f"{lease_key}:runs")
