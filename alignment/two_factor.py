"""Two-factor sign-in an organisation can require, kept out of every page's queries.

allauth asks a second factor of whoever has one (TOTP, a recovery code, a passkey). An organisation that
sets `mfa_required` also wants everyone in it to have one: at each sign-in (`note_sign_in`, 1–2 queries) the
session remembers whether the person still owes one, and `TwoFactorRequiredMiddleware` then sends them to
the two-factor page until they add a method — reading only the session. Turning the requirement on
(`policy_changed`) stamps the cache so every session checks again once, at its next request.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.core.cache import cache
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.shortcuts import redirect

from alignment.models import Membership, Organisation

DUE = "two_factor_due"  # session: the names of the organisations that require it, while none is set up
CHECKED = "two_factor_checked"  # session: when `DUE` was worked out
POLICY_STAMP = "two-factor-policy-changed"
ANYWHERE = "two-factor-required-anywhere"
# A provider that says it checked a second factor ("amr" of RFC 8176) is enough on its own.
STRONG_AMR = {"mfa", "otp", "hwk", "swk", "sc", "fpt"}
PASSES = ("/accounts/2fa/", "/accounts/logout/", "/accounts/reauthenticate/", "/static/", "/health/")


def method_name(authenticator: Authenticator) -> str:
    return {Authenticator.Type.TOTP: "an authenticator app", Authenticator.Type.RECOVERY_CODES: "recovery codes",
            Authenticator.Type.WEBAUTHN: "a passkey"}.get(authenticator.type, "a sign-in method")


@dataclass(frozen=True)
class SecondSteps:
    """What a person has set up for two-factor sign-in, as the profile page says it."""

    authenticator_app: bool
    passkeys: int
    recovery_codes: bool

    @property
    def is_on(self) -> bool:
        return self.authenticator_app or self.passkeys > 0


def second_steps(user) -> SecondSteps:
    """The person's authenticator app, passkeys and recovery codes (1 query)."""
    types = list(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    return SecondSteps(authenticator_app=Authenticator.Type.TOTP in types,
                       passkeys=types.count(Authenticator.Type.WEBAUTHN),
                       recovery_codes=Authenticator.Type.RECOVERY_CODES in types)


def required_anywhere() -> bool:
    """Whether any organisation requires two-factor sign-in: kept a minute in the cache, so that a sign-in where
    none does (most of them) costs no query. `policy_changed` forgets it at once."""
    flag = cache.get(ANYWHERE)
    if flag is None:
        flag = Organisation.objects.filter(mfa_required=True).exists()
        cache.set(ANYWHERE, flag, timeout=60)
    return flag


def requiring_organisations(user) -> list[str]:
    """The organisations of `user` that require two-factor sign-in (1 query)."""
    in_a_team = Membership.objects.filter(user=user, team__organisation=OuterRef("pk"))
    admin = Organisation.admins.through.objects.filter(user=user, organisation=OuterRef("pk"))
    return list(Organisation.objects.filter(Exists(in_a_team) | Exists(admin), mfa_required=True)
                .values_list("name", flat=True))


def has_second_factor(user) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]).exists()


def owed(user, *, claims: dict | None = None) -> list[str]:
    """The organisations still waiting for `user` to set up a second factor; [] when none is owed."""
    amr = set((claims or {}).get("amr") or [])
    if amr & STRONG_AMR:
        return []
    required = requiring_organisations(user) if required_anywhere() else []
    if not required or has_second_factor(user):
        return []
    return required


def note_sign_in(request: HttpRequest | None, user, *, claims: dict | None = None) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[DUE] = owed(user, claims=claims)
    request.session[CHECKED] = time.time()


def note_added(request: HttpRequest | None, user) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[DUE] = owed(user)
        request.session[CHECKED] = time.time()


note_removed = note_added


def policy_changed() -> None:
    """Every signed-in session checks again at its next request (an organisation turned the requirement on or
    off)."""
    cache.delete(ANYWHERE)
    cache.set(POLICY_STAMP, time.time(), timeout=None)


def on_signed_in(sender, request, user, **kwargs) -> None:
    """Django's `user_logged_in`: every sign-in, password, single sign-on or a test's `force_login`."""
    if "sociallogin" not in kwargs:  # a provider's sign-in is worked out with its claims (`alignment.accounts`)
        note_sign_in(request, user)


class TwoFactorRequiredMiddleware:
    """Sends a signed-in person their organisation requires two-factor sign-in of to the page that sets it up."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(PASSES):
            session = request.session
            stamp = cache.get(POLICY_STAMP)
            if stamp and session.get(CHECKED, 0) < stamp:
                note_sign_in(request, user)
            due = session.get(DUE)
            if due:
                messages.warning(request, f"{', '.join(due)} requires two-factor sign-in. Add an authenticator "
                                          "app or a passkey to go on.")
                return redirect("mfa_index")
        return self.get_response(request)
