"""Kill a worker at any moment, or restart Redis, and every message still arrives exactly once.

Real processes throughout: Celery workers started by the test (`tests/celery_worker.py`), a Redis
the test restarts itself, a local SMTP relay and chat server that take their time, so that a
round is truly half-done when its worker is killed with SIGKILL. After the kill the broker's
queue is dropped too, as a lost broker would lose it: what is left to send must come from the
database alone. The clock moves by moving the rows' times (the lease a dead worker held, the
grace a fresh message gets), never by sleeping; the test only waits for real processes to work.

"Exactly once" is what a recipient sees: one notification in the app, and one e-mail by its
Message-ID (a relay that took a message from a worker killed before it could record so gets the
same message again, with the same Message-ID, and delivers it once).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections import Counter
from datetime import time as clock
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from alignment.models import Membership, Team, User
from checkins import reminders
from checkins.tasks import dispatch_due_reminders
from config.celery import app
from notifications import services as notifications
from notifications import webhooks
from notifications.models import Delivery, Notification, TeamWebhook, WebhookDelivery
from notifications.tasks import send_due_webhooks, send_unsent_emails
from reviews.models import ReviewCycle
from reviews.tasks import roll_over_due_cycles
from tests.celery_worker import new_queue, running_worker
from tests.chat_server import ChatServer, allow_local_chat
from tests.own_redis import OwnRedis
from tests.reviews.retro_factories import charter_in_force, open_cycle
from tests.smtp_server import SmtpServer

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                       reason="DATABASE_URL is not set: a worker process cannot see the SQLite test database"),
    pytest.mark.django_db(transaction=True),
]

WAIT = 120  # seconds a real process may take to finish what it was given


def wait_until(condition, what: str, *workers) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for worker in workers:
            if worker.process.poll() is not None:
                pytest.fail(f"{worker.log_path.name} exited with {worker.process.returncode}:\n{worker.log()[-4000:]}")
        if condition():
            return
        time.sleep(0.1)
    logs = "\n".join(f"--- {w.log_path.name}\n{w.log()[-3000:]}" for w in workers)
    pytest.fail(f"not within {WAIT}s: {what}\n{logs}")


def time_passes() -> None:
    """An hour passes for what the database remembers: a dead worker's leases run out, fresh rows age."""
    hour = timedelta(hours=1)
    Delivery.objects.update(claimed_at=F("claimed_at") - hour)
    Delivery.objects.filter(email_lease_until__isnull=False).update(email_lease_until=F("email_lease_until") - hour)
    WebhookDelivery.objects.update(created_at=F("created_at") - hour)
    WebhookDelivery.objects.filter(next_attempt_at__isnull=False).update(next_attempt_at=F("next_attempt_at") - hour)


def people(team, count: int) -> list[User]:
    users = User.objects.bulk_create([User(email=f"person{n}@example.com", display_name=f"Person {n}")
                                      for n in range(count)])
    Membership.objects.bulk_create([Membership(team=team, user=user, is_member=True) for user in users])
    return users


def assert_each_told_once(users, kind: str, relay: SmtpServer) -> None:
    emails = {user.email for user in users}
    assert Counter(Delivery.objects.filter(kind=kind).values_list("recipient_id", flat=True)) == \
        {user.pk: 1 for user in users}
    assert Counter(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True)) == \
        {user.pk: 1 for user in users}
    by_recipient = {r: ids for r, ids in relay.message_ids_by_recipient().items() if r in emails}
    assert set(by_recipient) == emails
    assert all(len(ids) == 1 for ids in by_recipient.values())  # one message each, by its Message-ID
    # At most the one message in flight when the worker died is sent a second time.
    assert len([m for m in relay.messages if set(m.recipients) & emails]) <= len(emails) + 1


def all_emailed(kind: str, count: int):
    return lambda: Delivery.objects.filter(kind=kind, emailed_at__isnull=False).count() == count


