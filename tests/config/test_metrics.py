"""/metrics: Prometheus' text for the scraper's token alone; requests, tasks, queues and deliveries counted."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.urls import path, reverse
from prometheus_client.parser import text_string_to_metric_families

from alignment import services
from alignment.tasks import send_password_reset_email
from config.celery import app
from tests.celery_worker import running_worker
from tests.config.test_settings import LEAKY
from tests.loopback import free_port

pytestmark = pytest.mark.django_db

TOKEN = "scrape-0f9e8d7c6b5a4932"  # noqa: S105 - the test's own
WORKER_TIMEOUT = 30  # seconds

Samples = dict[tuple[str, frozenset], float]


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return TOKEN


def parse(text: str) -> Samples:
    return {(sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def scrape(client) -> Samples:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return parse(response.content.decode())


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


# Who gets an answer ---------------------------------------------------------------------------------------


def test_the_scraper_with_the_token_gets_prometheus_text(client, token):
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "# TYPE charter_request_duration_seconds histogram" in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("authorization", [None, "Bearer wrong-token-0000000", f"Basic {TOKEN}", "Bearer ",
                                           f"Bearer {TOKEN}x"])
def test_a_missing_or_wrong_token_gets_the_sites_404(client, token, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}

    response = client.get("/metrics", **headers)

    assert response.status_code == 404
    assert b"charter_" not in response.content


def test_without_a_token_configured_nobody_gets_them(client, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 404


def test_a_signed_in_person_is_no_scraper(login, leader, token):
    assert login(leader).get("/metrics").status_code == 404


def test_another_method_is_refused_only_to_the_token_holder(client, token):
    assert client.post("/metrics").status_code == 404
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 405


def test_a_scrape_reads_no_session_and_sets_no_cookie(client, token, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_a_node_is_scraped_by_its_address_over_plain_http(client, token, settings):
    """No redirect to https, no refusal of a Host outside ALLOWED_HOSTS: Prometheus scrapes each node directly."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["charter.example.com"]

    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="10.0.3.7:8000")

    assert response.status_code == 200


def test_the_url_is_named(token):
    assert reverse("metrics") == "/metrics"


# What is counted -----------------------------------------------------------------------------------------


def test_a_request_is_in_the_latency_histogram_by_view_method_and_status(client, token):
    before = scrape(client)

    assert client.get(reverse("login")).status_code == 200
    client.get("/no-such-page/")

    after = scrape(client)
    page = {"view": "login", "method": "GET", "status": "2xx"}
    assert value(after, "charter_request_duration_seconds_count", **page) == value(
        before, "charter_request_duration_seconds_count", **page) + 1
    assert value(after, "charter_request_duration_seconds_sum", **page) > value(
        before, "charter_request_duration_seconds_sum", **page)
    missing = {"view": "unresolved", "method": "GET", "status": "4xx"}
    assert value(after, "charter_request_duration_seconds_count", **missing) == value(
        before, "charter_request_duration_seconds_count", **missing) + 1


def test_a_scrape_is_not_timed_as_a_request(client, token):
    before = scrape(client)
    after = scrape(client)

    assert not any(name == "charter_request_duration_seconds_count" and ("view", "metrics") in labels
                   for name, labels in after)
    assert sum(v for (name, _), v in after.items() if name == "charter_request_duration_seconds_count") == sum(
        v for (name, _), v in before.items() if name == "charter_request_duration_seconds_count")


def test_a_task_run_is_counted_by_name_and_outcome(client, token):
    """Tests run tasks inline (eager); the same signals count them in a worker (the real-worker test below)."""
    from alignment.tasks import purge_audit_trail

    name = "alignment.tasks.purge_audit_trail"
    before = scrape(client)

    purge_audit_trail.delay()

    after = scrape(client)
    assert value(after, "charter_tasks_total", task=name, outcome="success") == value(
        before, "charter_tasks_total", task=name, outcome="success") + 1
    assert value(after, "charter_task_duration_seconds_count", task=name) == value(
        before, "charter_task_duration_seconds_count", task=name) + 1


def test_a_failed_task_is_counted_as_a_failure(client, token, make_user, mail_relay):
    name = "alignment.tasks.send_password_reset_email"
    make_user("forgetful@example.com")
    mail_relay.down()
    app.conf.task_eager_propagates = False  # the failure is recorded in its result, not raised here
    before = scrape(client)
    from alignment.tasks import send_password_reset_email

    try:
        send_password_reset_email.apply(args=["forgetful@example.com"], retries=5)  # its last try: no retry
    finally:
        app.conf.task_eager_propagates = True

    after = scrape(client)
    assert value(after, "charter_tasks_total", task=name, outcome="failure") == value(
        before, "charter_tasks_total", task=name, outcome="failure") + 1


def test_queue_depth_is_read_from_the_broker(client, token):
    """Messages published to a queue and not consumed (no worker on it) are its depth, on the configured
    broker: the real Redis with REDIS_URL, the filesystem broker without."""
    queue = f"charter-test-depth-{os.getpid()}-{time.monotonic_ns()}"
    previous = app.conf.task_default_queue
    app.conf.task_default_queue, app.conf.task_always_eager = queue, False  # published, not run inline
    try:
        assert value(scrape(client), "charter_queue_depth", queue=queue) == 0
        for _ in range(3):
            app.send_task("alignment.tasks.purge_audit_trail", queue=queue)

        samples = scrape(client)
        assert value(samples, "charter_queue_depth", queue=queue) == 3
        # Every kind's queue of the namespace is reported, the empty ones as 0 (config/queues.py).
        assert {labels for name, labels in samples if name == "charter_queue_depth"} >= {
            frozenset({("queue", f"{queue}.{kind}")}) for kind in ("mail", "webhooks", "schedule", "exports")}
        assert value(samples, "charter_queue_depth", queue=f"{queue}.mail") == 0
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager = previous, True
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)


