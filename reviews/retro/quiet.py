"""A live board's poll when nothing changed: answered 204 ahead of the rest of the site's middleware and its URLs.

Every participant's page asks `…/retrospectives/<id>/live/?v=<version>` every two seconds (`views.live`), and
nearly every time the answer is "nothing new". Through the whole stack that answer cost as much as a small
page: the user read on its own, the URLs resolved, a dozen middlewares. `QuietPollMiddleware` answers it in
one query: the session's version for a member of its team, read with that member's password hash and
whether they may sign in, the checks Django's `get_user` makes of a session (`quiet_poll_sql`), planned once
per connection (`one_query.fetch`).

It answers only what the full stack would answer 204, and only when it can tell so for certain:

- the path is the live endpoint's (`reverse`d from the URLconf in use), a GET, with `v` the session's version
  and a board drawn lately (`live.nothing_new`: else the board is drawn again, for what changed outside it);
- the session names a user, an authentication backend listed in the settings that reads users as Django's
  `ModelBackend` does (by primary key, active ones), and a session hash that the user's password gives with
  the current secret key (`get_session_auth_hash`);
- that user is in the session's team, and owes no two-factor set-up (`alignment.two_factor`).

Anything else goes on to the whole stack, which answers as it always did: a stale or rotated session hash
is flushed there, the anonymous are sent to log in, anyone outside the team gets 404, and a changed board
is drawn. An organisation that has just turned two-factor sign-in on is applied by the next answer that is
not a 204: a 204 shows nothing. A member whose board changed is not asked again what it is at: the version
read here goes on with the request, for that member alone (`version_read`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, ResolverMatch, get_script_prefix, get_urlconf, resolve, reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.module_loading import import_string

from alignment.models import User
from alignment.one_query import fetch
from alignment.two_factor import DUE
from reviews.retro import live, selectors

URL_NAME = "reviews:retro_live"
# Stand-ins reversed into the live URL, then matched by what each part may be.
_STAND_INS = {"org_slug": "org-slug-0", "team_slug": "team-slug-0", "retro_id": 2_147_480_007}
_PARTS = {"org_slug": r"(?P<org_slug>[-a-zA-Z0-9_]+)", "team_slug": r"(?P<team_slug>[-a-zA-Z0-9_]+)",
          "retro_id": r"(?P<retro_id>[0-9]+)"}


class QuietPollMiddleware:
    """Answer a live board's poll 204 when nothing changed and the session is certainly a member's (see the module)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and "v" in request.GET:
            live = _live(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
            found = live.path.fullmatch(request.path) if live is not None else None
            if found is not None and _nothing_new(request, found):
                request.resolver_match = ResolverMatch(  # for the request metrics, by view
                    live.view, (), {**found.groupdict(), "retro_id": int(found["retro_id"])}, url_name="retro_live",
                    app_names=["reviews"], namespaces=["reviews"])
                response = HttpResponse(status=204)
                response["Cache-Control"] = "private, no-store"  # as for every signed-in answer (PrivateCacheMiddleware)
                return response
        return self.get_response(request)


def _nothing_new(request: HttpRequest, found: re.Match) -> bool:
    session = request.session
    backend, session_hash = session.get(BACKEND_SESSION_KEY), session.get(HASH_SESSION_KEY)
    if not session_hash or backend not in _model_backends() or session.get(DUE):
        return False
    try:
        user_id = User._meta.pk.to_python(session.get(SESSION_KEY))
    except ValidationError:
        return False
    if user_id is None:
        return False
    rows = fetch(connection, selectors.quiet_poll_sql(),
                 [int(found["retro_id"]), found["team_slug"], found["org_slug"], user_id], planned_once=True)
    if not rows:
        return False
    version, password, is_active = rows[0]
    if not (is_active and constant_time_compare(session_hash,
                                                User(pk=user_id, password=password).get_session_auth_hash())):
        return False
    if live.nothing_new(request.GET, version, timezone.now().timestamp()):
        return True
    request.live_version_read = (int(found["retro_id"]), found["team_slug"], found["org_slug"], user_id, version)
    return False


def version_read(request: HttpRequest, org_slug: str, team_slug: str, retro_id: int) -> int | None:
    """The session's version as the middleware read it for this request's user, a member of its team (None when it
    read none: the view reads it)."""
    read = getattr(request, "live_version_read", None)
    if read is None or read[:4] != (retro_id, team_slug, org_slug, request.user.pk):
        return None
    return read[4]


@dataclass(frozen=True)
class _Live:
    path: re.Pattern  # the live endpoint's path in a URLconf
    view: Callable  # the view it resolves to


@cache
def _live(urlconf: str, script_prefix: str) -> _Live | None:
    """The live endpoint in this URLconf, found once (None where it has none)."""
    try:
        path = reverse(URL_NAME, kwargs=_STAND_INS, urlconf=urlconf)
    except NoReverseMatch:
        return None
    pattern = re.escape(path)
    for name, stand_in in _STAND_INS.items():
        pattern = pattern.replace(re.escape(str(stand_in)), _PARTS[name], 1)
    return _Live(re.compile(pattern), resolve(path.removeprefix(script_prefix.rstrip("/")), urlconf=urlconf).func)


@cache
def _model_backends() -> frozenset[str]:
    """The listed backends that read a session's user as `ModelBackend` does: by primary key, if active."""
    return frozenset(path for path in settings.AUTHENTICATION_BACKENDS
                     if issubclass(backend := import_string(path), ModelBackend)
                     and backend.get_user is ModelBackend.get_user
                     and backend.user_can_authenticate is ModelBackend.user_can_authenticate)