@pytest.fixture
def reminder_team(organisation):
    """A team whose check-in reminder is due now, whatever the hour the test runs."""
    team = Team.objects.create(organisation=organisation, name="Wards", slug="wards", time_zone="UTC",
                               checkin_time=clock(0, 0), checkin_weekday=timezone.now().weekday())
    return team


def test_a_worker_killed_mid_round_then_two_workers_and_a_doubled_tick_tell_everyone_once(
        tmp_path, reminder_team):
    users = people(reminder_team, 60)
    queue = new_queue()
    with SmtpServer(delay=0.03) as relay:
        settings_for_worker = {"EMAIL_URL": relay.email_url, "CHECKIN_NUDGE_HOURS": "0"}
        with running_worker(tmp_path, queue=queue, name="first", **settings_for_worker) as first:
            dispatch_due_reminders.delay()
            wait_until(lambda: len(relay.messages) >= 20, "the round half-sent", first)
            first.kill()
        # The first worker's queue went with it (running_worker drops it): only the database remembers.
        sent_before = len(relay.messages)
        assert sent_before < len(users)
        time_passes()

        with running_worker(tmp_path, queue=queue, name="second", **settings_for_worker) as second, \
                running_worker(tmp_path, queue=queue, name="third", **settings_for_worker) as third:
            dispatch_due_reminders.delay()  # beat's next tick, twice
            dispatch_due_reminders.delay()
            send_unsent_emails.delay()  # the sweep, twice (a duplicated beat tick)
            send_unsent_emails.delay()
            wait_until(all_emailed(reminders.REMINDER, len(users)), "every reminder e-mailed", second, third)

    assert_each_told_once(users, reminders.REMINDER, relay)


def test_a_worker_killed_mid_rollover_tells_every_person_once(tmp_path, organisation, leader):
    teams = []
    for n in range(15):
        team = Team.objects.create(organisation=organisation, name=f"Team {n}", slug=f"team-{n}",
                                   time_zone="Europe/London")
        open_cycle(team, charter_in_force(team))
        teams.append(team)
    users = people(teams[0], 0)
    for n, team in enumerate(teams):
        crew = User.objects.bulk_create([User(email=f"t{n}p{m}@example.com") for m in range(4)])
        Membership.objects.bulk_create([Membership(team=team, user=u, is_member=True) for u in crew])
        users += crew
    queue = new_queue()
    with SmtpServer(delay=0.03) as relay:
        with running_worker(tmp_path, queue=queue, name="first", EMAIL_URL=relay.email_url) as first:
            roll_over_due_cycles.delay()
            wait_until(lambda: len(relay.messages) >= 10, "the rollover half-told", first)
            first.kill()
        time_passes()

        with running_worker(tmp_path, queue=queue, name="second", EMAIL_URL=relay.email_url) as second:
            roll_over_due_cycles.delay()  # the next tick finds nothing left to close
            send_unsent_emails.delay()
            wait_until(all_emailed("cycle_rollover", len(users)), "every rollover notice e-mailed", second)

    assert ReviewCycle.objects.filter(state="open", number=2).count() == len(teams)
    assert ReviewCycle.objects.filter(state="closed").count() == len(teams)
    assert_each_told_once(users, "cycle_rollover", relay)