def test_an_email_sent_and_one_failed_are_counted(client, token, team, leader, mailoutbox, mail_relay):
    sent_before = value(scrape(client), "charter_deliveries_total", channel="email", outcome="sent")
    failed_before = value(scrape(client), "charter_deliveries_total", channel="email", outcome="failed")
    delivered, _ = services.invite(team=team, email="first@example.com", roles=["member"], actor=leader)
    undelivered, _ = services.invite(team=team, email="second@example.com", roles=["member"], actor=leader)

    assert services.email_invitation(delivered.pk)
    mail_relay.down()  # a relay that is not there: nothing listens on its port
    with pytest.raises(ConnectionRefusedError):
        services.email_invitation(undelivered.pk)

    after = scrape(client)
    assert len(mailoutbox) == 1
    assert value(after, "charter_deliveries_total", channel="email", outcome="sent") == sent_before + 1
    assert value(after, "charter_deliveries_total", channel="email", outcome="failed") == failed_before + 1


def test_a_password_reset_email_sent_and_one_failed_are_counted(client, token, make_user, mailoutbox, mail_relay):
    make_user("nadia@example.com")
    sent_before = value(scrape(client), "charter_deliveries_total", channel="email", outcome="sent")
    failed_before = value(scrape(client), "charter_deliveries_total", channel="email", outcome="failed")

    send_password_reset_email("nadia@example.com")
    mail_relay.down()
    with pytest.raises(ConnectionRefusedError):
        send_password_reset_email("nadia@example.com")

    after = scrape(client)
    assert len(mailoutbox) == 1
    assert value(after, "charter_deliveries_total", channel="email", outcome="sent") == sent_before + 1
    assert value(after, "charter_deliveries_total", channel="email", outcome="failed") == failed_before + 1


# A real worker serves its own task metrics ---------------------------------------------------------------


def worker_samples(port: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:  # noqa: S310
        return parse(response.read().decode())


@pytest.mark.redis
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                    reason="DATABASE_URL is not set: a Celery worker process cannot see the SQLite test database")
@pytest.mark.django_db(transaction=True)
def test_a_worker_serves_the_counts_of_the_tasks_it_ran(tmp_path):
    port = free_port()
    name = "alignment.tasks.purge_audit_trail"
    with running_worker(tmp_path, CELERY_METRICS_PORT=str(port), CELERY_METRICS_ADDR="127.0.0.1") as worker:
        app.send_task(name, queue=worker.queue)
        deadline = time.monotonic() + WORKER_TIMEOUT
        samples: Samples = {}
        while time.monotonic() < deadline and not value(samples, "charter_tasks_total", task=name,
                                                       outcome="success"):
            if worker.process.poll() is not None:
                pytest.fail(f"the worker exited with {worker.process.returncode}:\n{worker.log()}")
            with contextlib.suppress(OSError):  # not listening yet
                samples = worker_samples(port)
            time.sleep(0.1)

    assert value(samples, "charter_tasks_total", task=name, outcome="success") == 1, worker.log()
    assert value(samples, "charter_task_duration_seconds_count", task=name) == 1
    # The worker's page has its tasks, not the queues (any web node reads those from the broker).
    assert not any(metric == "charter_queue_depth" for metric, _ in samples)


# A node's gunicorn processes, summed ------------------------------------------------------------------------


def test_a_nodes_worker_processes_are_summed_in_multiprocess_mode(tmp_path):
    """gunicorn replaces its worker after 5 requests here, so 10 requests are served by two processes (and the
    scrape by a third): with PROMETHEUS_MULTIPROC_DIR, any of them answers with all of the node's counts."""
    port, folder = free_port(), tmp_path / "prometheus"
    folder.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in LEAKY}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", DEBUG="true", METRICS_TOKEN=TOKEN,
               PROMETHEUS_MULTIPROC_DIR=str(folder), SQLITE_PATH=str(tmp_path / "db.sqlite3"),
               VAR_DIR=str(tmp_path / "var"))
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    base = f"http://127.0.0.1:{port}"
    with (tmp_path / "gunicorn.log").open("wb") as log:
        process = subprocess.Popen([gunicorn, "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                    "--max-requests", "5"], env=env, cwd=settings.BASE_DIR, stdout=log,
                                   stderr=subprocess.STDOUT)
    try:
        wait_until_listening(process, port, tmp_path / "gunicorn.log")
        for _ in range(10):
            with contextlib.suppress(urllib.error.HTTPError):
                urllib.request.urlopen(f"{base}/no-such-page/", timeout=10)  # noqa: S310 - 404, counted
        scrape_request = urllib.request.Request(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        with urllib.request.urlopen(scrape_request, timeout=10) as response:  # noqa: S310
            samples = parse(response.read().decode())
    finally:
        process.terminate()
        process.wait(timeout=30)

    assert len(list(folder.glob("*.db"))) > 1  # one file per process that counted
    missing = {"view": "unresolved", "method": "GET", "status": "4xx"}
    assert value(samples, "charter_request_duration_seconds_count", **missing) == 10


def wait_until_listening(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not listen within 60s:\n{log.read_text(errors='replace')}")


def _plain_page(request):
    return HttpResponse("a page of a URLconf without /metrics")


# A URLconf of this module's own, without the scrape's route (a test's or a tool's URLconf may be one).
urlpatterns = [path("plain/", _plain_page, name="plain")]


def test_a_urlconf_without_the_scrape_still_serves_its_pages(client, settings, token):
    settings.ROOT_URLCONF = __name__
    response = client.get("/plain/")
    assert response.status_code == 200
    assert response.content == b"a page of a URLconf without /metrics"
