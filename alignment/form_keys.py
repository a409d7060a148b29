"""A key for one filling-in of a form, so that sending it twice (Back and resubmit, a double click) does one thing.

The empty form is served at an address carrying a fresh key (`?key=<uuid>`): a GET without one is redirected
to one with one. Pages are not cached, so Back fetches the form again from that address and it comes back with
the same key; the form posts the key in a hidden field, and the service that acts stores it under a unique
constraint and answers a second submission with what the first did (`decisions.services.log_decision`,
`asks.services.ask_team`).

    if request.method == "GET":
        key = form_keys.key_in_address(request)
        if key is None:
            return form_keys.address_with_new_key(request)
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponseRedirect

PARAM = "key"


def key_in_address(request: HttpRequest) -> uuid.UUID | None:
    """The form's key, from its address; None when there is none (or it is not a key)."""
    try:
        return uuid.UUID(request.GET.get(PARAM, ""))
    except ValueError:
        return None


def address_with_new_key(request: HttpRequest) -> HttpResponseRedirect:
    """The same address (its other parameters kept) with a fresh key."""
    query = request.GET.copy()
    query[PARAM] = str(uuid.uuid4())
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")
