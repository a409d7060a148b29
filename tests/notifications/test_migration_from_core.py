"""A database built before the notifications app existed migrates forward with every row intact.

Until the split, the six notification models were the core's (`alignment.Delivery`, …). Notifications
0001 takes them over in Django's state only, and alignment 0008 drops them from the core's: the tables
(`alignment_delivery`, …), their rows and their content types' ids stay. The test builds the database as it
was just before the move (the core and what it depends on, forward from nothing), writes rows through the
historical `alignment.*` models, migrates the core and notifications forward to their latest state, and reads
them back through `notifications.models`. All of it in a transaction that is rolled back
(tests/migration_history.py), which leaves the test database as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tests.migration_history import rolled_back_migrations

# The state as of the commit before the move: the core at its last migration with the six models,
# the notifications app not there yet.
BEFORE_THE_MOVE = [("alignment", "0007_page_revisions"), ("notifications", None)]
MOVED = ["Notification", "Delivery", "NotificationPreference", "CalendarFeed", "TeamWebhook", "WebhookDelivery"]

WHEN = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
TOKEN_HASH = hashlib.sha256(b"a calendar token handed out before the move").hexdigest()


@dataclass
class BeforeTheMove:
    rows: dict[str, list[dict]]  # each moved model's rows, as `values()` read them
    content_type_ids: dict[str, int]
    ada: int
    bo: int
    team: int


def create_rows_before_the_move(apps) -> BeforeTheMove:
    """An organisation, a team, two people and a row of each moved model, as the core's models."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    User = apps.get_model("alignment", "User")
    Organisation = apps.get_model("alignment", "Organisation")
    Team = apps.get_model("alignment", "Team")
    model = {name: apps.get_model("alignment", name) for name in MOVED}

    # The content types such a database has for the core's models (`migrate` made them after migrating;
    # migrations alone make none).
    content_types = {name: ContentType.objects.create(app_label="alignment", model=name.lower()) for name in MOVED}
    Permission.objects.create(
        name="Can view team webhook", codename="view_teamwebhook", content_type=content_types["TeamWebhook"]
    )

    organisation = Organisation.objects.create(name="Riverside", slug="riverside", purpose="Clean water.")
    team = Team.objects.create(organisation=organisation, name="Pumps", slug="pumps")
    ada = User.objects.create(email="ada@example.com", display_name="Ada", password="!")
    bo = User.objects.create(email="bo@example.com", display_name="Bo", password="!")

    model["Notification"].objects.create(
        recipient=ada,
        kind="charter_proposed",
        subject="A charter was proposed",
        body="Pumps proposes a new charter.",
        url="/o/riverside/t/pumps/charter/",
        created_at=WHEN,
        read_at=WHEN,
    )
    model["Delivery"].objects.create(
        recipient=ada,
        kind="checkin_reminder",
        key="2026-W45",
        claimed_at=WHEN,
        emailed_at=WHEN,
        status="sent",
        detail="sent by the scheduler",
        subject="Your check-in is due",
        body="Tell your team how the week went.",
        url="/o/riverside/t/pumps/checkins/",
    )
    model["NotificationPreference"].objects.create(user=bo, kind="checkin_reminder", email=False, in_app=True)
    model["CalendarFeed"].objects.create(user=ada, token_hash=TOKEN_HASH, created_at=WHEN, last_fetched_at=WHEN)
    webhook = model["TeamWebhook"].objects.create(
        team=team,
        url="https://chat.example.com/hooks/T000/B000/secret",
        events=["charter_ratified"],
        created_at=WHEN,
        created_by=bo,
        consecutive_failures=1,
    )
    model["WebhookDelivery"].objects.create(
        webhook=webhook,
        event="charter_ratified",
        key="charter-1-v2",
        payload={"text": "Pumps ratified v2"},
        status="sent",
        attempts=2,
        response_status=200,
        last_error="",
        created_at=WHEN,
        finished_at=WHEN,
    )
    return BeforeTheMove(
        rows={name: list(model[name].objects.order_by("pk").values()) for name in MOVED},
        content_type_ids={name: content_type.pk for name, content_type in content_types.items()},
        ada=ada.pk,
        bo=bo.pk,
        team=team.pk,
    )


@pytest.mark.django_db(transaction=True)  # SQLite's foreign key checks go off outside a transaction
def test_a_database_from_before_the_move_keeps_its_notifications_webhooks_and_calendar_tokens():
    with rolled_back_migrations() as walk:
        walk.start_empty()
        apps = walk.to(BEFORE_THE_MOVE)
        assert ("alignment", "delivery") in {(m._meta.app_label, m._meta.model_name) for m in apps.get_models()}
        assert not any(m._meta.app_label == "notifications" for m in apps.get_models())
        before = create_rows_before_the_move(apps)

        walk.to(walk.latest_of("alignment", "notifications"))

        from django.contrib.auth.models import Permission
        from django.contrib.contenttypes.models import ContentType

        from alignment.models import Team, User
        from notifications import models

        # Every row is there, with the same id and the same values.
        for name in MOVED:
            old = before.rows[name]
            # The columns the rows had then (a later migration may add some).
            after = getattr(models, name).objects.order_by("pk").values(*old[0])
            assert list(after) == old, name

        # The relations still resolve, both ways.
        ada, bo = User.objects.get(pk=before.ada), User.objects.get(pk=before.bo)
        team = Team.objects.get(pk=before.team)
        assert models.Notification.objects.get().recipient == ada
        assert ada.deliveries.get().status == models.Delivery.Status.SENT
        assert bo.notification_preferences.get().email is False
        assert models.CalendarFeed.objects.get(token_hash=TOKEN_HASH).user == ada
        assert ada.calendar_feed.token_hash == TOKEN_HASH
        webhook = team.webhooks.get()
        assert (webhook.created_by, webhook.team.organisation.slug) == (bo, "riverside")
        assert webhook.deliveries.get().payload == {"text": "Pumps ratified v2"}

        # The content types moved with their models, keeping their ids, so what names them stays attached.
        ContentType.objects.clear_cache()
        for name, old_id in before.content_type_ids.items():
            content_type = ContentType.objects.get_for_model(getattr(models, name))
            assert (content_type.app_label, content_type.pk) == ("notifications", old_id), name
        assert not ContentType.objects.filter(app_label="alignment", model__in=[n.lower() for n in MOVED]).exists()
        assert Permission.objects.get(codename="view_teamwebhook").content_type.app_label == "notifications"

        # New rows can be written, after the old ones, and the tables' constraints still hold.
        old_ids = {name: max(row["id"] for row in rows) for name, rows in before.rows.items()}
        fresh = models.Notification.objects.create(
            recipient=bo, kind="charter_ratified", subject="Ratified", url="/o/riverside/t/pumps/charter/"
        )
        assert fresh.pk > old_ids["Notification"]
        retry = models.WebhookDelivery.objects.create(webhook=webhook, event="charter_ratified", key="charter-1-v3")
        assert retry.pk > old_ids["WebhookDelivery"]
        with pytest.raises(IntegrityError), transaction.atomic():
            models.Delivery.objects.create(recipient=ada, kind="checkin_reminder", key="2026-W45")


@pytest.mark.django_db(transaction=True)  # transactional too, so that pytest-django runs it after the above
def test_the_database_is_left_at_the_latest_migrations():
    """The tests that follow need the schema of today's models."""
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