def test_a_worker_killed_mid_webhooks_posts_every_event(tmp_path, organisation, settings):
    team = Team.objects.create(organisation=organisation, name="Wards", slug="wards", time_zone="UTC")
    allow_local_chat(settings)
    queue = new_queue()
    with ChatServer(delay=0.05) as chat:
        TeamWebhook.objects.create(team=team, url=chat.url, events=["news"])
        webhooks.register_webhook_event("news", "News")
        with running_worker(tmp_path, queue=queue, name="first", WEBHOOK_ALLOW_HTTP_HOSTS="127.0.0.1") as first:
            for n in range(40):
                webhooks.post_event(team=team, event="news", key=f"news-{n}", text=f"News {n}")
            wait_until(lambda: len(chat.received) >= 8, "the webhooks half-posted", first)
            first.kill()
        time_passes()

        with running_worker(tmp_path, queue=queue, name="second", WEBHOOK_ALLOW_HTTP_HOSTS="127.0.0.1") as second:
            send_due_webhooks.delay()
            send_due_webhooks.delay()
            wait_until(lambda: WebhookDelivery.objects.filter(status="sent").count() == 40, "every event posted",
                       second)

    texts = Counter(chat.texts())
    assert set(texts) == {f"News {n}" for n in range(40)}
    assert sum(texts.values()) <= 41  # at most the post in flight when the worker died, twice


def test_a_worker_killed_while_the_relay_says_goodbye_had_recorded_its_email(tmp_path, reminder_team):
    """The relay took the message; the worker dies waiting for the relay's goodbye. Its row already says
    sent, so nothing sends it again (the row said so only after the goodbye, once)."""
    (person,) = people(reminder_team, 1)
    goodbye = threading.Event()
    with SmtpServer(hold_goodbye=goodbye) as relay:
        try:
            with running_worker(tmp_path, queue=new_queue(), name="first", EMAIL_URL=relay.email_url,
                                CHECKIN_NUDGE_HOURS="0") as first:
                dispatch_due_reminders.delay()
                wait_until(lambda: relay.goodbyes, "the relay took the reminder and was told goodbye", first)
                first.kill()
        finally:
            goodbye.set()
        time_passes()

    (delivery,) = Delivery.objects.filter(kind=reminders.REMINDER, recipient=person)
    assert delivery.emailed_at is not None and delivery.status == Delivery.Status.SENT
    assert notifications.unsent_email_ids(timezone.now() + timedelta(days=1)) == []
    assert [sent.recipients for sent in relay.messages] == [(person.email,)]
    assert relay.abandoned == []  # it said goodbye: the worker had heard the relay take it


# Redis restarted under a running round --------------------------------------------------------------


def publish(redis_url: str, queue: str, task: str) -> None:
    """Queue a task through the test's own Redis, as beat would: a message on the queue, sent by name."""
    with app.connection_for_write(redis_url) as connection:
        app.send_task(task, queue=queue, connection=connection)


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server to start a Redis of its own")
@pytest.mark.parametrize("moment", ["while the round runs", "while its e-mails go out"])
def test_redis_restarted_mid_round_the_worker_carries_on_and_everyone_is_told_once(tmp_path, reminder_team, moment):
    users = people(reminder_team, 150)
    redis = OwnRedis(tmp_path)
    redis.start()
    queue = new_queue()
    try:
        with SmtpServer(delay=0.01) as relay:
            worker_settings = {"EMAIL_URL": relay.email_url, "CHECKIN_NUDGE_HOURS": "0", "REDIS_URL": redis.url}
            with running_worker(tmp_path, queue=queue, name="worker", drop_queue=False, **worker_settings) as worker:
                publish(redis.url, queue, "checkins.tasks.dispatch_due_reminders")
                if moment == "while the round runs":
                    wait_until(lambda: worker.ran("checkins.tasks.dispatch_due_reminders", "received"),
                               "the round started", worker)
                else:
                    wait_until(lambda: len(relay.messages) >= 15, "the round half-sent", worker)
                redis.restart()
                wait_until(lambda: worker.log().count("Connected to redis") >= 2, "the worker back on Redis", worker)
                time_passes()
                publish(redis.url, queue, "notifications.tasks.send_unsent_emails")
                wait_until(all_emailed(reminders.REMINDER, len(users)), "every reminder e-mailed", worker)
                assert worker.process.poll() is None  # it carried on: never crashed
    finally:
        redis.stop()

    assert_each_told_once(users, reminders.REMINDER, relay)
