"""The header's bell: the signed-in person's unread count, on every page that shows the header."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.services import unread_count


def bell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    # The bell's number: one query, asked only if the page shows it (and not if the page counted it already),
    # that reads only the person's unread notifications off `notification_unread`.
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}

