"""The calendar feed: the page where a person makes, replaces or stops their address, and the feed itself."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST, require_safe

from alignment import calendar_feed, page_cache

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
    return render(request, "alignment/calendar_feed.html", {
        "feed": feed,
        "fresh": fresh,
        "weeks_before": calendar_feed.WINDOW_BEFORE.days // 7,
        "weeks_after": calendar_feed.WINDOW_AFTER.days // 7,
    })


@page_cache.changes_no_page
@login_required
@require_POST
def calendar_feed_issue(request: HttpRequest) -> HttpResponse:
    """Make the address, or replace it (the old one stops working); it is shown once, on the next page."""
    replacing = calendar_feed.feed_of(request.user) is not None
    request.session[FRESH_TOKEN] = calendar_feed.issue_token(user=request.user)
    if replacing:
        messages.success(request, "Your new calendar address is ready. The old one no longer works.")
    else:
        messages.success(request, "Your calendar address is ready.")
    return redirect("calendar_feed")


@page_cache.changes_no_page
@login_required
@require_POST
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    request.session.pop(FRESH_TOKEN, None)
    if calendar_feed.revoke_feed(user=request.user):
        messages.success(request, "Your calendar address no longer works. Calendars subscribed to it stop updating.")
    return redirect("calendar_feed")


@require_safe
def calendar_feed_ics(request: HttpRequest, calendar_token: str) -> HttpResponse:
    """The feed, for calendar apps: no login, the secret address is the permission; 404 once it is replaced."""
    feed = calendar_feed.feed_for_token(calendar_token)
    if feed is None:
        raise Http404("No such calendar.")
    now = timezone.now()
    response = HttpResponse(calendar_feed.render_ics(feed.user, now), content_type="text/calendar; charset=utf-8")
    calendar_feed.note_fetch(feed, now)
    response["Content-Disposition"] = 'inline; filename="charter.ics"'
    response["X-Robots-Tag"] = "noindex"
    # One person's calendar: never kept by a shared cache; an app may reuse its copy for a few minutes.
    patch_cache_control(response, private=True, max_age=300)
    return response
