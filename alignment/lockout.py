"""Sign-in lockout (django-axes): whose failures count together, and what a locked-out person sees.

`settings.AXES_*` point here. Axes counts failed logins per address typed and per
client IP, and after `LOGIN_FAILURE_LIMIT` of either refuses every login for it,
right password or not, until `LOGIN_COOLOFF_MINUTES` pass without a new failure.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def attempted_email(request: HttpRequest, credentials: dict | None) -> str:
    """The address as accounts store it, so that 'Nadia@Example.com' and 'nadia@example.com' count as one."""
    typed = (credentials or {}).get("username") or request.POST.get("username") or ""
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


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """The login page again, saying why the login was refused and for how long (429 Too Many Requests)."""
    form = AuthenticationForm(request, initial={"username": attempted_email(request, credentials)})
    context = {
        "form": form,
        "next": request.POST.get("next") or request.GET.get("next", ""),
        "locked_out": True,
        "cool_off_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
