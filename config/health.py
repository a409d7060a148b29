"""Is the service healthy: the database, the cache, the broker, and when beat last ran.

`GET /health/` answers 200 with a JSON report when the database, the cache and the broker answer,
503 otherwise; `?require=beat` also fails when beat's heartbeat is older than
`BEAT_HEARTBEAT_STALE_SECONDS` (docker-compose's beat service checks that). Beat runs
`record_beat_heartbeat` every minute (CELERY_BEAT_SCHEDULE); a worker executes it, so a fresh heartbeat
also says the broker and a worker are moving.

A load balancer (or an orchestrator) asks two cheaper questions, answered by `ProbeMiddleware` ahead of the
rest of the middleware, so that they work for any Host header, over plain http and without a session:

- `GET /health/live/`: the process answers (200, nothing else is checked) — restart it when it does not;
- `GET /health/ready/`: send this node traffic — the database answers a query, every migration this
  code knows is applied, the shared cache and the broker answer, and the node is not draining; otherwise
  503, the body naming what failed.

Neither writes anything, reads a session or looks up a user. Draining is the operator's to announce
(`DRAIN_FILE` exists), not SIGTERM's: on SIGTERM gunicorn closes its listening socket and each sync worker
finishes the request in hand and exits, so no later probe could be answered 503; a connection already
queued for a busy worker is dropped when it exits. So a node is drained first (the file, then a few check
intervals), then stopped.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

HEARTBEAT_KEY = "alignment:beat:heartbeat"


@shared_task(ignore_result=True)
def record_beat_heartbeat() -> None:
    """Beat was here: remember when (the cache is Redis in production, so every web process sees it)."""
    cache.set(HEARTBEAT_KEY, timezone.now().isoformat(), timeout=None)


def beat_last_ran() -> datetime | None:
    value = cache.get(HEARTBEAT_KEY)
    return datetime.fromisoformat(value) if value else None


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, connection.vendor
    except Exception as error:  # reported, never raised: this page says what is wrong
        return False, type(error).__name__


def _cache() -> tuple[bool, str]:
    try:
        cache.set("alignment:health:probe", "ok", timeout=10)
        return cache.get("alignment:health:probe") == "ok", settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    except Exception as error:
        return False, type(error).__name__


def _broker() -> tuple[bool, str]:
    from config.celery import app

    try:
        with app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            return True, conn.transport_cls if isinstance(conn.transport_cls, str) else conn.transport.driver_name
    except Exception as error:
        return False, type(error).__name__


def report(now: datetime | None = None) -> dict:
    now = now or timezone.now()
    checks = {name: check() for name, check in (("database", _database), ("cache", _cache), ("broker", _broker))}
    last = beat_last_ran()
    stale_after = timedelta(seconds=settings.BEAT_HEARTBEAT_STALE_SECONDS)
    beat_ok = last is not None and now - last <= stale_after
    return {
        "ok": all(ok for ok, _ in checks.values()),
        **{name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()},
        "beat": {"ok": beat_ok, "last_ran": last.isoformat() if last else None,
                 "seconds_ago": round((now - last).total_seconds()) if last else None},
    }


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The report as JSON; 503 when something required is down."""
    data = report()
    healthy = data["ok"] and (data["beat"]["ok"] or request.GET.get("require") != "beat")
    return JsonResponse(data, status=200 if healthy else 503)


# Probes for a load balancer ----------------------------------------------------------------------------------


class _Migrations:
    """Whether every migration this process's code knows is applied: asked until it is, then remembered.

    Once applied, a migration stays applied for the life of the process (deploys expand the schema, then
    contract it with the next release), so a ready node does not load the migration graph at every probe.
    """

    applied = False

    @classmethod
    def check(cls) -> tuple[bool, str]:
        if cls.applied:
            return True, "applied"
        try:
            executor = MigrationExecutor(connection)
            unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as error:  # reported, never raised
            return False, type(error).__name__
        if unapplied:
            return False, f"{len(unapplied)} unapplied"
        cls.applied = True
        return True, "applied"


def _shared_cache() -> tuple[bool, str]:
    """The cache answers a read (a probe writes nothing, even to the cache)."""
    try:
        cache.get("alignment:health:probe")
        return True, settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    except Exception as error:
        return False, type(error).__name__


def _not_draining() -> tuple[bool, str]:
    """The operator has not asked the load balancer to take this node out (`DRAIN_FILE` does not exist)."""
    if not settings.DRAIN_FILE:
        return True, "no drain file set"
    if os.path.exists(settings.DRAIN_FILE):
        return False, "draining: the drain file exists"
    return True, "serving"


def readiness() -> dict:
    """Each dependency a node needs to serve pages, and which of them failed."""
    checks = {"drain": _not_draining(), "database": _database()}
    checks["migrations"] = _Migrations.check() if checks["database"][0] else (False, "not asked: no database")
    checks["cache"] = _shared_cache()
    checks["broker"] = _broker()
    failed = [name for name, (ok, _) in checks.items() if not ok]
    return {"ready": not failed, "failed": failed,
            **{name: {"ok": ok, "detail": detail} for name, (ok, detail) in checks.items()}}


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """The process answers; nothing else is asked, so a restart is never caused by a dependency."""
    return JsonResponse({"live": True})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """200 when this node may take traffic; 503 naming what failed otherwise."""
    data = readiness()
    return JsonResponse(data, status=200 if data["ready"] else 503)


class ProbeMiddleware:
    """Answers `/health/live/` and `/health/ready/` before any other middleware runs.

    A load balancer checks a node by its address, over plain http: ahead of SecurityMiddleware and
    CommonMiddleware the probe is not redirected to https nor refused for a Host outside ALLOWED_HOSTS
    (it builds no URL from the Host), and ahead of the session, authentication and CSRF middleware it
    reads no session, looks up no user and sets no cookie. The paths are the URLconf's (`health_live`,
    `health_ready`), so the probes also answer through the URLconf where this middleware is not installed.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._probes: dict[str, Callable[[HttpRequest], HttpResponse]] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = self.probes().get(request.path)
        return probe(request) if probe else self.get_response(request)

    def probes(self) -> dict[str, Callable[[HttpRequest], HttpResponse]]:
        if self._probes is None:  # on the first request: the URLconf is not loaded yet when middleware is built
            try:
                self._probes = {reverse("health_live"): live, reverse("health_ready"): ready}
            except NoReverseMatch:  # a URLconf without them (a test's own): nothing to answer here
                self._probes = {}
        return self._probes
