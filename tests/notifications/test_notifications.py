"""Delivering notifications exactly once, honouring preferences, snooze and quiet hours; the email it sends."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection

from notifications import services as notifications
from notifications.models import Delivery, Notification
from notifications.tasks import release_held_emails, send_notification_email
from tests.concurrency import on_postgresql, run_concurrently

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
EVENT, REMINDER = "test_event", "test_reminder"


@pytest.fixture(autouse=True)
def test_kinds(monkeypatch):
    monkeypatch.setitem(notifications._kinds, EVENT, notifications.Kind(EVENT, "Test events"))
    monkeypatch.setitem(notifications._kinds, REMINDER, notifications.Kind(REMINDER, "Test reminders",
                                                                           reminder=True))


def _deliver(recipient, kind=EVENT, key="e1", now=None):
    return notifications.deliver(recipient=recipient, kind=kind, key=key, subject="Your charter needs you",
                                 body="Lena proposed the charter.", url="/o/harbour/t/platform/charter/",
                                 now=now)


def test_deliver_twice_shows_and_sends_once(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _deliver(member)
    with django_capture_on_commit_callbacks(execute=True):
        second = _deliver(member)

    assert first is not None and second is None
    assert Delivery.objects.count() == 1 and Notification.objects.filter(recipient=member).count() == 1
    assert len(mail.outbox) == 1
    first.refresh_from_db()
    assert first.status == Delivery.Status.SENT and first.emailed_at is not None


def test_another_key_or_person_is_another_delivery(member, leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(member, key="e1")
        _deliver(member, key="e2")
        _deliver(leader, key="e1")

    assert Delivery.objects.count() == 3 and len(mail.outbox) == 3


def test_a_duplicated_email_task_sends_once(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _deliver(member)

    send_notification_email(delivery.pk)

    assert len(mail.outbox) == 1


def test_unknown_kind_is_refused(member):
    with pytest.raises(LookupError):
        _deliver(member, kind="nobody_registered_this")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_deliveries_make_one(make_user):
    person = make_user("race@example.com", "Rae Race")
    for round_ in range(3):
        outcomes = run_concurrently(*[lambda r=round_: _deliver(person, key=f"race-{r}")] * 2)

        delivered = [outcome.unwrap() for outcome in outcomes]
        assert sum(d is not None for d in delivered) == 1
    assert Delivery.objects.filter(recipient=person).count() == 3
    assert Notification.objects.filter(recipient=person).count() == 3
    assert len(mail.outbox) == 3
    assert connection.vendor == "postgresql"


def test_in_app_off_leaves_no_notification_but_emails(member, django_capture_on_commit_callbacks):
    notifications.set_preference(user=member, kind=EVENT, in_app=False)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = _deliver(member)

    assert not Notification.objects.exists() and len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT


def test_email_off_shows_in_app_only(member, django_capture_on_commit_callbacks):
    notifications.set_preference(user=member, kind=EVENT, email=False)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = _deliver(member)

    assert Notification.objects.count() == 1 and mail.outbox == []
    assert delivery.status == Delivery.Status.SENT and "email is off" in delivery.detail


def test_both_off_skips(member, django_capture_on_commit_callbacks):
    notifications.set_preference(user=member, kind=EVENT, email=False, in_app=False)

    with django_capture_on_commit_callbacks(execute=True):
        delivery = _deliver(member)

    assert delivery.status == Delivery.Status.SKIPPED
    assert not Notification.objects.exists() and mail.outbox == []


def test_a_kind_off_by_default_is_honoured(member, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setitem(notifications._kinds, "quiet_kind",
                        notifications.Kind("quiet_kind", "Quiet", email_default=False))

    with django_capture_on_commit_callbacks(execute=True):
        _deliver(member, kind="quiet_kind")

    assert Notification.objects.count() == 1 and mail.outbox == []


def test_a_snoozed_person_gets_no_reminder_but_still_gets_events(member, frozen,
                                                                 django_capture_on_commit_callbacks):
    now = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))
    frozen(now)
    member.reminders_snoozed_until = now + timedelta(days=7)
    member.save()

    with django_capture_on_commit_callbacks(execute=True):
        reminder = _deliver(member, kind=REMINDER)
        event = _deliver(member, kind=EVENT)

    event.refresh_from_db()
    assert reminder.status == Delivery.Status.SKIPPED and "snoozed" in reminder.detail
    assert event.status == Delivery.Status.SENT
    assert [n.kind for n in Notification.objects.all()] == [EVENT] and len(mail.outbox) == 1


def test_the_snooze_ends(member, frozen, django_capture_on_commit_callbacks):
    now = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("UTC"))
    member.reminders_snoozed_until = now
    member.save()
    frozen(now + timedelta(minutes=1))

    with django_capture_on_commit_callbacks(execute=True):
        _deliver(member, kind=REMINDER)

    assert len(mail.outbox) == 1


@pytest.fixture
def night_owl_in_tokyo(member):
    """Quiet from 22:00 to 07:00 Tokyo time (13:00–22:00 UTC)."""
    member.time_zone = "Asia/Tokyo"
    member.quiet_hours_start, member.quiet_hours_end = time(22, 0), time(7, 0)
    member.save()
    return member


def test_a_reminder_in_quiet_hours_is_held_then_released(night_owl_in_tokyo, frozen,
                                                        django_capture_on_commit_callbacks):
    member = night_owl_in_tokyo
    frozen(datetime(2026, 3, 2, 23, 30, tzinfo=TOKYO))  # 14:30 UTC: night in Tokyo

    with django_capture_on_commit_callbacks(execute=True):
        delivery = _deliver(member, kind=REMINDER)

    assert delivery.status == Delivery.Status.HELD and mail.outbox == []
    assert "2026-03-03T07:00:00+09:00" in delivery.detail
    assert Notification.objects.count() == 1  # in the app it waits silently

    frozen(datetime(2026, 3, 3, 6, 59, tzinfo=TOKYO))
    assert release_held_emails() == 0 and mail.outbox == []

    frozen(datetime(2026, 3, 3, 7, 0, tzinfo=TOKYO))
    assert release_held_emails() == 1
    assert len(mail.outbox) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SENT
    assert release_held_emails() == 0 and len(mail.outbox) == 1


def test_events_are_not_held_in_quiet_hours(night_owl_in_tokyo, frozen, django_capture_on_commit_callbacks):
    frozen(datetime(2026, 3, 2, 23, 30, tzinfo=TOKYO))

    with django_capture_on_commit_callbacks(execute=True):
        _deliver(night_owl_in_tokyo, kind=EVENT)

    assert len(mail.outbox) == 1


def test_outside_quiet_hours_a_reminder_goes_at_once(night_owl_in_tokyo, frozen,
                                                    django_capture_on_commit_callbacks):
    frozen(datetime(2026, 3, 2, 12, 0, tzinfo=TOKYO))  # 03:00 UTC: quiet for a UTC person, not in Tokyo

    with django_capture_on_commit_callbacks(execute=True):
        _deliver(night_owl_in_tokyo, kind=REMINDER)

    assert len(mail.outbox) == 1


def test_a_held_email_older_than_a_day_is_dropped(night_owl_in_tokyo, frozen, django_capture_on_commit_callbacks):
    frozen(datetime(2026, 3, 2, 23, 30, tzinfo=TOKYO))
    with django_capture_on_commit_callbacks(execute=True):
        delivery = _deliver(night_owl_in_tokyo, kind=REMINDER)

    frozen(datetime(2026, 3, 4, 8, 0, tzinfo=TOKYO))
    assert release_held_emails() == 0
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SKIPPED and mail.outbox == []


@pytest.mark.parametrize(("start", "end", "clock", "inside"), [
    (time(22), time(7), time(23), True), (time(22), time(7), time(6, 59), True),
    (time(22), time(7), time(7), False), (time(22), time(7), time(21, 59), False),
    (time(12), time(14), time(13), True), (time(12), time(14), time(14), False),
])
def test_quiet_hours_window(member, start, end, clock, inside):
    member.time_zone = "America/New_York"
    member.quiet_hours_start, member.quiet_hours_end = start, end
    moment = datetime(2026, 7, 1, clock.hour, clock.minute, tzinfo=ZoneInfo("America/New_York"))

    assert notifications.in_quiet_hours(member, moment) is inside


def test_the_email_has_both_parts_the_link_and_one_click_unsubscribe(member, settings,
                                                                    django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://charter.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        _deliver(member)

    (message,) = mail.outbox
    assert message.to == ["member@example.com"] and message.subject == "Your charter needs you"
    link = "https://charter.example.com/o/harbour/t/platform/charter/"
    assert link in message.body and "Lena proposed the charter." in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html" and f'href="{link}"' in html
    unsubscribe = notifications.unsubscribe_url(member, EVENT)
    assert unsubscribe.startswith("https://charter.example.com/notifications/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe"] == f"<{unsubscribe}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe in message.body and unsubscribe in html


def test_a_failed_send_is_recorded_and_retried(member, mail_relay, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        delivery = _deliver(member)
    mail_relay.down()

    send_notification_email(delivery.pk)  # logged, not raised: the sweep tries again
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.emailed_at is None
    assert "Connection refused" in delivery.detail

    mail_relay.up()
    from django.utils import timezone

    assert notifications.email_delivery(delivery.pk) is False  # not before its wait
    notifications.email_delivery(delivery.pk, now=timezone.now() + notifications.EMAIL_BACKOFF[0])
    assert len(mail.outbox) == 1
    notifications._kinds.pop(EVENT)


def test_a_leaders_reply_notifies_the_author_once(team, leader, member, django_capture_on_commit_callbacks):
    import uuid
    from datetime import date

    from django.utils import timezone

    from checkins import services
    from checkins.models import CheckIn

    checkin = CheckIn.objects.create(team=team, author=member, week=date(2026, 11, 16), state="submitted",
                                     submitted_at=timezone.now())
    token = uuid.uuid4()
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(checkin_id=checkin.pk, team=team, actor=leader, body="Good catch.", token=token)
        services.reply(checkin_id=checkin.pk, team=team, actor=leader, body="Good catch.", token=token)
        services.reply(checkin_id=checkin.pk, team=team, actor=member, body="Thanks!", token=uuid.uuid4())

    (notification,) = Notification.objects.all()
    assert notification.recipient == member and notification.kind == "checkin_reply"
    assert notification.url == checkin.get_absolute_url()
    assert [m.to for m in mail.outbox] == [["member@example.com"]]


# Delivering a batch ---------------------------------------------------------------------------------------


def _batch(people, key="b1", kind=EVENT):
    return [notifications.Message(person, kind, key, "Your charter needs you", "Lena proposed the charter.",
                                  "/o/harbour/t/platform/charter/") for person in people]


@pytest.mark.parametrize("size", [10, 200])
def test_a_batch_costs_the_same_queries_for_10_or_200_people(make_user, size, django_assert_num_queries,
                                                            django_capture_on_commit_callbacks):
    people = [make_user(f"p{n}@example.com", f"Person {n}") for n in range(size)]
    notifications.set_preference(user=people[0], kind=EVENT, email=False)

    # 1 claims already made, 1 preferences, 1 savepoint + 1 new claims (each with its outcome) + 1 release,
    # 1 notifications; the outer atomic block is the test's transaction (a savepoint + release).
    with django_capture_on_commit_callbacks() as queued, django_assert_num_queries(8):
        delivered = notifications.deliver_many(_batch(people))

    assert len(delivered) == size
    assert Notification.objects.filter(kind=EVENT).count() == size
    assert len(queued) == size - 1  # the one who turned email off gets none


def test_a_batch_again_tells_only_who_was_not_told(member, leader, facilitator):
    notifications.deliver_many(_batch([member]))

    delivered = notifications.deliver_many(_batch([member, leader, facilitator, leader]))

    assert sorted(d.recipient.email for d in delivered) == ["facilitator@example.com", "leader@example.com"]
    assert Notification.objects.filter(recipient=leader).count() == 1


def test_a_batch_honours_snooze_per_person(member, leader):
    member.reminders_snoozed_until = datetime(2030, 1, 1, tzinfo=TOKYO)
    member.save()

    delivered = {d.recipient_id: d for d in notifications.deliver_many(_batch([member, leader], kind=REMINDER))}

    assert delivered[member.pk].status == Delivery.Status.SKIPPED
    assert delivered[leader.pk].status != Delivery.Status.SKIPPED
    assert list(Notification.objects.values_list("recipient", flat=True)) == [leader.pk]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_batches_at_once_tell_each_person_once(make_user):
    people = [make_user(f"o{n}@example.com", f"Overlap {n}") for n in range(12)]

    # Each batch shares half its people with the other: the loser of a claim falls back to one by one.
    outcomes = run_concurrently(lambda: notifications.deliver_many(_batch(people[:9])),
                                lambda: notifications.deliver_many(_batch(people[3:])))

    made = [delivery for outcome in outcomes for delivery in outcome.unwrap()]
    assert sorted(d.recipient_id for d in made) == sorted(p.pk for p in people)
    assert Notification.objects.count() == 12
    assert len(mail.outbox) == 12
