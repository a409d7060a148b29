"""The bare page: what a logged-in Django page costs here before the product does any work.

It goes through the site's whole middleware stack (sessions, authentication, CSRF, the
time-zone and cache-control middleware), renders a tiny base template with 20 rows and a
CSRF token, and asks the database nothing beyond what that stack asks (the session and the
user). `manage.py bench` reports each key page's requests per second as a share of this one's.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

ROWS = [{"number": n, "title": f"Row {n}", "detail": f"The {n}th of twenty rows, rendered by the template"}
        for n in range(1, 21)]


@login_required
@require_GET
def bare(request: HttpRequest) -> HttpResponse:
    return render(request, "bench/bare.html", {"rows": ROWS})
