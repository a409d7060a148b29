"""The caller's own notifications: read them, mark them read."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import CursorPagination, paginate

from api import access
from api.endpoints.teams import absolute
from notifications import services
from notifications.models import Notification

router = Router(tags=["Notifications"])


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    url: str
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_url(notification) -> str:
        return absolute(notification.url) if notification.url.startswith("/") else notification.url


class MarkRead(Schema):
    up_to: int


class Marked(Schema):
    marked: int


@router.get("/notifications", response=list[NotificationOut], summary="Your notifications, newest first")
@paginate(CursorPagination, ordering=("-pk",))
def notifications(request: HttpRequest, unread: bool = False):
    token = access.require_scope(request, "notifications")
    found = Notification.objects.filter(recipient=token.user)
    return found.filter(read_at__isnull=True) if unread else found


@router.post("/notifications/read", response=Marked,
             summary="Mark your unread notifications read, up to an id (the newest you have shown)")
def mark_read(request: HttpRequest, body: MarkRead):
    token = access.require_scope(request, "notifications", write=True)
    return Marked(marked=services.mark_read(user=token.user, up_to=body.up_to))
