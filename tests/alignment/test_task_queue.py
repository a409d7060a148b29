"""Queueing a task by name finds it in any process, also one that never imported the task's module."""

from __future__ import annotations

import sys

from celery import current_app

from alignment import task_queue

NAME = "transfer.tasks.build_organisation_export"


def test_a_task_whose_module_this_process_never_imported_is_found_by_its_name(monkeypatch):
    registered = dict(current_app.tasks)
    for name in [name for name in registered if name.startswith("transfer.tasks.")]:  # as if never imported
        monkeypatch.delitem(current_app.tasks, name)
    monkeypatch.delitem(sys.modules, "transfer.tasks", raising=False)
    try:
        task = task_queue._task(NAME)
    finally:
        current_app.tasks.update(registered)

    assert task.name == NAME
