"""Buttons whose write the product may refuse: the outcome, done or refused, is said on the page they return to.

Views that keep a typed form on refusal catch `ActionRefused` themselves and re-show the form; these
serve buttons (acknowledge, mark done, accept...), so that no refusal is silent and none is a 500.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from alignment.errors import ActionRefused


def act[T](request: HttpRequest, action: Callable[[], T], *, done: Callable[[T], str], back: str) -> HttpResponse:
    """Run `action`; its success (`done(result)`) or its refusal becomes a message on `back`, where it returns."""
    try:
        result = action()
    except ActionRefused as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, done(result))
    return _back_to(request, back)


def refusals_explained(url_name: str) -> Callable[[Callable], Callable]:
    """A team view whose refusals are told on the team's page `url_name` (a fallback for buttons)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, org_slug: str, team_slug: str, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, org_slug, team_slug, *args, **kwargs)
            except ActionRefused as exc:
                messages.error(request, str(exc))
                return _back_to(request, reverse(url_name, args=[org_slug, team_slug]))

        return wrapper

    return decorate


def _back_to(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if getattr(request, "htmx", False) else redirect(url)
