"""Making, revoking and finding API tokens; each change in the audit trail in its own transaction."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from alignment import audit
from alignment.errors import ActionRefused
from alignment.models import AuditKind
from api import scopes as api_scopes
from api.models import ApiToken

TOKEN_PREFIX = "chr_"
SHOWN_PREFIX = 12  # "chr_" and 8 characters of the secret name a token on pages and in the audit trail
# A token's last use is written at most this often: a busy integration must not rewrite its row on every call.
LAST_USED_EVERY = timedelta(minutes=1)
MAX_TOKENS_PER_OWNER = 50


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_token(*, kind: str, name: str, user, scopes: list[str], expires_at: datetime | None,
               organisation=None) -> tuple[ApiToken, str]:
    """A new token and its secret (shown once, never stored); `user` makes it (and a personal token acts as them).

    A service token belongs to `organisation`, whose admin `user` must be (the view asks the capability); it
    gets read scopes only.
    """
    chosen = api_scopes.normalised(scopes)
    if not chosen:
        raise ActionRefused("Choose at least one area the token may use.")
    if kind == ApiToken.Kind.SERVICE:
        if organisation is None:
            raise ActionRefused("A service token belongs to an organisation.")
        if not set(chosen) <= set(api_scopes.service_scopes()):
            raise ActionRefused("Service tokens read the organisation; to write, or to read one person's "
                                "notifications, use that person's own token.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ActionRefused("The expiry date must be in the future.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        owned = (ApiToken.objects.service_of(organisation) if kind == ApiToken.Kind.SERVICE
                 else ApiToken.objects.personal_of(user)).usable()
        if owned.count() >= MAX_TOKENS_PER_OWNER:
            raise ActionRefused(f"There are already {MAX_TOKENS_PER_OWNER} tokens in use; revoke one first.")
        token = ApiToken.objects.create(kind=kind, name=name.strip()[:80], user=user, organisation=organisation,
                                        prefix=secret[:SHOWN_PREFIX], digest=digest_of(secret), scopes=chosen,
                                        expires_at=expires_at)
        audit.record(AuditKind.API_TOKEN_MADE, organisation=organisation, actor=user,
                     summary=f"{token.get_kind_display()} API token “{token.name}” ({token.prefix}…) made",
                     changes={"token": token.prefix, "scopes": ", ".join(chosen),
                              "expires": expires_at.isoformat() if expires_at else "never"})
    return token, secret


def revoke_token(*, token: ApiToken, actor) -> ApiToken:
    """Stop a token at once; revoking one already revoked changes nothing."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db(fields=["revoked_at"])
        if changed:
            audit.record(AuditKind.API_TOKEN_REVOKED, organisation=token.organisation, actor=actor,
                         summary=f"API token “{token.name}” ({token.prefix}…) revoked",
                         changes={"token": token.prefix})
    return token


def token_for(secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token whose secret this is, with its person and organisation (1 query); None otherwise.

    A token of a switched-off person, or a service token whose maker is no longer an admin of its
    organisation, is not usable.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (ApiToken.objects.usable(now=now).select_related("user", "organisation")
             .filter(digest=digest_of(secret), user__is_active=True).first())
    if token is None:
        return None
    if token.is_service and not token.organisation.admins.filter(pk=token.user_id).exists():
        return None
    return token


def note_use(token: ApiToken, *, ip_address: str | None, now: datetime | None = None) -> None:
    """Write when (and from where) the token was last used, at most once a minute (0 or 1 query)."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_ip=ip_address)
    token.last_used_at, token.last_used_ip = now, ip_address
