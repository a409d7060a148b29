"""Requests per second under gunicorn, against the bench's bare page.

`serving()` starts gunicorn as production runs it (`config.wsgi`, sync workers) with DEBUG
off, on the database this process uses, with the bare page mounted (`BENCH_BARE_PAGE=1`) and
static files collected into a temporary folder (DEBUG off reads the manifest). The tasks its
requests queue (the mix's e-mails) go to a queue of its own that no worker reads, emptied when it
stops. `log_in()` signs in through the real login form; `load()` keeps N connections busy for a
fixed time from threads in this process, so the load generator shares the machine's cores with
the server (the mixed workload's load generator is `bench/mix.py`).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from time import perf_counter, sleep
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from bench.measure import percentile

HOST = "127.0.0.1"
STARTUP_SECONDS = 60


def new_secret_key() -> str:
    return "bench-" + secrets.token_urlsafe(40)


@contextmanager
def serving(*, workers: int, log=None, secret_key: str | None = None) -> Iterator[int]:
    """A gunicorn serving the site with DEBUG off; yields its port. Stopped (by its pid) on the way out.

    `secret_key` is its SECRET_KEY (a new random one by default): the mix writes its people's
    sessions for it.
    """
    log = log or (lambda message: None)
    queue = f"bench-{secrets.token_hex(6)}"
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        env = {
            **os.environ,
            **_same_database(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "false",
            "SECRET_KEY": secret_key or new_secret_key(),
            # Tasks (the mix's e-mails) to queues nobody reads: a filesystem broker in the temporary
            # folder, or with Redis queues of this run's own (every kind's is named from this one,
            # config/queues.py), deleted at the end.
            "VAR_DIR": str(Path(folder) / "var"),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "ALLOWED_HOSTS": f"{HOST},localhost",
            # Plain http on the loopback: no redirect to https, cookies sent without TLS.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(Path(folder) / "static"),
            "BENCH_BARE_PAGE": "1",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("WEB_CONCURRENCY", None)
        started = perf_counter()
        collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
                                   cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)
        if collected.returncode:
            raise CommandError(f"collectstatic failed for the DEBUG-off server:\n{collected.stderr[-2000:]}")
        log(f"  collected static files in {perf_counter() - started:.1f}s")
        port = _free_port()
        output = Path(folder) / "gunicorn.log"
        with output.open("wb") as sink:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", str(workers),
                 "--bind", f"{HOST}:{port}", "--log-level", "warning"],
                cwd=settings.BASE_DIR, env=env, stdout=sink, stderr=subprocess.STDOUT,
            )
        try:
            _wait_until_up(server, port, output)
            log(f"  gunicorn (pid {server.pid}) with {workers} workers on {HOST}:{port}")
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            _delete_queue(queue, log)


def _same_database() -> dict[str, str]:
    """The environment that points the server at this process's database (under tests, the test database)."""
    name = connection.settings_dict["NAME"]
    url = os.environ.get("DATABASE_URL", "")
    if connection.vendor == "postgresql" and url:
        parts = urlsplit(url)
        return {"DATABASE_URL": urlunsplit(parts._replace(path=f"/{name}"))}
    if connection.vendor == "sqlite" and name and ":memory:" not in str(name) and "mode=memory" not in str(name):
        return {"SQLITE_PATH": str(name)}
    return {}


def _delete_queue(queue: str, log) -> None:
    """Drop what the server queued to its own queue (with Redis; a filesystem broker's folder is gone already).

    Every Redis key of it (the list, its priority lists, the exchange's bindings) holds the queue's
    name, which is this run's own random one.
    """
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    import redis

    try:
        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"*{queue}*"))
        if keys:
            client.delete(*keys)
    except redis.RedisError as exc:  # the measurement is done; a leftover queue is only reported
        log(f"  could not delete the task queue {queue}: {exc}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_up(server: subprocess.Popen, port: int, output: Path) -> None:
    deadline = perf_counter() + STARTUP_SECONDS
    while perf_counter() < deadline:
        if server.poll() is not None:
            raise CommandError(f"gunicorn exited with {server.returncode}:\n{output.read_text()[-3000:]}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=5)
            connection.request("GET", reverse("login"))
            status = connection.getresponse().status
            connection.close()
        except OSError:
            sleep(0.2)
            continue
        if status == 200:
            return
        raise CommandError(f"gunicorn answered the login page with {status}:\n{output.read_text()[-3000:]}")
    raise CommandError(f"gunicorn did not answer within {STARTUP_SECONDS}s:\n{output.read_text()[-3000:]}")


def log_in(port: int, email: str, password: str) -> str:
    """Sign in through the login form (CSRF token and all); returns the Cookie header of the session."""
    path = reverse("login")
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    connection.request("GET", path)
    response = connection.getresponse()
    cookies = _cookies(response)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    if found is None:
        raise CommandError("The login page has no CSRF token to sign in with.")
    form = urlencode({"login": email, "password": password, "csrfmiddlewaretoken": found.group(1)})  # allauth's form
    connection.request("POST", path, body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": _header(cookies)})
    response = connection.getresponse()
    response.read()
    cookies.update(_cookies(response))
    connection.close()
    if response.status != 302 or settings.SESSION_COOKIE_NAME not in cookies:
        raise CommandError(f"Signing in as {email} through the login form failed ({response.status}).")
    return _header(cookies)


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


@dataclass
class _Tally:
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    reconnects: int = 0


def load(port: int, path: str, cookie: str, *, connections: int, duration: float, warmup: float) -> dict:
    """Keep `connections` keep-alive connections busy on `path`; count what completes in `duration` after `warmup`."""
    probe = http.client.HTTPConnection(HOST, port, timeout=30)
    probe.request("GET", path, headers={"Cookie": cookie})
    first = probe.getresponse()
    first.read()
    probe.close()
    if first.status != 200:
        return {"status": first.status, "rps": 0.0, "requests": 0, "errors": 0}
    counting_from = perf_counter() + warmup
    until = counting_from + duration
    tallies = [_Tally() for _ in range(connections)]
    threads = [threading.Thread(target=_hammer, args=(port, path, cookie, counting_from, until, tally), daemon=True)
               for tally in tallies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sum((tally.statuses for tally in tallies), Counter())
    latencies = [latency for tally in tallies for latency in tally.latencies]
    ok = statuses.get(200, 0)
    return {
        "status": 200 if ok and len(statuses) == 1 else max(statuses, key=statuses.get, default=0),
        "rps": round(ok / duration, 1),
        "requests": ok,
        "other_statuses": {str(status): n for status, n in statuses.items() if status != 200},
        "errors": sum(tally.errors for tally in tallies),
        "reconnects": sum(tally.reconnects for tally in tallies),
        "latency_p50_ms": round(percentile(latencies, 0.5), 1) if latencies else None,
        "latency_p95_ms": round(percentile(latencies, 0.95), 1) if latencies else None,
    }


def _hammer(port: int, path: str, cookie: str, counting_from: float, until: float, tally: _Tally) -> None:
    """One connection's loop; a server that closes the connection (sync workers do) is reconnected to."""
    connection = None
    while perf_counter() < until:
        if connection is None:
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
        started = perf_counter()
        try:
            connection.request("GET", path, headers={"Cookie": cookie})
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            tally.errors += 1
            connection.close()
            connection = None
            continue
        finished = perf_counter()
        if counting_from <= finished < until:
            tally.statuses[response.status] += 1
            tally.latencies.append((finished - started) * 1000)
        if response.will_close:
            connection.close()
            connection, tally.reconnects = None, tally.reconnects + 1
    if connection is not None:
        connection.close()
