"""Where a form or link may send someone next: only ever a page of this site, else the page's own default.

Every `next` the project reads (a form's hidden field, a query parameter, a notification's link)
goes through `local_path`. Django's `url_has_allowed_host_and_scheme` alone accepts a bare name such
as `summary`, which `redirect()` then tries to reverse as a URL name: a 500 after the write had
committed. Every page of ours is a path starting with one `/`, so that is required too.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def local_path(url: str | None) -> str | None:
    """`url` if it is a path on this site (`/o/…`), else None: never another site, a scheme or a bare name."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return None
    return url


def next_page(request: HttpRequest, default: str | None = None) -> str | None:
    """The `next` a form (or else the address) asked for, when it is a path on this site; else `default`."""
    return local_path(request.POST.get("next") or request.GET.get("next")) or default
