"""Buttons whose write the product may refuse: the outcome, done or refused, is said on the page they return to.

Views that keep a typed form on refusal catch `ActionRefused` themselves and re-show the form; these
serve buttons (acknowledge, mark done, accept...), so that no refusal is silent and none is a 500.
`refused_by_archive` serves those forms when a leader archived the team while they were open.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from alignment import permissions
from alignment.errors import ActionRefused
from alignment.permissions import Capability, TeamAccess

# A form refused because the team was archived meanwhile comes back with what was typed and the reason.
# 409 (the request conflicts with the team's state now) is swapped in place by htmx (`htmx-config` in
# base.html); without JavaScript it is an ordinary page.
ARCHIVED_STATUS = 409


def act[T](request: HttpRequest, action: Callable[[], T], *, done: Callable[[T], str], back: str) -> HttpResponse:
    """Run `action`; its success (`done(result)`) or its refusal becomes a message on `back`, where it returns."""
    try:
        result = action()
    except ActionRefused as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, done(result))
    return _back_to(request, back)


def refused_by_archive(access: TeamAccess, capability: Capability) -> str | None:
    """Why a form is refused when only the team being archived refuses it (`ARCHIVED_REFUSAL`); None if allowed.

    The person's roles give them `capability`, so the form was theirs to fill in until a leader archived
    the team: the view shows it again as typed with this reason (`ARCHIVED_STATUS`). Any other missing
    capability is the 403 page, as `TeamAccess.require` says.
    """
    if access.team.is_archived and capability in permissions.capabilities_of(access.membership):
        return permissions.ARCHIVED_REFUSAL
    access.require(capability)
    return None


def refuse_as_typed(form, reason: str, *, field: str | None = None) -> None:
    """A form refused as a whole: its fields keep what was typed and `reason` is shown on it (or on `field`)."""
    form.is_valid()  # cleans what was typed, so the page shows it back
    form.add_error(field, reason)


def form_access(request: HttpRequest, org_slug: str, team_slug: str,
                capability: Capability) -> tuple[TeamAccess, str | None]:
    """The team and the person for a view with a form, and the archive's reason when it alone refuses a save.

    Opening the form needs `capability` (404 for outsiders, 403 without it); a post refused only because
    a leader archived the team meanwhile gets the reason instead, for the view to show with what was typed.
    """
    access = permissions.team_access(request.user, org_slug, team_slug)
    if request.method == "POST":
        return access, refused_by_archive(access, capability)
    access.require(capability)
    return access, None


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
