"""Prometheus metrics: request latency by view, tasks by name and outcome, queue depth, deliveries.

`GET /metrics` answers in Prometheus' text format to `Authorization: Bearer <METRICS_TOKEN>` and is a
404 to everyone else (and to everyone when METRICS_TOKEN is unset), whether signed in or not.

Counters live in the process that counts. gunicorn runs several worker processes and Celery a pool,
so with PROMETHEUS_MULTIPROC_DIR set every process writes its samples to files there and a scrape sums
the node's files (prometheus_client's multiprocess mode; the folder must be emptied when the node
starts). Without it, each process exposes its own. Queue depth is read from the broker at scrape time.
Deliveries are counted where each try ends (`alignment.signals.delivery_tried`): a counter per try,
summable across nodes and rate-able, rather than a count of rows read from the database on every
scrape, which each node would report again and which shrinks when retention deletes rows.

A Celery worker with CELERY_METRICS_PORT set serves its task metrics on that port from its main process
(`start_worker_server`); give a prefork worker a PROMETHEUS_MULTIPROC_DIR too, so that its main process
sees what its pool processes counted.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator

from celery import current_app
from celery import signals as celery_signals
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import NoReverseMatch, reverse
from django.views.decorators.cache import never_cache
from kombu.exceptions import ChannelError
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import GaugeMetricFamily

from alignment.signals import delivery_tried
from config import queues

logger = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "charter_request_duration_seconds", "Time to answer a request, by view, method and status class.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
TASKS = Counter("charter_tasks_total", "Tasks run, by task name and outcome (success, failure, retry…).",
                ["task", "outcome"])
TASK_DURATION = Histogram(
    "charter_task_duration_seconds", "Time a task ran, by task name.", ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0),
)
DELIVERIES = Counter("charter_deliveries_total",
                     "Delivery tries (email, webhook, chat) by channel and outcome: sent or failed.",
                     ["channel", "outcome"])

UNRESOLVED = "unresolved"  # a request no URL matched (404s from the resolver)


# --- Requests ----------------------------------------------------------------------------------------

class MetricsMiddleware:
    """Answer the scraper at `/metrics` ahead of the rest, and time every other request by the view that answered.

    Placed before SecurityMiddleware, CommonMiddleware and the session: a scraper reaches each node by its
    address over plain http, so the scrape is neither redirected to https nor refused for its Host, and it
    reads no session, looks up no user and sets no cookie. The path is the URLconf's (`metrics`), which
    also serves it where this middleware is not installed.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._path: str | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._path is None:  # on the first request: the URLconf is not loaded when middleware is built
            try:
                self._path = reverse("metrics")
            except NoReverseMatch:  # a URLconf without it (a test's own): only the timing is left to do
                self._path = ""
        if request.path == self._path:
            return metrics(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        REQUEST_LATENCY.labels(
            view=match.view_name if match else UNRESOLVED,
            method=request.method if request.method in KNOWN_METHODS else "other",
            status=f"{response.status_code // 100}xx",
        ).observe(time.perf_counter() - started)
        return response


# A label per method a client invents would grow the series without bound.
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


# --- Tasks -------------------------------------------------------------------------------------------

_task_started: dict[str, float] = {}


@celery_signals.task_prerun.connect(dispatch_uid="charter.metrics.prerun")
def _task_starts(task_id: str, **kwargs) -> None:
    _task_started[task_id] = time.perf_counter()


@celery_signals.task_postrun.connect(dispatch_uid="charter.metrics.postrun")
def _task_ends(task_id: str, task, state: str | None = None, **kwargs) -> None:
    started = _task_started.pop(task_id, None)
    TASKS.labels(task=task.name, outcome=(state or "unknown").lower()).inc()
    if started is not None:
        TASK_DURATION.labels(task=task.name).observe(time.perf_counter() - started)


@celery_signals.worker_init.connect(dispatch_uid="charter.metrics.worker_server")
def start_worker_server(**kwargs) -> None:
    """With CELERY_METRICS_PORT set, serve this worker's task metrics on it (a thread of the main process)."""
    port = settings.WORKER_METRICS_PORT
    if port:
        from prometheus_client import start_http_server

        start_http_server(port, addr=settings.WORKER_METRICS_ADDR, registry=exposition_registry(with_queues=False))
        logger.info("task metrics served on %s:%s", settings.WORKER_METRICS_ADDR, port)


# --- Deliveries --------------------------------------------------------------------------------------

def delivery(channel: str, outcome: str) -> None:
    DELIVERIES.labels(channel=channel, outcome=outcome).inc()


def _count_delivery(sender, *, channel: str, outcome: str, **kwargs) -> None:
    delivery(channel, outcome)


delivery_tried.connect(_count_delivery, dispatch_uid="charter.metrics.delivery")


# --- Queue depth, read from the broker at scrape time ------------------------------------------------

def queue_names() -> list[str]:
    """The queues workers consume: every kind's queue in the default queue's namespace, and any others declared."""
    namespace = current_app.conf.task_default_queue
    declared = [queue.name for queue in current_app.conf.task_queues or ()]
    return list(dict.fromkeys([*queues.names(namespace=namespace), *declared]))


class QueueDepthCollector:
    """Messages waiting in each queue (Redis: the length of its lists; the filesystem broker: its files)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("charter_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
        try:
            with current_app.connection_for_read() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
                channel = conn.default_channel
                for name in queue_names():
                    depth.add_metric([name], _waiting(channel, name))
        except Exception as error:  # a scrape must answer; the gap in the series says the broker was away
            logger.warning("queue depth not read: %s: %s", type(error).__name__, error)
            return
        yield depth


def _waiting(channel, name: str) -> int:
    try:
        return channel.queue_declare(queue=name, passive=True).message_count
    except ChannelError:  # never declared, or empty (Redis drops an empty list): nothing waits
        return 0


# --- Exposition --------------------------------------------------------------------------------------

class _ThisProcess:
    """The default registry's metrics, for a registry that adds collectors of its own."""

    def collect(self):
        return REGISTRY.collect()


def exposition_registry(*, with_queues: bool) -> CollectorRegistry:
    """What a scrape reads: the node's processes (multiprocess mode) or this one, and queue depths if asked."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    if with_queues:
        registry.register(QueueDepthCollector())
    return registry


def _bearer_token(request: HttpRequest) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The metrics for the scraper holding METRICS_TOKEN; a 404 for anyone else, so nobody learns it is here.

    Reads neither session nor user: the token alone decides (checked before the method, which would
    otherwise answer 405 and tell that something is here).
    """
    expected = settings.METRICS_TOKEN
    if not expected or not hmac.compare_digest(_bearer_token(request).encode(), expected.encode()):
        raise Http404
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return HttpResponse(generate_latest(exposition_registry(with_queues=True)), content_type=CONTENT_TYPE_LATEST)
