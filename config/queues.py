"""Which queue each Celery task goes to, so a slow kind of work never holds up another.

Five kinds of work, each on its own queue, so each can have workers of its own (docker-compose.yml
runs `worker-mail` apart from `worker-default`):

- `mail`: every task that sends e-mail or sweeps up unsent e-mail. An SMTP relay that answers in
  ten seconds fills this queue, and only this one.
- `webhooks`: posts to webhooks and chat (Slack, Mattermost); slow or failing peers stay here.
- `schedule`: the scheduler's rounds (reminders, nudges, digests, rollovers, consent rounds, triggers)
  and beat's heartbeat. They decide what is owed and queue its e-mail on `mail`, so a slow relay never
  delays a rollover, and a stale heartbeat means this queue is not moving.
- `exports`: building, finishing and purging data exports and organisation exports (big, slow, rare).
- `default`: the rest, mostly retention and erasure jobs that beat runs once a day, and the organisation
  map's cross-team signals worked out again after a change (and changes to them a dead process left).

The queues are named from one namespace, the default queue's name (`CELERY_TASK_DEFAULT_QUEUE`,
`celery` unless set): `celery`, `celery.mail`, `celery.webhooks`, `celery.schedule`, `celery.exports`.
A test's or a benchmark's own namespace thus keeps every queue of it apart from everyone else's.

`python -m config.queues mail schedule` prints the names of those kinds, comma-separated, for
`celery worker -Q`; a worker started without `-Q` consumes every queue (`CELERY_TASK_QUEUES`).
"""

from __future__ import annotations

import sys

from kombu import Exchange, Queue

from config.env import env_str

NAMESPACE_SETTING = "CELERY_TASK_DEFAULT_QUEUE"
DEFAULT_NAMESPACE = "celery"
ALL_KINDS = ("default", "mail", "webhooks", "schedule", "exports")

# Every task the project defines, and its kind. tests/config/test_queues.py fails when a task is
# missing here, so a new task cannot land on a queue by accident.
ROUTES: dict[str, str] = {
    # E-mail, and the sweeps that queue e-mail decided but not sent.
    "notifications.tasks.send_notification_email": "mail",
    "notifications.tasks.send_unsent_emails": "mail",
    "notifications.tasks.release_held_emails": "mail",
    "alignment.tasks.send_invitation_email": "mail",
    "alignment.tasks.send_unsent_invitations": "mail",
    "alignment.tasks.send_password_reset_email": "mail",
    "alignment.tasks.email_data_export": "mail",
    "alignment.tasks.email_erasure_notice": "mail",
    "alignment.tasks.send_unsent_erasure_notices": "mail",
    # Posts to other servers.
    "notifications.tasks.send_webhook": "webhooks",
    "notifications.tasks.send_due_webhooks": "webhooks",
    "chat.tasks.send_message": "webhooks",
    "chat.tasks.send_due_chat_messages": "webhooks",
    # The scheduler's rounds: each decides what is owed now and queues its messages elsewhere.
    "checkins.tasks.dispatch_due_reminders": "schedule",
    "checkins.tasks.send_due_digests": "schedule",
    "checkins.tasks.nudge_due_commitments": "schedule",
    "charters.tasks.run_consent_rounds": "schedule",
    "reviews.tasks.roll_over_due_cycles": "schedule",
    "reviews.tasks.remind_review_sessions": "schedule",
    "reviews.tasks.fire_review_triggers": "schedule",
    "asks.tasks.remind_consult_asks": "schedule",
    "config.health.record_beat_heartbeat": "schedule",
    # Exports: minutes of work each, never in front of a reminder.
    "alignment.tasks.build_data_export": "exports",
    "alignment.tasks.finish_data_exports": "exports",
    "alignment.tasks.purge_data_exports": "exports",
    "transfer.tasks.build_organisation_export": "exports",
    "transfer.tasks.finish_organisation_exports": "exports",
    "transfer.tasks.purge_organisation_exports": "exports",
    # Daily deletions in batches. Not `schedule`, though they use its retry policy: a long purge
    # must not sit in front of a rollover.
    "reviews.tasks.purge_closed_cycles": "default",
    "alignment.tasks.purge_audit_trail": "default",
    "alignment.tasks.erase_due_accounts": "default",
    "alignment.tasks.erase_expired_words": "default",
    # Pages' shared parts worked out after a change, off the reader's request.
    "charters.tasks.refresh_map_signals": "default",
    "charters.tasks.apply_lost_map_changes": "default",
}


def configured_namespace() -> str:
    """The namespace the settings read from the environment (what `celery worker` and beat use)."""
    return env_str(NAMESPACE_SETTING, DEFAULT_NAMESPACE) or DEFAULT_NAMESPACE


def name(kind: str, namespace: str | None = None) -> str:
    """The real name of the queue for `kind` (in the configured namespace unless one is given)."""
    if kind not in ALL_KINDS:
        raise ValueError(f"unknown queue kind {kind!r}: one of {', '.join(ALL_KINDS)}")
    namespace = namespace or configured_namespace()
    return namespace if kind == "default" else f"{namespace}.{kind}"


def names(kinds: tuple[str, ...] | list[str] = ALL_KINDS, namespace: str | None = None) -> list[str]:
    return [name(kind, namespace) for kind in kinds]


def declarations(namespace: str) -> list[Queue]:
    """Every queue of the namespace (CELERY_TASK_QUEUES), declared as Celery declares its default queue."""
    return [Queue(queue, Exchange(queue), routing_key=queue) for queue in names(namespace=namespace)]


def beat_lease_key(namespace: str) -> str:
    """Beat's lease (config/scheduler.py) is named from the namespace too: a beat competes only with its own."""
    return f"{namespace}:beat:lease"


def route(task_name, args, kwargs, options, task=None, **kw):
    """Celery's router (CELERY_TASK_ROUTES): the queue of the task's kind, in the running app's namespace.

    The namespace is read from the app at each send rather than fixed at start-up: the real-worker
    tests switch `task_default_queue` to a queue of their own while the process runs. Tasks not in
    ROUTES (Celery's own) go to the default queue.
    """
    kind = ROUTES.get(task_name)
    if kind is None:
        return None
    if task is not None:
        app = task.app
    else:
        from celery import current_app as app
    return {"queue": name(kind, app.conf.task_default_queue)}


def main(argv: list[str]) -> int:
    """`python -m config.queues KIND [KIND...]`: the queue names, comma-separated, for `celery worker -Q`."""
    if not argv:
        print(f"usage: python -m config.queues KIND [KIND...]   (kinds: {' '.join(ALL_KINDS)})", file=sys.stderr)
        return 2
    try:
        print(",".join(names(argv)))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
