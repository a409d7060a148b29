"""The notification centre a page at a time, for someone with a long history: newest first, unread counted once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from notifications.models import Notification
from notifications.selectors import PER_PAGE, PREVIEW_LENGTH, preview
from notifications.services import unread_count

pytestmark = pytest.mark.django_db

CENTRE = reverse("notifications:list")


def _notify(user, n: int, *, read: bool = False) -> list[Notification]:
    """n notifications, "Thing 0" the oldest, a minute apart; read ones read when they came."""
    start = timezone.now() - timedelta(days=1)
    made = []
    for i in range(n):
        at = start + timedelta(minutes=i)
        made.append(Notification.objects.create(recipient=user, kind="test_event", subject=f"Thing {i}", url="/",
                                                created_at=at, read_at=at if read else None))
    return made


def _subjects(response) -> list[str]:
    return [row.subject for row in response.context["page"].notifications]


def test_the_centre_shows_a_page_of_the_newest_and_links_to_older_ones(login, member):
    _notify(member, PER_PAGE + 3)
    client = login(member)

    first = client.get(CENTRE)
    older = client.get(CENTRE, {"page": "2"})

    assert _subjects(first) == [f"Thing {i}" for i in range(PER_PAGE + 2, 2, -1)]
    assertContains(first, '<a href="?page=2">Older</a>', html=True)
    assertNotContains(first, ">Newer</a>")
    assert _subjects(older) == ["Thing 2", "Thing 1", "Thing 0"]
    assertContains(older, '<a href="?page=1">Newer</a>', html=True)
    assertContains(older, "<span>Page 2</span>", html=True)
    assertNotContains(older, ">Older</a>")


def test_a_short_history_needs_no_pages(login, member):
    _notify(member, 2)

    assertNotContains(login(member).get(CENTRE), "Pages of notifications")


def test_newest_means_when_it_came_not_when_it_was_written(login, member):
    (late,) = _notify(member, 1)
    earlier = Notification.objects.create(recipient=member, kind="test_event", subject="Written after, from before",
                                          url="/", created_at=late.created_at - timedelta(hours=1))

    response = login(member).get(CENTRE)

    assert earlier.pk > late.pk
    assert _subjects(response) == ["Thing 0", "Written after, from before"]


@pytest.mark.parametrize("page", ["0", "-3", "two", "", "1e3", "99999999999999999999999"])
def test_a_page_that_is_not_a_page_number_is_not_an_error(login, member, page):
    _notify(member, 2)

    response = login(member).get(CENTRE, {"page": page})

    assert response.status_code == 200


def test_a_page_past_the_oldest_says_so_and_leads_back(login, member):
    _notify(member, 2)

    response = login(member).get(CENTRE, {"page": "4"})

    assertContains(response, "No notifications on this page.")
    assertContains(response, f'<a href="{CENTRE}">Back to the newest</a>', html=True)
    assertNotContains(response, "Nothing yet.")


def test_each_row_opens_its_notification_and_unread_ones_say_so(login, member):
    read, unread = _notify(member, 1, read=True)[0], _notify(member, 1)[0]

    response = login(member).get(CENTRE)

    for notification in (read, unread):
        assertContains(response, f'<a href="{notification.get_absolute_url()}">{notification.subject}</a>')
    assertContains(response, '<span class="badge">Unread</span>', count=1)
    assertContains(response, '<li class="notification unread">', count=1)


def test_the_header_bell_counts_what_the_centre_counted(login, member, leader):
    _notify(member, 3, read=True)
    _notify(member, 2)
    _notify(leader, 4)

    response = login(member).get(CENTRE)

    assert response.context["page"].unread == 2
    assertContains(response, "Notifications, 2 unread")
    assertContains(response, '<span class="badge unread-count">2</span>', html=True)


def test_with_nothing_unread_there_is_nothing_to_mark(login, member):
    _notify(member, 3, read=True)

    response = login(member).get(CENTRE)

    assertNotContains(response, "Mark all as read")
    assertNotContains(response, "unread-count")


def test_mark_all_from_any_page_marks_every_unread_one_shown_so_far(login, member):
    oldest_unread, *_ = _notify(member, PER_PAGE + 5)  # "Thing 0" is on page 2
    client = login(member)
    up_to = client.get(CENTRE, {"page": "2"}).context["read_all_form"]["up_to"].value()

    client.post(reverse("notifications:read_all"), {"up_to": up_to})

    assert unread_count(member) == 0
    oldest_unread.refresh_from_db()
    assert oldest_unread.read_at is not None


def test_the_centre_lists_only_the_readers_own(login, member, leader):
    _notify(leader, 3)

    response = login(member).get(CENTRE)

    assert _subjects(response) == []
    assertContains(response, "Nothing yet.")


def test_someone_signed_out_is_sent_to_log_in(client):
    response = client.get(CENTRE)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the indexes' plans are PostgreSQL's")
@pytest.mark.parametrize("sql, index", [
    # the bell, on every page
    ("SELECT COUNT(*) FROM alignment_notification WHERE recipient_id = %s AND read_at IS NULL",
     "notification_unread"),
    # the centre's unread count and newest unread
    ("SELECT COUNT(id), MAX(id) FROM alignment_notification WHERE recipient_id = %s AND read_at IS NULL",
     "notification_unread"),
    # a page of the centre
    ("SELECT id, subject FROM alignment_notification WHERE recipient_id = %s "
     "ORDER BY created_at DESC, id DESC LIMIT 21 OFFSET 20", "notification_centre"),
])
def test_the_bell_and_the_centre_read_their_own_index(member, sql, index):
    _notify(member, 3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small would be read whole
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {sql}", [member.pk])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert f"using {index}" in plan
    assert "Sort" not in plan


@pytest.mark.parametrize("body", [
    "", "Short.", "x" * PREVIEW_LENGTH, "x" * (PREVIEW_LENGTH + 1), "word " * 100,
    "e\u0301" * 10,  # decomposed accents, shown composed as truncatechars shows them
    "e\u0301" * PREVIEW_LENGTH,  # as many characters shown, twice the length
    "e\u0301" * (PREVIEW_LENGTH + 1),
])
def test_a_body_is_previewed_as_truncatechars_would(body):
    assert preview(body) == truncatechars(body, PREVIEW_LENGTH)


def test_a_long_body_is_cut_and_its_lines_kept(login, member):
    Notification.objects.create(recipient=member, kind="test_event", subject="Long", url="/",
                                body="First line\nsecond <line>\n" + "x" * PREVIEW_LENGTH)

    response = login(member).get(CENTRE)

    assertContains(response, "<p>First line<br>second &lt;line&gt;<br>xxx")
    assertContains(response, "x…</p>")
