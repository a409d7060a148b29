"""The notification centre (bell, list, preferences, one-click unsubscribe), the calendar feed, team webhooks."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from alignment import confirm, permissions, refusals
from alignment.errors import ActionRefused
from alignment.models import User
from alignment.next_page import local_path
from alignment.permissions import Capability, TeamAccess
from notifications import calendar as calendar_feed
from notifications import selectors, webhooks
from notifications import services as notifications
from notifications.forms import CalendarAddressForm, PreferencesForm, ReadAllForm, WebhookEventsForm, WebhookForm
from notifications.models import Notification, TeamWebhook


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    """The person's notifications, newest first (unread ones marked), a page at a time."""
    page = selectors.centre_page(request.user, page=request.GET.get("page"))
    return render(request, "notifications/notification_list.html", {
        "page": page, "read_all_form": ReadAllForm(initial={"up_to": page.newest_unread}),
        # The bell's number, counted with the page: the header asks no query of its own for it.
        "unread_notifications": page.unread,
    })


@login_required
@require_GET
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell alone, for htmx to refresh it every minute."""
    return render(request, "notifications/bell.html")


@login_required
@require_GET
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read and go where it points (only ever a page of this site)."""
    notification = get_object_or_404(Notification, pk=notification_id, recipient=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect(local_path(notification.url) or "notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    form = ReadAllForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nothing was marked as read: reload the page and try again.")
        return redirect("notifications:list")
    count = notifications.mark_read(user=request.user, up_to=form.cleaned_data["up_to"])
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect("notifications:list")


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Notification preferences saved.")
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {
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
    return redirect("notifications:preferences")


def _zone(user):
    from zoneinfo import ZoneInfo

    return ZoneInfo(user.time_zone or "UTC")


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
        return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": True})
    return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": False})


# The calendar feed: the page where a person makes, replaces or stops their address, and the feed itself. --

# The new token waits in the session for the one page view that shows it (never in a cookie or a URL).
FRESH_TOKEN = "calendar_feed_fresh_token"


@login_required
@require_GET
def calendar_feed_page(request: HttpRequest) -> HttpResponse:
    """Whether the person has an address, when an app last fetched it; the address itself right after making it."""
    feed = calendar_feed.feed_of(request.user)
    token = request.session.pop(FRESH_TOKEN, None)
    fresh = None
    if token and calendar_feed.is_token_of(feed, token):
        fresh = {"url": calendar_feed.feed_url(token), "webcal": calendar_feed.webcal_url(token)}
    return render(request, "notifications/calendar_feed.html", {
        "feed": feed,
        "fresh": fresh,
        "address_form": CalendarAddressForm(initial={"replacing": calendar_feed.feed_version(feed)}),
        "weeks_before": calendar_feed.WINDOW_BEFORE.days // 7,
        "weeks_after": calendar_feed.WINDOW_AFTER.days // 7,
    })


@login_required
@require_POST
def calendar_feed_issue(request: HttpRequest) -> HttpResponse:
    """Make the address, or replace it (the old one stops working); it is shown once, on the next page."""
    form = CalendarAddressForm(request.POST)
    replacing = form.cleaned_data["replacing"] if form.is_valid() else ""
    token = calendar_feed.issue_token(user=request.user, replacing=replacing)
    if token is None:
        # A second click, or another tab: the address made a moment ago stays, and is shown if it is new.
        messages.info(request, "Your calendar address had just been made, so it was kept rather than replaced "
                               "again.")
    else:
        request.session[FRESH_TOKEN] = token
        if replacing:
            messages.success(request, "Your new calendar address is ready. The old one no longer works.")
        else:
            messages.success(request, "Your calendar address is ready.")
    return redirect("notifications:calendar")


@login_required
@require_POST
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    if question := confirm.ask(request, question="Stop your calendar feed?", yes="Yes, stop the feed",
                               back=reverse("notifications:calendar"), consequences=[
                                   "Your calendar address stops working at once; calendars subscribed to it stop "
                                   "updating.",
                                   "You can make a new address later, to subscribe again."]):
        return question
    request.session.pop(FRESH_TOKEN, None)
    if calendar_feed.revoke_feed(user=request.user):
        messages.success(request, "Your calendar address no longer works. Calendars subscribed to it stop updating.")
    return redirect("notifications:calendar")


@require_safe
def calendar_feed_ics(request: HttpRequest, calendar_token: str) -> HttpResponse:
    """The feed, for calendar apps: no login, the secret address is the permission; 404 once it is replaced.

    Apps fetch it again every hour or so, mostly to find nothing new: an app that sends back the feed's tag
    (`If-None-Match`) is answered 304 with no body while its events are the same, and the ICS is written only
    when they changed (the events are still read, since they are what the tag says)."""
    feed = calendar_feed.feed_for_token(calendar_token)
    if feed is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    contents = calendar_feed.feed_contents(feed.user, now)
    etag = contents.etag
    calendar_feed.note_fetch(feed, now)
    response = get_conditional_response(request, etag=etag)  # 304 for a tag sent back, compared weakly
    if response is None:
        response = HttpResponse(calendar_feed.render_ics(contents), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="charter.ics"'
    response["ETag"] = etag
    response["X-Robots-Tag"] = "noindex"
    # One person's calendar: never kept by a shared cache; an app may reuse its copy for a few minutes.
    patch_cache_control(response, private=True, max_age=300)
    return response


# A team's webhooks: list with delivery logs, add, choose events, turn back on, remove, send a test, and roll a
# JSON webhook's signing secret. Managing them is part of managing the team (`Capability.MANAGE_TEAM`): its
# leaders, never while the team is archived. Every action is a plain form post that redirects back to the page,
# except the two that make a signing secret: they answer with the page showing it whole, this once (never
# kept in the session or a message, and the page is not cached: `PrivateCacheMiddleware`).

def _access(request: HttpRequest, org_slug: str, team_slug: str) -> TeamAccess:
    return permissions.team_access(request.user, org_slug, team_slug, Capability.MANAGE_TEAM)


def _webhook(access: TeamAccess, webhook_id: int) -> TeamWebhook:
    webhook = get_object_or_404(TeamWebhook, pk=webhook_id, team=access.team)
    webhook.team = access.team  # already loaded
    return webhook


def _page(request: HttpRequest, access: TeamAccess, *, add_form: WebhookForm | None = None,
          bound: WebhookEventsForm | None = None, revealed: tuple[int, str] | None = None,
          status: int = 200) -> HttpResponse:
    """The page; `revealed` is (webhook id, its signing secret) just made, to show whole this once."""
    rows = webhooks.webhook_rows(access.team)
    for row in rows:
        row.form = bound if bound is not None and bound.webhook.pk == row.webhook.pk else \
            WebhookEventsForm(webhook=row.webhook)
        if revealed is not None and revealed[0] == row.webhook.pk:
            row.revealed_secret = revealed[1]
    may_add = len(rows) < webhooks.MAX_WEBHOOKS_PER_TEAM
    return render(request, "notifications/team_webhooks.html", {
        "team": access.team, "access": access, "rows": rows, "may_add": may_add,
        "add_form": add_form or WebhookForm(), "max_webhooks": webhooks.MAX_WEBHOOKS_PER_TEAM,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def team_webhooks(request: HttpRequest, org_slug: str, team_slug: str) -> HttpResponse:
    """The team's webhooks with their recent deliveries; posting the form adds one."""
    access = _access(request, org_slug, team_slug)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = webhooks.add_webhook(team=access.team, actor=request.user, url=form.cleaned_data["url"],
                                           events=form.cleaned_data["events"], format=form.cleaned_data["format"])
        except ActionRefused as exc:
            form.add_error("url", str(exc))
        else:
            if webhook.is_signed:
                messages.success(request, f"Webhook {webhooks.masked_url(webhook.url)} added. Copy its signing "
                                          "secret now: it is not shown again.")
                return _page(request, access, revealed=(webhook.pk, webhooks.secret_of(webhook)))
            messages.success(request, f"Webhook {webhooks.masked_url(webhook.url)} added. Send it a test message "
                                      "to check that it reaches your channel.")
            return redirect("notifications:webhooks", org_slug, team_slug)
    return _page(request, access, add_form=form, status=400 if form.errors else 200)


@login_required
@require_POST
def team_webhook_events(request: HttpRequest, org_slug: str, team_slug: str, webhook_id: int) -> HttpResponse:
    access = _access(request, org_slug, team_slug)
    webhook = _webhook(access, webhook_id)
    form = WebhookEventsForm(request.POST, webhook=webhook)
    if form.is_valid():
        webhooks.change_events(webhook=webhook, events=form.cleaned_data["events"])
        messages.success(request, f"Events of {webhooks.masked_url(webhook.url)} saved.")
        return redirect("notifications:webhooks", org_slug, team_slug)
    return _page(request, access, bound=form, status=400)


@login_required
@require_POST
def team_webhook_enable(request: HttpRequest, org_slug: str, team_slug: str, webhook_id: int) -> HttpResponse:
    access = _access(request, org_slug, team_slug)
    webhook = _webhook(access, webhook_id)
    if webhooks.enable_webhook(webhook=webhook):
        messages.success(request, f"{webhooks.masked_url(webhook.url)} is on again. Send it a test message to "
                                  "check it.")
    else:
        messages.info(request, f"{webhooks.masked_url(webhook.url)} was already on.")
    return redirect("notifications:webhooks", org_slug, team_slug)


@login_required
@require_POST
def team_webhook_remove(request: HttpRequest, org_slug: str, team_slug: str, webhook_id: int) -> HttpResponse:
    access = _access(request, org_slug, team_slug)
    webhook = _webhook(access, webhook_id)
    masked = webhooks.masked_url(webhook.url)
    if question := confirm.ask(request, question=f"Remove the webhook {masked}?", yes="Yes, remove the webhook",
                               back=reverse("notifications:webhooks", args=[org_slug, team_slug]), access=access,
                               consequences=["Its channel gets no more messages from this team.",
                                             "Its delivery log is deleted with it."]):
        return question
    webhooks.remove_webhook(webhook=webhook)
    messages.success(request, f"Webhook {webhooks.masked_url(webhook.url)} removed, with its delivery log.")
    return redirect("notifications:webhooks", org_slug, team_slug)


@login_required
@require_POST
def team_webhook_test(request: HttpRequest, org_slug: str, team_slug: str, webhook_id: int) -> HttpResponse:
    access = _access(request, org_slug, team_slug)
    webhook = _webhook(access, webhook_id)
    return refusals.act(
        request, lambda: webhooks.send_test(webhook=webhook, actor=request.user),
        done=lambda _: f"Test message queued for {webhooks.masked_url(webhook.url)}. Its outcome shows under "
                       "Recent deliveries in a few seconds (reload the page).",
        back=reverse("notifications:webhooks", args=[org_slug, team_slug]))


@login_required
@require_POST
def team_webhook_roll(request: HttpRequest, org_slug: str, team_slug: str, webhook_id: int) -> HttpResponse:
    """Give a JSON webhook a new signing secret, shown whole on the page this answers with; the old one signs
    too for a day."""
    access = _access(request, org_slug, team_slug)
    webhook = _webhook(access, webhook_id)
    try:
        secret = webhooks.roll_secret(webhook=webhook)
    except ActionRefused as exc:
        messages.info(request, str(exc))
        return redirect("notifications:webhooks", org_slug, team_slug)
    messages.success(request, f"{webhooks.masked_url(webhook.url)} has a new signing secret. Copy it now: it is not "
                              "shown again. For 24 hours each post is signed with the old one too.")
    return _page(request, access, revealed=(webhook.pk, secret))
