"""Whole signed-in pages kept in the cache, under marks that change with everything they show.

A key page (a team's charter, its week, the organisation map...) is rendered once and served
again from the cache until something it shows changes. What it shows is described by marks:

- each team's `revision` and each organisation's `revision`, new random numbers written
  whenever anything in that team or organisation changes (`changed()`);
- the reader: who they are, their name, e-mail and time zone, and the revisions of every team
  they belong to (the header lists those teams);
- the address asked for (path, query string, host and scheme) and the current minute, so
  that what depends on the clock (a deadline passing, "this week") is at most a minute old;
- the code: a fingerprint of the templates and the Python source, so a deploy never serves
  what the previous code rendered.

A cached page is only ever served to the person it was rendered for: the reader is part of
its key. What differs from one response to the next is left out of the stored page as a mark
and filled in when it is served: the CSRF token, the notification bell, and the one-time
tokens forms carry (`nonce()`).

**What changes a team.** Every write in the site is a request that is not GET or HEAD, so
`PageCacheMiddleware` marks a change after each of them: the team named in its address (and
the team's organisation, whose map shows it), the whole organisation for an organisation's
address, the admin's changes everywhere, and otherwise the teams of the person who asked (a
new name, an invitation accepted). Views that change nothing shown on a cached page say so
with `@changes_no_page`. Work done outside a request (the scheduler's rollovers) calls
`changed()` itself. With `PAGE_CACHE_VERIFY` on (the test suite runs that way), every page
served from the cache is rendered afresh too and a difference is an error: a write that
forgot to mark its change fails the tests that read the page after it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache as once
from pathlib import Path

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import Q, Value
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from alignment.models import Membership, Organisation, Team, new_revision

logger = logging.getLogger(__name__)

# How long a page stays: it is keyed by the minute, so this only bounds the memory it holds.
TIMEOUT = 120
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

_rendering: ContextVar[list[str] | None] = ContextVar("page_cache_rendering", default=None)


class StalePage(AssertionError):
    """`PAGE_CACHE_VERIFY`: the cache held a page that differs from a fresh rendering."""


def _secret_mark(purpose: str) -> str:
    """A mark nobody can type into a page: it is derived from the secret key."""
    return "m" + hmac.new(settings.SECRET_KEY.encode(), f"page-cache:{purpose}".encode(), "sha256").hexdigest()[:30]


@once
def _marks() -> tuple[str, str]:
    return _secret_mark("csrf"), _secret_mark("bell")


def csrf_mark() -> str:
    return _marks()[0]


def bell_mark() -> str:
    return f"<!--{_marks()[1]}-->"


_bell: Callable[[HttpRequest], str] | None = None


def register_bell(render_bell: Callable[[HttpRequest], str]) -> None:
    """How the header's bell is drawn for a page served from the cache (the notifications app offers it)."""
    global _bell
    _bell = render_bell


def rendering() -> bool:
    """Whether a page is being rendered to be kept (its per-response parts become marks)."""
    return _rendering.get() is not None


def nonce() -> uuid.UUID:
    """A one-time token for a form (a reply sent twice counts once): fresh in every response,
    also in one served from the cache."""
    made = _rendering.get()
    if made is None:
        return uuid.uuid4()
    mark = uuid.UUID(bytes=hashlib.sha256(f"{_marks()[0]}:nonce:{len(made)}".encode()).digest()[:16], version=4)
    made.append(str(mark))
    return mark


@dataclass(frozen=True)
class Entry:
    body: str
    headers: tuple[tuple[str, str], ...]
    nonces: tuple[str, ...]


def serve(request: HttpRequest, marks: Iterable, render: Callable[[], HttpResponse]) -> HttpResponse:
    """The page `render()` makes, from the cache while nothing in `marks` (or the reader) changed.

    `marks` are what the page shows beyond the reader and their teams: `team_marks()` (a team's
    pages call `serve_team_page`), `organisation_marks()`, `reader_marks()`. `render` does all of the page's work, so a page served from the
    cache asks the database for nothing more than the marks.
    """
    if not _cacheable(request):
        return render()
    key = _key(request, marks)
    entry = cache.get(key)
    if entry is not None:
        if settings.PAGE_CACHE_VERIFY:
            _verify(entry, _render(render)[1], request)
        return _respond(request, entry)
    response, fresh = _render(render)
    if fresh is None:
        return response
    if response.status_code == 200 and not response.cookies and not request.session.modified:
        cache.set(key, fresh, TIMEOUT)
    response.content = _filled(request, fresh)
    return response


def serve_team_page(request: HttpRequest, access, render: Callable[[], HttpResponse]) -> HttpResponse:
    """`serve` for a page about one team (`access`, from `permissions.team_access` or `reader_access`)."""
    return serve(request, team_marks(access), render)


def team_marks(access) -> list:
    """A team page's marks: the team, and every team in the reader's header."""
    return [("team", access.team.pk, access.team.revision), *_membership_marks(access.memberships_of_user or ())]


def organisation_marks(organisation: Organisation, memberships: Iterable[Membership]) -> list:
    """An organisation page's marks: the organisation (which changes with each of its teams) and the reader's teams."""
    return [("organisation", organisation.pk, organisation.revision), *_membership_marks(memberships)]


