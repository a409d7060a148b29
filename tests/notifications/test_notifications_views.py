"""The notification centre: the bell, the list, opening one, mark all read, preferences, unsubscribe."""

from __future__ import annotations

from datetime import time

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from notifications import services as notifications
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

EVENT = "test_event"


@pytest.fixture(autouse=True)
def test_kind(monkeypatch):
    monkeypatch.setitem(notifications._kinds, EVENT, notifications.Kind(EVENT, "Test events"))


def _notify(user, n: int = 1, url: str = "/o/harbour/t/platform/"):
    return [Notification.objects.create(recipient=user, kind=EVENT, subject=f"Thing {i}", url=url)
            for i in range(n)]


@pytest.mark.parametrize("unread", [1, 30])
def test_the_bell_counts_unread_without_javascript(login, member, leader, unread, django_assert_num_queries):
    _notify(member, unread)
    _notify(leader, 2)
    Notification.objects.create(recipient=member, kind=EVENT, subject="Old", url="/", read_at="2026-01-01T00:00Z")
    client = login(member)

    # 1 the user (the session is in the cache), 2 the unread notifications count
    with django_assert_num_queries(2):
        response = client.get(reverse("notifications:bell"))

    assertContains(response, f'<span class="badge unread-count">{unread}</span>', html=True)
    assertContains(response, 'hx-trigger="every 60s"')
    assertContains(client.get(reverse("home")), f"Notifications, {unread} unread")


def test_no_badge_when_all_is_read(login, member):
    assertNotContains(login(member).get(reverse("home")), "unread-count")


@pytest.mark.parametrize("count", [3, 45])
def test_the_list_is_paginated_and_flat(login, member, count, django_assert_num_queries):
    _notify(member, count)
    client = login(member)

    # 1 the user (the session is in the cache), 2 the unread notifications counted with the newest
    # one's id ("mark all as read" goes up to it; the bell shows the count), 3 the page of
    # notifications (and one more, for whether there is an older page), 4 the team switcher's memberships
    with django_assert_num_queries(4):
        response = client.get(reverse("notifications:list"))

    assertContains(response, f"Thing {count - 1}")  # the newest first
    assert len(response.context["page"].notifications) == min(count, 20)


def test_opening_marks_read_and_goes_to_the_page(login, member):
    (notification,) = _notify(member)

    response = login(member).get(reverse("notifications:open", args=[notification.pk]))

    assert response.status_code == 302 and response["Location"] == "/o/harbour/t/platform/"
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize("url", ["https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com",
                                 "javascript:alert(1)"])
def test_opening_never_redirects_off_the_site(login, member, url):
    (notification,) = _notify(member, url=url)

    response = login(member).get(reverse("notifications:open", args=[notification.pk]))

    assert response["Location"] == reverse("notifications:list")


def test_someone_elses_notification_is_404(login, member, leader):
    (notification,) = _notify(leader)

    assert login(member).get(reverse("notifications:open", args=[notification.pk])).status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def _shown_up_to(client) -> str:
    """The newest notification the centre showed, as its "Mark all as read" form sends it."""
    return client.get(reverse("notifications:list")).context["read_all_form"]["up_to"].value()


def test_mark_all_read_only_touches_mine(login, member, leader):
    _notify(member, 3)
    _notify(leader, 2)
    client = login(member)

    response = client.post(reverse("notifications:read_all"), {"up_to": _shown_up_to(client)})

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=leader, read_at__isnull=True).count() == 2


def test_mark_all_read_leaves_what_arrived_after_the_page_was_shown(login, member):
    _notify(member, 2)
    client = login(member)
    shown = _shown_up_to(client)
    (late,) = _notify(member)

    client.post(reverse("notifications:read_all"), {"up_to": shown})

    assert list(Notification.objects.filter(recipient=member, read_at__isnull=True)) == [late]


def test_mark_all_read_without_what_was_shown_marks_nothing_and_says_so(login, member):
    _notify(member, 2)

    response = login(member).post(reverse("notifications:read_all"), follow=True)

    assert Notification.objects.filter(recipient=member, read_at__isnull=True).count() == 2
    assert "Nothing was marked as read" in response.content.decode()


def test_mark_all_read_refuses_get(login, member):
    assert login(member).get(reverse("notifications:read_all")).status_code == 405


def test_preferences_page_labels_every_field(login, member):
    response = login(member).get(reverse("notifications:preferences"))

    assertContains(response, "Test events by email")
    assertContains(response, "Test events in the app")
    assertContains(response, '<label for="id_quiet_hours_start">Quiet hours start:</label>', html=True)


def test_preferences_save_kinds_and_quiet_hours(login, member):
    response = login(member).post(reverse("notifications:preferences"), {
        f"{EVENT}__in_app": "on", "quiet_hours_start": "22:00", "quiet_hours_end": "07:00",
    })

    assert response.status_code == 302
    choice = notifications.preference(member, EVENT)
    assert (choice.email, choice.in_app) == (False, True)
    member.refresh_from_db()
    assert (member.quiet_hours_start, member.quiet_hours_end) == (time(22), time(7))


def test_quiet_hours_need_both_ends(login, member):
    response = login(member).post(reverse("notifications:preferences"), {"quiet_hours_start": "22:00"})

    assertContains(response, "Give both the start and the end")
    member.refresh_from_db()
    assert member.quiet_hours_start is None


def test_snooze_for_a_week_and_wake(login, member):
    client = login(member)

    client.post(reverse("notifications:snooze"), {"action": "snooze"})
    member.refresh_from_db()
    assert member.reminders_snoozed_until is not None
    assertContains(client.get(reverse("notifications:preferences")), "Turn reminders back on")

    client.post(reverse("notifications:snooze"), {"action": "wake"})
    member.refresh_from_db()
    assert member.reminders_snoozed_until is None


def test_unsubscribe_works_logged_out(client, member):
    url = reverse("notifications:unsubscribe", args=[notifications.unsubscribe_token(member, EVENT)])

    assertContains(client.get(url), "Unsubscribe from “Test events”")
    assert not NotificationPreference.objects.exists()  # a GET (a link scanner) changes nothing

    response = client.post(url)

    assertContains(response, "Unsubscribed")
    assert notifications.preference(member, EVENT).email is False
    assert notifications.preference(member, EVENT).in_app is True


def test_one_click_unsubscribe_post_from_a_mail_client(client, member):
    url = reverse("notifications:unsubscribe", args=[notifications.unsubscribe_token(member, EVENT)])

    response = client.post(url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200 and notifications.preference(member, EVENT).email is False


def test_a_tampered_unsubscribe_link_is_refused(client, member, leader):
    from django.core import signing

    signature = notifications.unsubscribe_token(member, EVENT).rsplit(":", 1)[1]
    # The leader's address with the member's signature: somebody trying to unsubscribe someone else.
    tampered = signing.b64_encode(b'{"u":%d,"k":"%s"}' % (leader.pk, EVENT.encode())).decode() + ":" + signature
    url = reverse("notifications:unsubscribe", args=[tampered])

    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert not NotificationPreference.objects.exists()
