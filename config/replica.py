"""Reads from the read replica, only where a few seconds' staleness is harmless; everything else on the primary.

With `DATABASE_REPLICA_URL` set, `DATABASES["replica"]` is a PostgreSQL streaming replica. Its data can lag
behind the primary, so nothing reads from it by default: the router sends a read there only while an
allowlisted page (`REPLICA_VIEWS`, GET and HEAD) or task (`REPLICA_TASKS`) runs, and even then

- never a model of `PRIMARY_APPS` or `PRIMARY_MODELS` (sign-in, sessions, deliveries, the rows a task claims: what
  says who is signed in, or what has been claimed or sent); nor what says who may read, which the permissions
  read on the primary themselves (`alignment.permissions.WHO_MAY_READ`), while the page's own memberships and
  teams may come from here;
- never for a person who wrote in the last `READ_YOUR_WRITES_SECONDS` (any POST, PUT, PATCH or DELETE, refused
  or not, leaves a signed cookie with its time: no server state, so any web node honours it);
- never inside a transaction on the primary (what is read there is read to be written);
- never when the replica was last found down, or lagging more than `REPLICA_MAX_LAG_SECONDS`. Each process asks
  it at most every `CHECK_EVERY` and keeps the answer; a change of state is logged once, not per request.

A query that fails on the replica marks it down for the process, and an allowlisted page is drawn again from
the primary. Writes always go to the primary, migrations never run on the replica.

With `DATABASE_READS_HEADER` on, each response says where its reads went (`X-Database-Reads: replica` when at
least one query ran on the replica, `primary` otherwise): how the cluster test checks the replica serves only
what is safe.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery import signals
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

logger = logging.getLogger(__name__)

PRIMARY = "default"
REPLICA = "replica"

# The one list of what may read from the replica: read-only pages whose readers can live with data a few seconds
# old (maps, trends, history, exports), and tasks that summarise rather than decide. Review an addition here as
# you would a permission: whatever it reads may be seconds old, and whatever it decides from that must not matter.
REPLICA_VIEWS = frozenset({
    "organisation",  # the organisation's alignment map; its search, filters and pages are the same URL
    "checkins:trends",
    "charters:history",
    "charters:diff",  # two versions of the charter side by side
    "transfer:export_decisions",
    "transfer:export_key_result_history",
    "transfer:export_commitments",
    "transfer:export_checkins",
})
REPLICA_TASKS = frozenset({
    "alignment.tasks.build_data_export",  # "Download my data": the zip (the request it claims stays on the primary)
    "transfer.tasks.build_organisation_export",  # the organisation as JSON (its claimed row stays on the primary)
    "checkins.tasks.send_due_digests",  # the leaders' weekly digests (what was delivered stays on the primary)
})
# Read from the primary even inside an allowlisted page or task: who is signed in and may do what, and the rows
# that say what was claimed, sent or delivered (a stale one would send twice, or lose a just-asked export).
PRIMARY_APPS = frozenset({"admin", "auth", "contenttypes", "sessions", "axes", "account", "mfa", "socialaccount",
                          "usersessions", "notifications", "chat"})
PRIMARY_MODELS = frozenset({settings.AUTH_USER_MODEL.lower(), "alignment.dataexport", "transfer.organisationexport"})

CHECK_EVERY = timedelta(seconds=2)
COOKIE = "wrote"
_SALT = "config.replica.wrote"
_SAFE_METHODS = frozenset({"GET", "HEAD"})


def configured() -> bool:
    return REPLICA in settings.DATABASES


# Where this request's or task's reads go ------------------------------------------------------------------------

@dataclass
class _Reads:
    """The reads of one request or task: whether they may go to the replica, and what happened there."""

    on_replica: bool = False
    queries: int = 0  # run on the replica
    failed: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("replica_reads", default=None)


@contextlib.contextmanager
def reading_from_replica() -> Iterator[_Reads]:
    """Let the reads of the block go to the replica, when it is configured and usable; the primary otherwise (and
    inside a transaction on the primary, where nothing is asked of the replica, not even how it is).

    A query that fails there marks the replica down for this process before the error is raised."""
    reads = _Reads(on_replica=configured() and not connections[PRIMARY].in_atomic_block and replica_usable())
    token = _reads.set(reads)
    try:
        if reads.on_replica:
            with connections[REPLICA].execute_wrapper(_counted(reads)):
                yield reads
        else:
            yield reads
    finally:
        _reads.reset(token)


def _counted(reads: _Reads):
    def wrapper(execute, sql, params, many, context):
        reads.queries += 1
        try:
            return execute(sql, params, many, context)
        except (OperationalError, InterfaceError) as exc:
            reads.failed = True
            mark_down(exc)
            raise

    return wrapper


class ReplicaRouter:
    """Reads to the replica inside `reading_from_replica()`, for models not kept on the primary; all else default."""

    def db_for_read(self, model, **hints):
        reads = _reads.get()
        if (reads is not None and reads.on_replica and not reads.failed and _may_read_on_replica(model)
                and not connections[PRIMARY].in_atomic_block):
            return REPLICA
        return PRIMARY if _from_replica(hints) else None  # a row read on the replica reads its relations on default

    def db_for_write(self, model, **hints):
        return PRIMARY if _from_replica(hints) else None  # a row read on the replica is saved on the primary

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data, whichever copy it was read from

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None  # the replica follows the primary's schema by replication


def _may_read_on_replica(model) -> bool:
    meta = model._meta
    return meta.app_label not in PRIMARY_APPS and meta.label_lower not in PRIMARY_MODELS


def _from_replica(hints: dict) -> bool:
    instance = hints.get("instance")
    return instance is not None and instance._state.db == REPLICA


# Is the replica usable: up, and not lagging ---------------------------------------------------------------------

@dataclass
class _Health:
    usable: bool = False
    checked_at: datetime | None = None
    reason: str = "not checked yet"


_health = _Health()
_checking = threading.Lock()


def replica_usable() -> bool:
    """Whether the replica answered its last check with a lag under `REPLICA_MAX_LAG_SECONDS`, checked again when
    that answer is older than `CHECK_EVERY` (by one thread of the process; the others keep the last answer)."""
    now = timezone.now()
    if _health.checked_at is not None and now - _health.checked_at < CHECK_EVERY:
        return _health.usable
    if not _checking.acquire(blocking=False):
        return _health.usable
    try:
        try:
            lag = replica_lag()
        except Exception as exc:  # whatever keeps the replica from answering, the primary answers instead
            _record(now, usable=False, reason=f"down: {exc}".strip())
            _close_replica()
        else:
            limit = settings.REPLICA_MAX_LAG_SECONDS
            _record(now, usable=lag <= limit, reason=f"lagging {lag:.1f} s behind (over {limit} s)")
    finally:
        _checking.release()
    return _health.usable


def mark_down(exc: Exception) -> None:
    """The replica failed mid-query: read from the primary until the next check finds it back."""
    _record(timezone.now(), usable=False, reason=f"failed: {exc}".strip())
    _close_replica()


def _record(now: datetime, *, usable: bool, reason: str) -> None:
    was = _health.usable if _health.checked_at is not None else None
    _health.usable, _health.checked_at, _health.reason = usable, now, reason
    if usable and was is False:
        logger.info("read replica usable again: its reads go back to it")
    elif not usable and was is not False:
        logger.warning("read replica %s: reading from the primary", reason)


def _close_replica() -> None:
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


def replica_lag(primary=None, replica=None) -> float:
    """How many seconds of the primary's writes the replica has not replayed yet (0 when it has them all).

    The primary's position is read first: a replica that has replayed up to it holds every write committed before
    the check. Behind it, the lag is the age of the last transaction replayed; on an idle primary that age grows
    while nothing is missing, which is why the positions are compared first. A replica not in recovery (promoted,
    or the test suite's mirror of the primary) has no lag. `primary` and `replica`: connections, the configured
    ones by default."""
    with (primary or connections[PRIMARY]).cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        primary_position = cursor.fetchone()[0]
    with (replica or connections[REPLICA]).cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()), "
                       "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())",
                       [primary_position])
        in_recovery, bytes_behind, replay_age = cursor.fetchone()
    return lag_seconds(in_recovery=in_recovery, bytes_behind=bytes_behind, replay_age=replay_age)


def lag_seconds(*, in_recovery: bool, bytes_behind, replay_age) -> float:
    if not in_recovery or bytes_behind is None or bytes_behind <= 0:
        return 0.0
    return float("inf") if replay_age is None else max(float(replay_age), 0.0)


# Read your writes: a signed cookie with the time of the person's last write ----------------------------------------

def wrote_recently(request: HttpRequest) -> bool:
    wrote_at = request.get_signed_cookie(COOKIE, default=None, salt=_SALT)
    try:
        wrote_at = float(wrote_at)
    except (TypeError, ValueError):
        return False
    return timezone.now().timestamp() - wrote_at < settings.READ_YOUR_WRITES_SECONDS


def remember_write(response: HttpResponse) -> None:
    response.set_signed_cookie(COOKIE, str(timezone.now().timestamp()), salt=_SALT,
                               max_age=settings.READ_YOUR_WRITES_SECONDS, secure=settings.SESSION_COOKIE_SECURE,
                               httponly=True, samesite="Lax")


# The web side -----------------------------------------------------------------------------------------------------

class ReplicaReadsMiddleware:
    """Allowlisted GET and HEAD requests read from the replica; a writer's next reads come from the primary."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not configured():
            response = self.get_response(request)
            self._report(response, None)
            return response
        with contextlib.ExitStack() as stack:
            request.replica_reads = stack
            response = self.get_response(request)
            reads = _reads.get()
            if response.streaming and reads is not None and reads.on_replica:
                response.streaming_content = _streamed_on_replica(response.streaming_content)
            self._report(response, reads)
        if request.method not in _SAFE_METHODS:
            remember_write(response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (configured() and request.method in _SAFE_METHODS and request.resolver_match.view_name in REPLICA_VIEWS
                and not wrote_recently(request)):
            request.replica_reads.enter_context(reading_from_replica())
            request.replica_view = (view_func, view_args, view_kwargs)

    def process_exception(self, request, exception):
        """A page drawn from the replica that lost it mid-request is drawn again from the primary (it only reads)."""
        reads = _reads.get()
        if reads is None or not reads.on_replica or not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if not reads.failed:  # a connection refused before any query ran
            reads.failed = True
            mark_down(exception)
        reads.on_replica = False
        view_func, view_args, view_kwargs = request.replica_view
        response = view_func(request, *view_args, **view_kwargs)
        return response.render() if hasattr(response, "render") and callable(response.render) else response

    def _report(self, response, reads: _Reads | None) -> None:
        if settings.DATABASE_READS_HEADER:
            on_replica = reads is not None and reads.queries > 0 and not reads.failed
            response["X-Database-Reads"] = REPLICA if on_replica else "primary"


def _streamed_on_replica(chunks):
    """A download's rows, read from the replica as its page was, while the server sends them."""
    chunks = iter(chunks)
    while True:
        with reading_from_replica():
            try:
                chunk = next(chunks)
            except StopIteration:
                return
        yield chunk


# The tasks' side ----------------------------------------------------------------------------------------------------

_task_reads: dict[str, contextlib.ExitStack] = {}


@signals.task_prerun.connect
def _task_starts(sender=None, task_id=None, **kwargs):
    if sender is not None and sender.name in REPLICA_TASKS and configured():
        stack = contextlib.ExitStack()
        stack.enter_context(reading_from_replica())
        _task_reads[task_id] = stack


@signals.task_postrun.connect
def _task_ends(sender=None, task_id=None, **kwargs):
    stack = _task_reads.pop(task_id, None)
    if stack is not None:
        stack.close()
