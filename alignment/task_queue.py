"""Queue a task by name, so that the services that queue it need not import it.

Tasks call services (ids in, a service called); if the services imported the tasks back, the
two modules would import each other. A Celery message names its task anyway: naming it keeps
every arrow pointing from `tasks` to `services`. Each app names its own tasks beside its
services (`notifications/queue.py`, `alignment.services.SEND_INVITATION`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from importlib import import_module

from celery import current_app
from celery.exceptions import NotRegistered
from django.db import transaction


def _task(task_name: str):
    """The task named `task_name` ("app.tasks.name"), importing its module if this process has not yet.

    A worker imports every app's tasks when it starts; a web process only has those some module imported, so
    a task queued by name from there (an export asked on a page) is found by importing its module.
    """
    try:
        return current_app.tasks[task_name]
    except NotRegistered:
        import_module(task_name.rpartition(".")[0])
        return current_app.tasks[task_name]


def now(task_name: str, ids: Iterable[int]) -> None:
    """Queue `task_name` once for each id, at once."""
    task = _task(task_name)
    for pk in ids:
        task.delay(pk)


def after_commit(task_name: str, ids: Iterable[int]) -> None:
    """Queue `task_name` once for each id when the current transaction commits (never for a rollback).

    Robust: what is queued this way is recorded in a row a sweep finds unsent, so a broker that is
    away when the transaction commits is logged and never fails the request whose work committed.
    """
    for pk in ids:
        transaction.on_commit(partial(now, task_name, [pk]), robust=True)
