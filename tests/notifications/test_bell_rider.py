"""The bell's number rides on the memberships query every page with the header runs: right on every page, with
no query of its own where the memberships were read, and its own query where they were not."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from alignment.permissions import memberships_of, rider_value
from notifications.context_processors import UNREAD
from notifications.models import Notification

pytestmark = pytest.mark.django_db

BADGE = '<span class="badge unread-count">{}</span>'


def _notify(user, unread: int, read: int = 0) -> None:
    for n in range(unread + read):
        Notification.objects.create(recipient=user, kind="test_event", subject=f"Thing {n}", url="/",
                                    read_at=timezone.now() if n >= unread else None)


def _own_count_queries(queries) -> list[str]:
    """Queries reading the notifications table that are not the memberships query carrying the count."""
    return [q["sql"] for q in queries
            if "alignment_notification" in q["sql"] and "alignment_membership" not in q["sql"]]


def test_a_team_page_shows_the_count_its_memberships_query_brought(login, member, team, organisation):
    _notify(member, unread=3, read=2)
    client = login(member)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("team", args=[organisation.slug, team.slug]))

    assertContains(response, BADGE.format(3), html=True)
    assert _own_count_queries(queries.captured_queries) == []


def test_the_count_is_read_again_on_the_next_page(login, member, team, organisation):
    _notify(member, unread=2)
    client = login(member)
    page = reverse("team", args=[organisation.slug, team.slug])
    assertContains(client.get(page), BADGE.format(2), html=True)

    Notification.objects.filter(recipient=member).update(read_at=timezone.now())

    assertNotContains(client.get(page), "unread-count")


def test_someone_in_no_team_is_counted_by_a_query_of_its_own(login, admin, organisation):
    _notify(admin, unread=4)
    client = login(admin)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("organisation", args=[organisation.slug]))

    assertContains(response, BADGE.format(4), html=True)
    assert len(_own_count_queries(queries.captured_queries)) == 1


def test_memberships_bring_the_count_of_their_own_person_only(member, leader):
    _notify(member, unread=5)
    _notify(leader, unread=1)

    memberships_of(member)
    memberships_of(leader)

    assert (rider_value(member, UNREAD), rider_value(leader, UNREAD)) == (5, 1)


def test_no_memberships_read_means_no_value(member, admin):
    assert rider_value(member, UNREAD) is None
    memberships_of(admin)  # in no team: no row to carry it
    assert rider_value(admin, UNREAD) is None


def test_home_shows_the_count_its_memberships_query_brought(login, member):
    _notify(member, unread=2, read=1)
    client = login(member)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))

    assertContains(response, BADGE.format(2), html=True)
    assert _own_count_queries(queries.captured_queries) == []
