"""The header's bell: the signed-in person's unread count, on every page that shows the header."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject

from alignment import page_cache
from notifications.services import unread_count


def bell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {}
    if page_cache.rendering():
        # A page to be kept in the cache: its bell is filled in when it is served (`render_bell`).
        return {"page_cache_bell": page_cache.bell_mark()}
    # The bell's number: one query, asked only if the page shows it.
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}


def render_bell(request: HttpRequest) -> str:
    """The bell as a page served from the cache shows it (one query)."""
    return render_to_string("notifications/bell.html", {"unread_notifications": unread_count(request.user)})
