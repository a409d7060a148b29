"""The notification centre: the bell, the list, preferences, one-click unsubscribe and the calendar feed."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment import notifications, page_cache
from alignment.models import Notification, User
from alignment.notification_forms import PreferencesForm

PER_PAGE = 20


def site_relative(url: str) -> str | None:
    """`url` if it stays on this site (`/o/…`), else `None`: a notification never sends anyone elsewhere."""
    if url.startswith("/") and not url.startswith(("//", "/\\")) and url_has_allowed_host_and_scheme(
        url, allowed_hosts=None
    ):
        return url
    return None


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first (unread ones marked), 20 a page."""
    queryset = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "alignment/notifications.html", {"page": page})


@login_required
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell alone, for htmx to refresh it every minute."""
    return render(request, "alignment/notifications_bell.html")


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read and go where it points (only ever a page of this site)."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(site_relative(notification.url) or "notification_list")


@page_cache.changes_no_page
@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(read_at=timezone.now())
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("notification_list")


@page_cache.changes_no_page
@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Notification preferences saved.")
        return redirect("notification_preferences")
    return render(request, "alignment/notifications_preferences.html", {
        "form": form,
        "snoozed": notifications.is_snoozed(request.user, timezone.now()),
        "snooze_days": notifications.SNOOZE_DAYS,
    })


@login_required
@require_POST
def notification_snooze(request: HttpRequest) -> HttpResponse:
    """Snooze reminders for a week (`action=snooze`) or wake them again (`action=wake`)."""
    user = request.user
    if request.POST.get("action") == "wake":
        user.reminders_snoozed_until = None
        messages.success(request, "Reminders are on again.")
    else:
        user.reminders_snoozed_until = timezone.now() + timedelta(days=notifications.SNOOZE_DAYS)
        local = timezone.localtime(user.reminders_snoozed_until, _zone(user))
        messages.success(request, f"Reminders snoozed until {local:%A %d %B, %H:%M}.")
    user.save(update_fields=["reminders_snoozed_until"])
    return redirect("notification_preferences")


def _zone(user):
    from zoneinfo import ZoneInfo

    return ZoneInfo(user.time_zone or "UTC")


@page_cache.changes_no_page
@csrf_exempt  # the signed token is the permission; mail clients post one-click unsubscribes without a session
@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request: HttpRequest, unsubscribe_token: str) -> HttpResponse:
    """GET asks to confirm; POST (the button, or a mail client's one-click) turns that kind's email off."""
    found = notifications.read_unsubscribe_token(unsubscribe_token)
    if found is None:
        raise Http404("This unsubscribe link is not valid.")
    user_id, kind_key = found
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404("This unsubscribe link is not valid.")
    kind = notifications.get_kind(kind_key)
    if request.method == "POST":
        notifications.set_preference(user=user, kind=kind_key, email=False)
        return render(request, "alignment/notifications_unsubscribe.html", {"kind": kind, "done": True})
    return render(request, "alignment/notifications_unsubscribe.html", {"kind": kind, "done": False})
