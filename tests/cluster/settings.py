"""The app's settings with the scheduler sped up, for every process of the cluster test.

Beat's schedule is the app's own, with the entries the test watches (reminders, rollovers, the outbox
sweeps, the heartbeat) run every few seconds instead of minutes, so that they run many times while
nodes die. Every other setting comes from the environment the test gives, as in production.
"""

from __future__ import annotations

from config.settings import *  # noqa: F403
from config.settings import CELERY_BEAT_SCHEDULE as APP_SCHEDULE

# Often enough that beat's work is spread over the load and the faults.
SCHEDULE_SECONDS = 3.0
WATCHED = {
    "checkins.tasks.dispatch_due_reminders", "reviews.tasks.roll_over_due_cycles",
    "notifications.tasks.send_unsent_emails", "notifications.tasks.send_due_webhooks",
    "notifications.tasks.release_held_emails", "config.health.record_beat_heartbeat",
}

CELERY_BEAT_SCHEDULE = {
    name: {**entry, "schedule": SCHEDULE_SECONDS, "options": {**entry.get("options", {}), "expires": SCHEDULE_SECONDS * 2}}
    if entry["task"] in WATCHED else entry
    for name, entry in APP_SCHEDULE.items()
}
