"""Log lines an operator can follow across nodes: one JSON object per line, each with its request's id.

A load balancer gives every request an `X-Request-ID` (or `RequestIdMiddleware` makes one); the id
is kept in a context variable while the request runs, stamped on each log record by `RequestIdFilter`
and sent back on the response. A task queued meanwhile carries it in its message headers, and the
worker puts it back in the context variable while the task runs, so the task's log lines name the
request that queued it — also when it was queued from `transaction.on_commit`, which runs inside the
request. Logging is configured by Django's LOGGING in every process: the Celery worker keeps it
rather than installing its own handlers (`setup_logging` below). The worker's "Task … received" line
names the request too: Celery's own is written before the message's headers are read, so it is written
again once they are (`_log_received`).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from contextvars import ContextVar, Token
from datetime import UTC, datetime

from celery import signals
from celery.app.trace import LOG_RECEIVED

REQUEST_ID_HEADER = "X-Request-ID"
# The key a task message carries the id under (Celery puts unknown headers on `task.request`).
TASK_HEADER = "request_id"
# What an incoming id may look like: a UUID, a load balancer's hex or base64 token. Anything else (too
# long, a newline that would forge a log line, markup) is replaced rather than logged.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{8,128}")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
# Where the worker says it received a task, as Celery's own line says it (`_log_received`).
received = logging.getLogger("celery.worker.strategy")


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(incoming: str | None) -> str:
    """The incoming id when it is a sane token, else a new one."""
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()


class RequestIdMiddleware:
    """Keep the request's id for its log lines and the tasks it queues; answer with it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        current = accepted_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = current  # for the lines Django writes once the middleware has returned
        token = request_id.set(current)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response[REQUEST_ID_HEADER] = current
        return response


class RequestIdFilter(logging.Filter):
    """Stamp every record with the id of the request (or task) being served, "-" outside one.

    Django logs a 4xx answer ("Not Found: /path") after the middleware has returned, with the request
    on the record: its id is taken from there.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        logged_request = getattr(record, "request", None)
        record.request_id = request_id.get() or getattr(logged_request, "request_id", None) or "-"
        return True


class CeleryReceivedLineFilter(logging.Filter):
    """Leave out Celery's "Task … received" line: it is written before anything of the message can be read, so it
    could not name the request that queued the task. `_log_received` writes it again, with the request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg is not LOG_RECEIVED or getattr(record, "said_again", False)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, and the exception if any."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id.get() or "-",
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, json_lines: bool, level: str) -> dict:
    """Django's LOGGING: every record to stderr through the request-id filter, as JSON or as plain text."""
    formatter = {"()": JsonFormatter} if json_lines else {"format": PLAIN_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}, "celery_received": {"()": CeleryReceivedLineFilter}},
        "formatters": {"line": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["celery_received", "request_id"],
                                 "formatter": "line"}},
        "root": {"handlers": ["console"], "level": level},
        # Django's own loggers propagate to the root, and its default console handler (DEBUG only) is
        # replaced by ours so no line is printed twice or unformatted.
        "loggers": {"django": {"handlers": [], "propagate": True}},
    }


# --- Carried into tasks ------------------------------------------------------------------------------

_task_tokens: dict[str, Token] = {}


@signals.before_task_publish.connect(dispatch_uid="charter.request_id.publish")
def _put_request_id_in_message(headers: dict | None = None, **kwargs) -> None:
    current = request_id.get()
    if current and headers is not None:
        headers.setdefault(TASK_HEADER, current)


@signals.task_received.connect(dispatch_uid="charter.request_id.received")
def _log_received(request, **kwargs) -> None:
    """The worker's "Task … received" line, with the id of the request that queued the task (Celery's own line is
    left out: `CeleryReceivedLineFilter`)."""
    carried = request.request_dict.get(TASK_HEADER)
    token = request_id.set(carried) if carried else None
    context = {"id": request.id, "name": request.name, "args": request.argsrepr, "kwargs": request.kwargsrepr,
               "eta": request.eta}
    try:
        received.info(LOG_RECEIVED, context, extra={"data": context, "said_again": True})
    finally:
        if token is not None:
            request_id.reset(token)


@signals.task_prerun.connect(dispatch_uid="charter.request_id.prerun")
def _take_request_id_from_message(task_id: str, task, **kwargs) -> None:
    """The queuing request's id for the task's log lines; an eager task keeps the id of the request it runs in."""
    carried = getattr(task.request, TASK_HEADER, None)
    if carried:
        _task_tokens[task_id] = request_id.set(carried)


@signals.task_postrun.connect(dispatch_uid="charter.request_id.postrun")
def _forget_request_id(task_id: str, **kwargs) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)


@signals.setup_logging.connect(dispatch_uid="charter.logging")
def _keep_django_logging(**kwargs) -> None:
    """A receiver here tells Celery not to configure logging: Django's LOGGING already did, for every process."""
