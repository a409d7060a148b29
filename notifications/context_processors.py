"""The header's bell: the signed-in person's unread count, on every page that shows the header."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from alignment.permissions import rider_value
from notifications.services import unread_count

UNREAD = "unread_notifications"  # the bell's rider on the memberships query (registered in apps.py)


def bell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}

    def count() -> int:
        # Brought by the person's memberships when the page read them (every team page and the map), else one
        # query of its own, asked only if the page shows the bell, off the `notification_unread` index.
        rode = rider_value(user, UNREAD)
        return unread_count(user) if rode is None else rode

    return {"unread_notifications": SimpleLazyObject(count)}

