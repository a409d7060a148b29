"""Two web nodes, one site: what a person does on one node holds on the other.

Two real gunicorn processes (DEBUG off, as production runs) share this test's PostgreSQL database and Redis,
and nothing else: no memory, no folder. A person's browser talks to both, as it does behind a load balancer
that sends each request to either node (the cookie jar is the same for both: a cookie names a host, not a
port). Each test proves one piece of state lives where every node finds it: the session, the count of wrong
passwords, the API's rate per token, and a data export's zip. The nodes run as behind a TLS-terminating proxy
(https redirects on), and answer the load balancer's readiness probe by address over plain http.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from time import monotonic, sleep

import pytest
import redis
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from alignment import data_export
from alignment.models import DataExport
from api import scopes
from api.models import ApiToken
from api.services import make_token
from tests.celery_worker import database_url_for
from tests.loopback import free_port

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set: the nodes share a real Redis"),
    pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                       reason="DATABASE_URL is not set: two gunicorn processes cannot share the SQLite test database"),
    pytest.mark.django_db(transaction=True),
]

HOST = "127.0.0.1"
STARTUP_SECONDS = 60
PASSWORD = "correct horse battery staple"
FAILURE_LIMIT = 3
API_RATE = 3  # calls per minute per token


@dataclass
class Node:
    name: str
    url: str
    process: subprocess.Popen


def node_environment(folder: Path, queue: str) -> dict[str, str]:
    """Production's settings, pointed at this test's database and Redis; nothing else in common."""
    return {
        **{key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY"}},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url_for(connection.settings_dict),
        "REDIS_URL": os.environ["REDIS_URL"],
        "DEBUG": "false",
        "SECRET_KEY": settings.SECRET_KEY,  # the same on every node (and here, to make a data export's link)
        "ALLOWED_HOSTS": HOST,
        # Behind a TLS-terminating proxy: pages redirect plain http to https unless the proxy says it was https.
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_COOKIES": "false",  # (the test's browser speaks http to the nodes)
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(folder / "static"),
        "VAR_DIR": str(folder / "var"),
        # Tasks the nodes queue go to a queue nobody reads, deleted at the end.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "LOGIN_FAILURE_LIMIT": str(FAILURE_LIMIT),
        "LOGIN_LOCKOUT_BY": "username+ip_address",  # both nodes see 127.0.0.1: lock the account, not the address
        "API_RATE_LIMIT": f"{API_RATE}/min",
        "LOG_LEVEL": "WARNING",
    }


def wait_until_ready(node: Node, log: Path) -> None:
    """Poll the node's readiness probe (the load balancer's question) until it says yes."""
    deadline = monotonic() + STARTUP_SECONDS
    while monotonic() < deadline:
        if node.process.poll() is not None:
            pytest.fail(f"{node.name} exited with {node.process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(node.url + reverse("health_ready"), timeout=15).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or busy starting
            pass
        sleep(0.2)
    pytest.fail(f"{node.name} was not ready within {STARTUP_SECONDS}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def nodes(django_db_setup, django_db_blocker) -> Iterator[tuple[Node, Node]]:
    """Nodes A and B: gunicorn with one sync worker each, on ports of their own; stopped (by pid) after."""
    if connection.vendor != "postgresql":
        pytest.skip("two gunicorn processes need a PostgreSQL test database to share")
    queue = f"charter-test-{uuid.uuid4().hex}"
    with tempfile.TemporaryDirectory(prefix="two-nodes-") as tmp:
        folder = Path(tmp)
        env = node_environment(folder, queue)
        collected = subprocess.run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
                                   cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False)
        assert collected.returncode == 0, collected.stderr[-2000:]
        started: list[tuple[Node, Path]] = []
        try:
            for name in ("A", "B"):
                port, log = free_port(), folder / f"node-{name}.log"
                with log.open("wb") as sink:
                    process = subprocess.Popen(
                        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "1",
                         "--bind", f"{HOST}:{port}", "--log-level", "warning"],
                        cwd=settings.BASE_DIR, env=env, stdout=sink, stderr=subprocess.STDOUT)
                started.append((Node(name, f"http://{HOST}:{port}", process), log))
            for node, log in started:
                wait_until_ready(node, log)
            yield started[0][0], started[1][0]
        finally:
            for node, _ in started:
                node.process.terminate()
            for node, _ in started:
                try:
                    node.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    node.process.kill()
                    node.process.wait()
            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            if keys := list(client.scan_iter(match=f"*{queue}*")):
                client.delete(*keys)


@pytest.fixture
def person(make_user, team, add_member):
    """A member whose password the nodes can check: production's hasher (the tests' fast one is not in its list),
    with few iterations so that a wrong password costs the nodes little (a right one is re-hashed once)."""
    user = make_user("nadia@example.com", "Nadia Node")
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    user.save(update_fields=["password"])
    add_member(team, user, "member")
    return user


def through_proxy() -> requests.Session:
    """A person's browser, reaching the nodes through the TLS-terminating proxy (which says so)."""
    session = requests.Session()
    session.headers["X-Forwarded-Proto"] = "https"
    return session


def as_the_browser_saw(url: str) -> str:
    """The page's address in the browser, https (the proxy's side), for the CSRF check of a form it posts."""
    return url.replace("http://", "https://", 1)


def csrf_token(browser: requests.Session, url: str) -> str:
    page = browser.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def sign_in(browser: requests.Session, node: Node, password: str = PASSWORD) -> requests.Response:
    """The login form on `node`, as a person fills it in; the answer, not followed."""
    login = node.url + reverse("login")
    return browser.post(login, data={"login": "nadia@example.com", "password": password,
                                     "csrfmiddlewaretoken": csrf_token(browser, login)},
                        headers={"Referer": as_the_browser_saw(login)}, allow_redirects=False, timeout=30)


