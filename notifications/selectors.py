"""Read-only queries for the notification centre."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from django.utils.text import Truncator

from alignment.one_query import read_shaped
from alignment.pages import Paged, page_number
from alignment.row_urls import RowUrls
from notifications import services
from notifications.models import Notification

# A page of the centre: the newest notifications first, older ones a page further each.
PER_PAGE = 20
# How much of a notification's body the centre shows, in characters.
PREVIEW_LENGTH = 280


@dataclass(frozen=True, slots=True)
class NotificationRow:
    """One notification as the centre lists it."""

    url: str  # opens it: marks it read and goes where it points
    subject: str
    preview: str  # the body, cut to PREVIEW_LENGTH characters
    created_at: datetime
    is_unread: bool


@dataclass(frozen=True)
class CentrePage(Paged):
    """One page of a person's notifications, and what is unread among all of them."""

    notifications: list[NotificationRow]
    unread: int  # the bell's number
    newest_unread: int  # the id "mark all as read" goes up to: what arrives after the page stays unread; 0 for none


def centre_page(user, *, page: str | int | None = 1) -> CentrePage:
    """A page of the person's notifications, newest first, with their unread count, in 2 queries.

    Reads a page's rows and the unread ones, however long the person's history: the page by
    `notification_centre` (one row more than a page says whether there is an older one), the
    unread by `notification_unread`.
    """
    number = page_number(page)
    unread_count, newest_unread = services.unread(user)
    found = read_shaped(_page_rows, shape={"start": (number - 1) * PER_PAGE}, person=user.pk)
    urls = RowUrls("notifications:open")
    return CentrePage(
        notifications=[NotificationRow(url=urls.of(pk), subject=subject, preview=preview(body), created_at=created_at,
                                       is_unread=read_at is None)
                       for pk, subject, body, created_at, read_at in found[:PER_PAGE]],
        unread=unread_count, newest_unread=newest_unread, number=number, has_next=len(found) > PER_PAGE,
    )


def _page_rows(person: int, start: int):
    """query: a page of the person's notifications, newest first, and one more: whether there is an older one"""
    return (Notification.objects.filter(recipient_id=person).order_by("-created_at", "-pk")
            .values_list("pk", "subject", "body", "created_at", "read_at")[start:start + PER_PAGE + 1])


def preview(body: str) -> str:
    """The body cut to PREVIEW_LENGTH characters, as `truncatechars` cuts it, without walking a short one.

    `Truncator` looks at every character in Python; a body no longer than the preview
    cannot be cut (combining characters only make it shorter), so it is only normalised
    as `Truncator` would.
    """
    if len(body) <= PREVIEW_LENGTH:
        return unicodedata.normalize("NFC", body)
    return Truncator(body).chars(PREVIEW_LENGTH)


