"""Who calls, and what they may reach: a token's scopes, then its person's capability, asked as the pages ask it.

A personal token acts as its person: every team is reached through `alignment.permissions` with the same
capability the page asks (404 outside the team, 403 for a missing role). A service token reads its
organisation as the organisation's admins read it (`ADMIN_CAPABILITIES`: the summary pages, never a person's
check-in words or drafts), and is an outsider (404) to every other organisation.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from alignment import permissions
from alignment.audit import origin_of
from alignment.models import Organisation, Team
from alignment.permissions import Capability, TeamAccess
from api import scopes as api_scopes
from api import services
from api.models import ApiToken


class TokenAuth(HttpBearer):
    """`Authorization: Bearer chr_…`: the usable token, its person as `request.user` (1–2 queries)."""

    openapi_description = "A personal access token or an organisation service token, made in Charter."

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = services.token_for(token.strip())
        if found is None:
            return None
        request.user = found.user
        services.note_use(found, ip_address=origin_of(request).ip_address)
        return found


class TokenRateThrottle(SimpleRateThrottle):
    """Calls per token over a sliding window (`settings.API_RATE_LIMIT`), counted in the shared cache."""

    scope = "token"

    def __init__(self):
        super().__init__(settings.API_RATE_LIMIT)

    def allow_request(self, request: HttpRequest) -> bool:
        self.rate = settings.API_RATE_LIMIT  # read per call: a changed setting applies without a restart
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request: HttpRequest) -> str | None:
        token = getattr(request, "auth", None)
        if not isinstance(token, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.digest[:32]}


def token_of(request: HttpRequest) -> ApiToken:
    return request.auth


def require_scope(request: HttpRequest, area: str, *, write: bool = False) -> ApiToken:
    """403 unless the calling token's scopes reach `area` (for writing when `write`)."""
    token = token_of(request)
    if not api_scopes.allows(token.scopes, area, write=write):
        needed = api_scopes.scope(area, api_scopes.WRITE if write else api_scopes.READ)
        raise AuthorizationError(message=f"This token's scopes do not include {needed}.")
    return token


def organisations(request: HttpRequest, *, area: str = "teams"):
    """The organisations the caller may read, by name."""
    token = require_scope(request, area)
    if token.is_service:
        return Organisation.objects.filter(pk=token.organisation_id)
    return permissions.organisations_of(token.user).order_by("name", "pk")


def organisation(request: HttpRequest, org_slug: str, *, area: str = "teams") -> Organisation:
    """An organisation the caller may read; 404 otherwise."""
    token = require_scope(request, area)
    if token.is_service:
        if token.organisation.slug != org_slug:
            raise Http404("No such organisation")
        found = token.organisation
    else:
        found = permissions.organisation_access(token.user, org_slug)
    request.api_organisation = found
    return found


def team(request: HttpRequest, org_slug: str, team_slug: str, capability: Capability | None = None, *,
         area: str, write: bool = False) -> TeamAccess:
    """The team as its page gives it to the caller: `capability` asked as the page asks it (None: what anyone
    in the organisation reads, such as a ratified charter)."""
    token = require_scope(request, area, write=write)
    if token.is_service:
        access = _service_access(token, org_slug, team_slug)
        if capability is not None:
            access.require(capability)
    elif capability is None:
        access = permissions.reader_access(token.user, org_slug, team_slug)
    else:
        access = permissions.team_access(token.user, org_slug, team_slug, capability)
    request.api_organisation, request.api_team = access.team.organisation, access.team
    return access


def _service_access(token: ApiToken, org_slug: str, team_slug: str) -> TeamAccess:
    if token.organisation.slug != org_slug:
        raise Http404("No such team")
    found = Team.objects.select_related("organisation").filter(organisation_id=token.organisation_id,
                                                                 slug=team_slug).first()
    if found is None:
        raise Http404("No such team")
    return TeamAccess(team=found, user=token.user, membership=None, is_organisation_admin=True)
