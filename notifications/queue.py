"""The names of this app's tasks, which its services queue (`alignment.task_queue`: by name, not by import)."""

from __future__ import annotations

from alignment.task_queue import after_commit, now

__all__ = ["SEND_EMAIL", "SEND_WEBHOOK", "after_commit", "now"]

SEND_EMAIL = "notifications.tasks.send_notification_email"
SEND_WEBHOOK = "notifications.tasks.send_webhook"
