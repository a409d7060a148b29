"""Every task goes to the queue of its kind of work, and a worker takes only the queues it was given."""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
import time

import pytest
from django.apps import apps
from django.conf import settings

from alignment.tasks import send_password_reset_email
from config import queues
from config.celery import app
from config.health import record_beat_heartbeat
from tests.celery_worker import new_queue, running_worker

# Written out here, apart from config/queues.py, so that moving a task to another queue is a decision
# made twice. A task that sends e-mail belongs on `mail`; a post to another server on `webhooks`.
EXPECTED = {
    "mail": [
        "notifications.tasks.send_notification_email",
        "notifications.tasks.send_unsent_emails",
        "notifications.tasks.release_held_emails",
        "alignment.tasks.send_invitation_email",
        "alignment.tasks.send_unsent_invitations",
        "alignment.tasks.send_password_reset_email",
        "alignment.tasks.email_data_export",
        "alignment.tasks.email_erasure_notice",
        "alignment.tasks.send_unsent_erasure_notices",
    ],
    "webhooks": [
        "notifications.tasks.send_webhook",
        "notifications.tasks.send_due_webhooks",
        "chat.tasks.send_message",
        "chat.tasks.send_due_chat_messages",
    ],
    "schedule": [
        "checkins.tasks.dispatch_due_reminders",
        "checkins.tasks.send_due_digests",
        "checkins.tasks.nudge_due_commitments",
        "charters.tasks.run_consent_rounds",
        "reviews.tasks.roll_over_due_cycles",
        "reviews.tasks.remind_review_sessions",
        "reviews.tasks.fire_review_triggers",
        "asks.tasks.remind_consult_asks",
        "config.health.record_beat_heartbeat",
    ],
    "exports": [
        "alignment.tasks.build_data_export",
        "alignment.tasks.finish_data_exports",
        "alignment.tasks.purge_data_exports",
        "transfer.tasks.build_organisation_export",
        "transfer.tasks.finish_organisation_exports",
        "transfer.tasks.purge_organisation_exports",
    ],
    "default": [
        "reviews.tasks.purge_closed_cycles",
        "alignment.tasks.purge_audit_trail",
        "alignment.tasks.erase_due_accounts",
        "alignment.tasks.erase_expired_words",
        "charters.tasks.refresh_map_signals",
        "charters.tasks.apply_lost_map_changes",
    ],
}
EXPECTED_KIND = {task: kind for kind, tasks in EXPECTED.items() for task in tasks}


def project_tasks() -> set[str]:
    """Every task a worker registers (Celery's own left out): each app's `tasks` module and CELERY_IMPORTS."""
    candidates = [f"{config.name}.tasks" for config in apps.get_app_configs()] + list(settings.CELERY_IMPORTS)
    for module in candidates:
        if importlib.util.find_spec(module.rpartition(".")[0]) and importlib.util.find_spec(module):
            importlib.import_module(module)
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_task_has_a_queue_chosen_for_it():
    tasks = project_tasks()

    assert tasks - set(queues.ROUTES) == set(), "a task with no queue chosen: add it to config.queues.ROUTES"
    assert set(queues.ROUTES) - tasks == set(), "config.queues.ROUTES names a task that does not exist"
    assert set(EXPECTED_KIND) == tasks


@pytest.mark.parametrize("task", sorted(EXPECTED_KIND))
def test_each_task_is_sent_to_the_queue_of_its_kind(task):
    route = app.amqp.router.route({}, task)

    assert route["queue"].name == queues.name(EXPECTED_KIND[task], settings.CELERY_TASK_DEFAULT_QUEUE)


def test_the_beat_schedule_names_only_routed_tasks():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled - set(queues.ROUTES) == set()


def test_queues_are_named_from_the_namespace():
    assert queues.names(namespace="charter") == [
        "charter", "charter.mail", "charter.webhooks", "charter.schedule", "charter.exports"
    ]
    with pytest.raises(ValueError, match="unknown queue kind 'email'"):
        queues.name("email", "charter")


def test_routing_follows_the_namespace_the_app_is_switched_to():
    previous, app.conf.task_default_queue = app.conf.task_default_queue, "elsewhere"
    try:
        route = app.amqp.router.route({}, "notifications.tasks.send_notification_email")
    finally:
        app.conf.task_default_queue = previous

    assert route["queue"].name == "elsewhere.mail"


def test_a_task_sent_to_a_named_queue_stays_there():
    route = app.amqp.router.route({"queue": "celery"}, "notifications.tasks.send_notification_email")

    assert route["queue"].name == "celery"


def test_a_worker_started_without_queues_consumes_every_queue():
    declared = [queue.name for queue in app.conf.task_queues]

    assert declared == queues.names(namespace=settings.CELERY_TASK_DEFAULT_QUEUE)


def queue_names_printed(*kinds: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "config.queues", *kinds], cwd=settings.BASE_DIR,
                          env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=60)


def test_the_command_prints_names_for_celery_worker_q():
    result = queue_names_printed("default", "schedule", CELERY_TASK_DEFAULT_QUEUE="site")

    assert result.returncode == 0, result.stderr
    assert result.stdout == "site,site.schedule\n"
    assert queue_names_printed("mail").stdout == "celery.mail\n"


def test_the_command_refuses_an_unknown_kind():
    result = queue_names_printed("mail", "emails")

    assert result.returncode == 2
    assert "unknown queue kind 'emails'" in result.stderr
    assert result.stdout == ""


# A real worker on one queue ----------------------------------------------------------------------------


def wait_for(condition, *, timeout: float, what: str, log=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout}s\n{log()[-4000:]}")
        time.sleep(0.1)


def waiting(queue: str) -> list[str]:
    """The names of the tasks waiting on `queue` in the broker (Redis), oldest first."""
    with app.connection_for_write() as conn:
        raw = conn.default_channel.client.lrange(queue, 0, -1)
    return [json.loads(message)["headers"]["task"] for message in reversed(raw)]


@pytest.mark.redis
def test_a_mail_worker_takes_mail_and_leaves_the_schedule_queue_alone(db, tmp_path):
    namespace = new_queue()
    with running_worker(tmp_path, queue=namespace, name="mail", kinds=("mail",)) as mail_worker:
        # The round first: a worker that consumed the schedule queue would take it before the e-mail.
        record_beat_heartbeat.delay()
        send_password_reset_email.delay("nobody@example.com")

        wait_for(lambda: mail_worker.ran("alignment.tasks.send_password_reset_email"), timeout=60,
                 what="the mail worker running the e-mail task", log=mail_worker.log)
        assert waiting(queues.name("schedule", namespace)) == ["config.health.record_beat_heartbeat"]
        assert not mail_worker.ran("config.health.record_beat_heartbeat", "received")

        with running_worker(tmp_path, queue=namespace, name="schedule", kinds=("schedule",),
                            drop_queue=False) as schedule_worker:
            wait_for(lambda: schedule_worker.ran("config.health.record_beat_heartbeat"), timeout=60,
                     what="the schedule worker running the heartbeat", log=schedule_worker.log)
            assert waiting(queues.name("schedule", namespace)) == []
        assert not schedule_worker.ran("alignment.tasks.send_password_reset_email", "received")
