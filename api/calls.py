"""What happens around every API call: the audit trail, and conditional GET.

`answered` wraps each of the API's URL views (api/urls.py):

- a call made with a token is one audit event (`AuditKind.API_CALL`): the method, the path, the answer's
  status and the token's prefix, in the organisation and team the call reached; a write's event is recorded
  in the same transaction as what it wrote;
- a GET answered 200 carries an `ETag` (a digest of the body) and `Cache-Control: private, no-cache`, so a
  client may keep it and ask again with `If-None-Match`: the same body answers `304 Not Modified` with no body.
"""

from __future__ import annotations

import hashlib
from functools import wraps

from django.db import transaction
from django.http import HttpRequest, HttpResponseNotModified
from django.utils.cache import parse_etags
from django.utils.http import quote_etag

from alignment import audit
from alignment.models import AuditKind
from api.models import ApiToken


def answered(view):
    @wraps(view)
    def call(request: HttpRequest, *args, **kwargs):
        if request.method in ("GET", "HEAD"):
            response = _audited(view, request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                return _conditional(request, response)
            return response
        # A write and its audit event are kept together, or neither is: the service's own transaction runs
        # inside this one, so a process that dies after the write cannot leave it without its "API call".
        with transaction.atomic():
            return _audited(view, request, *args, **kwargs)

    return call


def _audited(view, request: HttpRequest, *args, **kwargs):
    response = view(request, *args, **kwargs)
    token = getattr(request, "auth", None)
    if isinstance(token, ApiToken):
        _record(request, token, response.status_code)
    return response


def _record(request: HttpRequest, token: ApiToken, status: int) -> None:
    organisation = getattr(request, "api_organisation", None) or token.organisation
    audit.record(AuditKind.API_CALL, organisation=organisation, team=getattr(request, "api_team", None),
                 actor=token.user, summary=f"{request.method} {request.path} → {status}",
                 changes={"token": token.prefix, "status": status})


def _conditional(request: HttpRequest, response):
    etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    asked = parse_etags(request.headers.get("If-None-Match", ""))
    if etag in asked or "*" in asked:
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        not_modified["Cache-Control"] = "private, no-cache"
        return not_modified
    return response