def reader_marks(user) -> list:
    """A page about the reader's own teams (home): each of them, and the organisations they administer.

    One query: the two lists as one UNION.
    """
    teams = Membership.objects.filter(user=user).order_by().annotate(kind=Value("in")).values_list(
        "kind", "team_id", "team__revision")
    administered = Organisation.objects.filter(admins=user).order_by().annotate(kind=Value("admin")).values_list(
        "kind", "pk", "revision")
    return sorted(teams.union(administered, all=True).order_by())


def _membership_marks(memberships: Iterable[Membership]) -> list:
    return sorted(("in", m.team_id, m.team.revision) for m in memberships)


def changed(*, teams=(), organisations=(), everything: bool = False) -> None:
    """Mark teams (with their organisations) and whole organisations (with all their teams) as changed.

    `teams` and `organisations` are ids, or a query of ids. Two UPDATEs. Call it after the
    change is committed: a page rendered from what was there before and kept in between is
    kept under the old marks, which nobody asks for any more.
    """
    revision = new_revision()  # with nothing to mark, Django sends neither UPDATE
    if everything:
        Team.objects.update(revision=revision)
        Organisation.objects.update(revision=revision)
        return
    Team.objects.filter(Q(pk__in=teams) | Q(organisation__in=organisations)).update(revision=revision)
    Organisation.objects.filter(Q(pk__in=organisations) | Q(teams__in=teams)).update(revision=revision)


def changes_no_page(view):
    """For a view whose writes show on no cached page (reading one's notifications, a calendar address)."""
    view.changes_no_page = True
    return view


class PageCacheMiddleware:
    """After every request that may have written something, mark what it may have changed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            try:
                _request_changed(request)
            except DatabaseError:  # the answer stands; the pages it changed fall out within a minute
                logger.exception("Could not mark the pages %s changed", request.path)
        return response


def _request_changed(request: HttpRequest) -> None:
    match = request.resolver_match
    if match is None:
        return
    if getattr(match.func, "changes_no_page", False):
        return
    if match.namespace == "admin":
        changed(everything=True)
        return
    org_slug, team_slug = match.kwargs.get("org_slug"), match.kwargs.get("team_slug")
    if org_slug and team_slug:
        changed(teams=Team.objects.filter(organisation__slug=org_slug, slug=team_slug).values("pk"))
    elif org_slug:
        changed(organisations=Organisation.objects.filter(slug=org_slug).values("pk"))
    elif request.user.is_authenticated:
        changed(teams=Membership.objects.filter(user=request.user).values("team_id"))


# --- keys, rendering and serving ---------------------------------------------------------

def _cacheable(request: HttpRequest) -> bool:
    return (
        settings.PAGE_CACHE
        and request.method == "GET"
        and not getattr(request, "htmx", False)
        and request.user.is_authenticated
        and not len(get_messages(request))  # a message shows once: the page carrying it is not kept
    )


def _key(request: HttpRequest, marks: Iterable) -> str:
    user = request.user
    minute = int(timezone.now().timestamp() // 60)
    parts = repr((code_fingerprint(), user.pk, user.name, user.email, user.time_zone, request.scheme,
                  request.get_host(), request.get_full_path(), minute, tuple(marks)))
    return "page:" + hashlib.sha256(parts.encode()).hexdigest()


def _render(render: Callable[[], HttpResponse]) -> tuple[HttpResponse, Entry | None]:
    """The response, rendered with marks where each response differs; and what of it may be kept."""
    nonces: list[str] = []
    token = _rendering.set(nonces)
    try:
        response = render()
        if response.streaming:
            return response, None
        body = response.content.decode(response.charset)
    finally:
        _rendering.reset(token)
    headers = tuple((name, value) for name, value in response.items() if name.lower() != "content-length")
    return response, Entry(body=body, headers=headers, nonces=tuple(nonces))


def _filled(request: HttpRequest, entry: Entry) -> str:
    body = entry.body.replace(csrf_mark(), get_token(request))
    if bell_mark() in body and _bell is not None:
        body = body.replace(bell_mark(), _bell(request))  # query: the bell's number
    for mark in entry.nonces:
        body = body.replace(mark, str(uuid.uuid4()))
    return body


def _respond(request: HttpRequest, entry: Entry) -> HttpResponse:
    response = HttpResponse(_filled(request, entry))
    for name, value in entry.headers:
        response[name] = value
    return response


def _verify(kept: Entry, fresh: Entry | None, request: HttpRequest) -> None:
    if fresh is None or kept.body == fresh.body:
        return
    import difflib

    diff = "\n".join(list(difflib.unified_diff(kept.body.splitlines(), fresh.body.splitlines(),
                                               "cached", "fresh", lineterm=""))[:60])
    raise StalePage(f"The cached {request.get_full_path()} differs from a fresh rendering: a write did not mark "
                    f"its change (alignment.page_cache.changed).\n{diff}")


@once
def code_fingerprint() -> str:
    """The templates and Python source of the site, hashed once per process."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    for folder in ("templates", "alignment", "charts", "notifications", "charters", "decisions", "checkins", "reviews"):
        for path in sorted((base / folder).rglob("*")):
            if path.suffix in {".html", ".py", ".txt", ".md"} and path.is_file():
                digest.update(str(path.relative_to(base)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
