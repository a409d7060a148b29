"""Queue a task by name, so that the services that queue it need not import it.

Tasks call services (ids in, a service called); if the services imported the tasks back, the
two modules would import each other. A Celery message names its task anyway: naming it keeps
every arrow pointing from `tasks` to `services`. Each app names its own tasks beside its
services (`notifications/queue.py`, `alignment.services.SEND_INVITATION`).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from celery import current_app
from django.db import transaction


def now(task_name: str, ids: Iterable[int]) -> None:
    """Queue `task_name` once for each id, at once."""
    task = current_app.tasks[task_name]
    for pk in ids:
        task.delay(pk)


def after_commit(task_name: str, ids: Iterable[int]) -> None:
    """Queue `task_name` once for each id when the current transaction commits (never for a rollback).

    Robust: what is queued this way is recorded in a row a sweep finds unsent, so a broker that is
    away when the transaction commits is logged and never fails the request whose work committed.
    """
    for pk in ids:
        transaction.on_commit(partial(now, task_name, [pk]), robust=True)
