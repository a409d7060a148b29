"""Sign-in lockout and throttle: whose failures count together, and what a refused person sees.

`settings.AXES_*` point here. django-axes counts failed logins per (address typed, client IP)
pair and per client IP, and after `LOGIN_FAILURE_LIMIT` of either refuses every login for it,
right password or not, until `LOGIN_COOLOFF_MINUTES` pass without a new failure. Nobody can
lock someone else out: guesses from elsewhere lock only that pair, or that IP.

Guesses at one account spread over many IPs are slowed instead (`account_wait`): past the limit,
each further try at that account waits a little longer, up to `LOGIN_THROTTLE_MAX_SECONDS`,
so its owner still gets in after a short wait. A completed password reset clears the account's
failures (`forget_failures`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest
from django.utils import timezone


def attempted_email(request: HttpRequest, credentials: dict | None) -> str:
    """The address as accounts store it, so that 'Nadia@Example.com' and 'nadia@example.com' count as one."""
    credentials = credentials or {}
    typed = credentials.get("email") or credentials.get("username") or request.POST.get("login") or ""
    return typed.strip().lower()


def client_ip(request: HttpRequest) -> str:
    """The address of the person, not of the proxies in front of us.

    With `TRUSTED_PROXIES=n`, the n proxies we run each appended the address they
    were reached from to X-Forwarded-For, so the n-th entry from the right is the
    one the outermost proxy saw; anything further left the client could have typed.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXIES
    if not hops:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote
    return forwarded[-hops]


def account_wait(email: str, now: datetime | None = None) -> int:
    """Seconds before the next try at this account may be checked; 0 when it may be now (1 query).

    Counts the account's recent failures from every IP. Up to the limit nothing waits; past it the
    wait doubles with each failure (1 s, 2 s, 4 s…) up to `LOGIN_THROTTLE_MAX_SECONDS`, counted from
    the latest failure.
    """
    email = email.strip().lower()
    if not email:
        return 0
    now = now or timezone.now()
    recent = AccessAttempt.objects.filter(username=email, attempt_time__gte=now - settings.AXES_COOLOFF_TIME)
    seen = recent.aggregate(failures=Sum("failures_since_start"), latest=Max("attempt_time"))
    over = (seen["failures"] or 0) - settings.AXES_FAILURE_LIMIT
    if over < 0 or seen["latest"] is None:
        return 0
    wait = timedelta(seconds=min(2 ** over, settings.LOGIN_THROTTLE_MAX_SECONDS))
    left = seen["latest"] + wait - now
    return max(0, int(left.total_seconds() + 0.999))


def is_locked(request: HttpRequest | None, credentials: dict) -> bool:
    """Whether axes refuses this login outright (its pair or its IP is locked)."""
    if request is None:
        return False
    return AxesProxyHandler.is_locked(request, {"username": credentials.get("username") or ""})


def forget_failures(email: str) -> None:
    """The account's failed logins, from every IP, are forgotten (after its password was reset)."""
    axes_reset(username=email.strip().lower())
