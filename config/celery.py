"""The Celery app: settings under the CELERY_ namespace, tasks found in every app."""

from __future__ import annotations

import os

from celery import Celery

# Their handlers of Celery's signals, in every process that loads the app: the request id carried into
# tasks, the task metrics, and the worker keeping Django's logging.
from config import logs, metrics  # noqa: F401

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
