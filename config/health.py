"""Is the service healthy: the database, the cache, the broker, and when beat last ran.

`GET /health/` answers 200 with a JSON report when the database, the cache and the broker answer,
503 otherwise; `?require=beat` also fails when beat's heartbeat is older than
`BEAT_HEARTBEAT_STALE_SECONDS` (docker-compose's beat service checks that). Beat runs
`record_beat_heartbeat` every minute (CELERY_BEAT_SCHEDULE); a worker executes it, so a fresh heartbeat
also says the broker and a worker are moving.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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