def is_signed_in(browser: requests.Session, node: Node) -> bool:
    answer = browser.get(node.url + reverse("profile"), allow_redirects=False, timeout=30)
    assert answer.status_code in {200, 302}, answer.status_code
    return answer.status_code == 200


def test_a_session_made_on_one_node_is_signed_in_on_the_other(nodes, person):
    a, b = nodes
    browser = through_proxy()

    assert sign_in(browser, a).status_code == 302

    assert is_signed_in(browser, b)
    assert not is_signed_in(through_proxy(), b)  # a stranger is not


def test_a_session_ended_on_one_node_is_refused_by_the_other(nodes, person):
    a, b = nodes
    browser = through_proxy()
    assert sign_in(browser, a).status_code == 302
    assert is_signed_in(browser, a) and is_signed_in(browser, b)  # both nodes have read (and cached) it
    kept = dict(browser.cookies)  # the old cookie, as an attacker who copied it would keep it

    profile = b.url + reverse("profile")
    ended = browser.post(b.url + reverse("account_logout"), data={"csrfmiddlewaretoken": csrf_token(browser, profile)},
                         headers={"Referer": as_the_browser_saw(profile)}, allow_redirects=False, timeout=30)
    assert ended.status_code == 302

    replay = through_proxy()
    replay.cookies.update(kept)
    assert not is_signed_in(replay, a)
    assert not is_signed_in(replay, b)


def test_wrong_passwords_on_either_node_count_together_towards_the_lockout(nodes, person):
    a, b = nodes
    browser = through_proxy()

    answers = [sign_in(browser, node, password="wrong").status_code for node in (a, b, a)]
    right_on_b = sign_in(browser, b)

    # The form again, saying it was wrong; the third wrong one, two of them on A and one on B, locks.
    assert answers == [200, 200, settings.AXES_HTTP_RESPONSE_CODE]
    assert right_on_b.status_code == settings.AXES_HTTP_RESPONSE_CODE  # locked: the right password is refused
    assert "Logging in is paused" in right_on_b.text
    assert not is_signed_in(browser, a)


def test_the_api_rate_per_token_is_counted_across_nodes(nodes, person):
    a, b = nodes
    _, secret = make_token(kind=ApiToken.Kind.PERSONAL, name="Two nodes", user=person,
                           scopes=scopes.every_scope(), expires_at=None)
    headers = {"Authorization": f"Bearer {secret}", "X-Forwarded-Proto": "https"}

    answers = [requests.get(node.url + "/api/v1/me", headers=headers, timeout=30).status_code
               for node in (a, b, a, b)]

    assert answers == [200] * API_RATE + [429]


def test_a_data_export_asked_on_one_node_downloads_from_the_other(nodes, person):
    a, b = nodes
    browser = through_proxy()
    assert sign_in(browser, a).status_code == 302
    profile = a.url + reverse("profile")

    asked = browser.post(a.url + reverse("data_export_request"),
                         data={"csrfmiddlewaretoken": csrf_token(browser, profile)},
                         headers={"Referer": as_the_browser_saw(profile)}, allow_redirects=False, timeout=30)
    assert asked.status_code == 302
    export = DataExport.objects.get(person=person)
    # A worker on any machine builds it (the nodes' own queue has none): here, this process.
    assert data_export.build_export(export.pk)

    download = browser.get(b.url + data_export.download_url(export), timeout=30)

    assert download.status_code == 200
    assert download.headers["Content-Type"] == "application/zip"
    export.refresh_from_db()
    assert download.content == bytes(export.archive)
    assert any(name.endswith("README.md") for name in zipfile.ZipFile(io.BytesIO(download.content)).namelist())


def raw_get(node: Node, request: bytes) -> bytes:
    """The answer's status line and headers to a request written byte for byte, as a load balancer sends it."""
    host, port = node.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conversation:
        conversation.sendall(request)
        answer = b""
        while chunk := conversation.recv(65536):
            answer += chunk
    return answer.split(b"\r\n\r\n", 1)[0]


def test_the_load_balancer_check_is_answered_by_address_over_plain_http(nodes):
    a, b = nodes

    # haproxy's `option httpchk GET /health/ready/`: HTTP/1.0 and no Host header; or a Host that is its address.
    bare = raw_get(a, b"GET /health/ready/ HTTP/1.0\r\n\r\n")
    by_address = raw_get(b, b"GET /health/ready/ HTTP/1.1\r\nHost: 10.0.0.7\r\nConnection: close\r\n\r\n")
    live = raw_get(b, b"GET /health/live/ HTTP/1.1\r\nHost: 10.0.0.7\r\nConnection: close\r\n\r\n")

    assert bare.startswith(b"HTTP/1.1 200 ") or bare.startswith(b"HTTP/1.0 200 "), bare
    assert by_address.startswith(b"HTTP/1.1 200 "), by_address
    assert live.startswith(b"HTTP/1.1 200 "), live
    assert b"set-cookie" not in (bare + by_address + live).lower()
    # A page asked the same way is refused for that Host, and sent to https for the site's own.
    assert raw_get(a, b"GET /accounts/login/ HTTP/1.1\r\nHost: 10.0.0.7\r\nConnection: close\r\n\r\n"
                   ).startswith(b"HTTP/1.1 400 ")
    assert raw_get(a, b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                   ).startswith(b"HTTP/1.1 301 ")
