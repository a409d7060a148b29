from __future__ import annotations

from allauth.idp.oidc.adapter import DefaultOIDCAdapter


class ClaimsAdapter(DefaultOIDCAdapter):
    """allauth's claims, plus the person's extra ones (a groups claim, `amr`) when the client asked for a profile."""

    def get_claims(self, purpose, user, client, scopes, email=None, **kwargs):
        claims = super().get_claims(purpose, user, client, scopes, email=email, **kwargs)
        extra = getattr(user, "extra_claims", None)
        if extra is not None and "profile" in scopes:
            claims.update(extra.claims)
        return claims
