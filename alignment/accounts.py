"""How Charter plugs into django-allauth: sign-in, two-factor steps, single sign-on, and what the trail keeps.

- `AccountAdapter`: wrong passwords are counted by django-axes (`alignment.lockout`), not a second time by
  allauth; allauth's own counter still limits wrong two-factor codes per account.
- `SingleSignOnAdapter`: each organisation's `IdentityProvider` is an `openid_connect` app named
  "org<organisation id>", built from the database row on demand (its secret unsealed); a first sign-in
  creates the account only for an address in a domain that provider claims, and never for a deactivated or
  erased one.
- The receivers at the foot put a person who came through a provider in the organisation's teams
  (`alignment.sso.place_person`) and keep two-factor and session changes in the audit trail.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.contrib import messages
from django.shortcuts import redirect

from alignment import audit, saml, sealed, sso, two_factor
from alignment.models import AuditKind, Deactivation, IdentityProvider


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": "Please enter a correct email address and password.",
    }

    def pre_authenticate(self, request, **credentials) -> None:
        # django-axes refuses a locked-out address before the password is checked, and
        # `lockout.account_wait` slows an account under attack: counting here too would lock twice.
        self._login_failed_rl_usage = None

    def _rollback_login_failed_rl_usage(self) -> None:
        return None

    def is_open_for_signup(self, request) -> bool:
        return True


def _app_for(provider: IdentityProvider) -> SocialApp:
    if provider.is_saml:
        return saml.app_for(provider)
    return SocialApp(
        provider="openid_connect", provider_id=provider.provider_id, name=provider.name,
        client_id=provider.client_id, secret=sealed.unseal(provider.client_secret_sealed),
        settings={"server_url": provider.issuer_url.rstrip("/"), "token_auth_method": "client_secret_post"},
    )


class SingleSignOnAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None) -> list[SocialApp]:
        """The organisations' identity providers, one app each, read from their rows (1 query).

        allauth asks by protocol ("openid_connect", "saml", with the SAML app's `client_id`) or by the
        provider id of one organisation ("org<id>").
        """
        rows = IdentityProvider.objects.all()
        if provider in ("openid_connect", "saml"):
            protocol = IdentityProvider.Protocol.SAML if provider == "saml" else IdentityProvider.Protocol.OIDC
            rows = rows.filter(protocol=protocol)
        elif provider:
            found = sso.provider_by_id(provider)
            rows = [found] if found else []
        apps = [_app_for(row) for row in rows]
        return [app for app in apps if not client_id or app.client_id == client_id]

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return True

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True

    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse an address the provider does not own, and a person deactivated or erased here."""
        provider = sso.provider_by_id(sociallogin.account.provider)
        email = (sociallogin.user.email or "").strip().lower()
        if provider is None or not email or sso.provider_for_email(email) != provider:
            messages.error(request, "That identity provider may not sign in this address here. "
                                    "Ask your organisation's admin which sign-in to use.")
            raise ImmediateHttpResponse(redirect("login"))
        user = sociallogin.user if sociallogin.is_existing else None
        if user is None:
            user = type(sociallogin.user).objects.filter(email=email).first()
        if user is not None and (not user.is_active or user.erased_at
                                 or Deactivation.objects.filter(organisation=provider.organisation,
                                                                person=user).exists()):
            messages.error(request, "This account is switched off here. Ask your organisation's admin.")
            raise ImmediateHttpResponse(redirect("login"))
        if user is not None and sociallogin.account.pk is None and provider.organisation.admins.filter(pk=user.pk).exists():
            # Linking an account by its address wipes its password unless the address is known to be its
            # owner's (allauth's guard against an account squatted under someone else's address). An admin's
            # is: the organisation made them one, and their password is the break-glass way in.
            EmailAddress.objects.update_or_create(user=user, email=user.email,
                                                  defaults={"verified": True, "primary": True})

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").strip().lower()
        if not user.display_name:
            user.display_name = (data.get("name") or "").strip()[:80]
        return user

    def is_email_verified(self, provider, email) -> bool:
        # An organisation's own provider, for a domain it claims (checked in `pre_social_login`), vouches for it.
        return True


def claims_of(sociallogin) -> dict:
    """What the provider said about the person: an OpenID provider's user info over its ID token; a SAML
    provider's attributes (each a list of values)."""
    data = sociallogin.account.extra_data or {}
    if "id_token" in data or "userinfo" in data:
        return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    return saml.claims_of(data)


# Receivers (connected in `AlignmentConfig.ready`) --------------------------------------------------------

def on_social_sign_in(sender, request, user, sociallogin=None, **kwargs) -> None:
    """After a sign-in through an organisation's provider: the trail, the teams its groups map to, and
    whether two-factor sign-in is still owed (`alignment.two_factor`)."""
    if sociallogin is None:
        return
    provider = sso.provider_by_id(sociallogin.account.provider)
    if provider is None:
        return
    claims = claims_of(sociallogin)
    groups = sso.groups_from_claims(claims, provider.groups_claim)
    audit.record(AuditKind.SINGLE_SIGN_ON,
                 organisation=provider.organisation, actor=user,
                 summary=f"{user.email} signed in through {provider.name}", request=request,
                 changes={"provider": provider.issuer_url or provider.saml_entity_id,
                          "groups": ", ".join(groups) or "none"})
    sso.place_person(provider, user, groups)
    two_factor.note_sign_in(request, user, claims=claims)


def on_social_sign_up(sender, request, user, sociallogin=None, **kwargs) -> None:
    if sociallogin is None:
        return
    provider = sso.provider_by_id(sociallogin.account.provider)
    if provider is not None:
        audit.record(AuditKind.PERSON_PROVISIONED, organisation=provider.organisation, actor=user,
                     summary=f"{user.email} was created by {provider.name} at first sign-in", request=request,
                     changes={"provider": provider.issuer_url or provider.saml_entity_id})


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    audit.record(AuditKind.TWO_FACTOR_ADDED, actor=user, request=request,
                 summary=f"{user.email} added {two_factor.method_name(authenticator)}",
                 changes={"method": authenticator.type})
    two_factor.note_added(request, user)


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    audit.record(AuditKind.TWO_FACTOR_REMOVED, actor=user, request=request,
                 summary=f"{user.email} removed {two_factor.method_name(authenticator)}",
                 changes={"method": authenticator.type})
    two_factor.note_removed(request, user)


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    audit.record(AuditKind.RECOVERY_CODES_MADE, actor=user, request=request,
                 summary=f"{user.email} made new recovery codes", changes={"method": authenticator.type})


def on_two_factor_failed(sender, request, user, **kwargs) -> None:
    audit.record(AuditKind.TWO_FACTOR_FAILED, actor=user, request=request,
                 summary=f"A two-factor code for {user.email} was refused")
