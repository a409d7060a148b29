"""Asking before an action that cannot be undone: a dialog with JavaScript, a page of its own without.

Every view that deletes, removes, revokes, discards or withdraws something calls `ask(...)` once it has
checked the person may act (so a refused person still gets the 404 or 403, never a question):

    if question := confirm.ask(request, question=f"Remove {name} from {team}?", yes=f"Yes, remove {name}",
                               back=team_url, consequences=[...]):
        return question

A post that carries the confirmation field (`FIELD`) goes on to the action. One without it writes nothing
and gets `templates/alignment/confirm.html`: the question, what will happen in words, a form posting the
same values again (hidden fields) with the confirmation and a "Yes, …" button, and a "Cancel" link back.

With JavaScript, `static/js/confirm.js` asks first: a form (or its submit button) with `data-confirm`
(the question), `data-confirm-yes` (the button's words) and optionally `data-confirm-detail` opens a
native `<dialog>`; "Yes" adds the field and sends the form as it would have gone (htmx or not), so the
server acts at once; "Cancel" or Escape sends nothing. An htmx post that arrives unconfirmed anyway gets
the confirmation swapped into the page's `<main>`.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap, retarget

from alignment.permissions import TeamAccess

# The field the confirmation page and the dialog add; its value must be `YES`.
FIELD = "confirmed"
YES = "yes"
# What a test (or a form that is itself the confirmation) posts to act without being asked.
CONFIRMED = {FIELD: YES}

# Posted values not carried onto the confirmation page: the page brings its own token and confirmation.
_NOT_CARRIED = {"csrfmiddlewaretoken", FIELD}


def is_confirmed(request: HttpRequest) -> bool:
    """Whether this request is a post that carries the confirmation."""
    return request.method == "POST" and request.POST.get(FIELD) == YES


def ask(request: HttpRequest, *, question: str, yes: str, back: str, consequences: Sequence[str] = (),
        access: TeamAccess | None = None, status: int = 200) -> HttpResponse | None:
    """None when the post is confirmed (the view goes on to act); otherwise the confirmation page.

    `question` is the page's heading ("Remove Max Member from Platform?"), `yes` its button ("Yes, remove
    Max"), `consequences` what will happen, one sentence each, and `back` where "Cancel" leads (the page
    the person came from). The page posts to the same address with every value posted now, so a form's
    choices survive the question. `access` (a team's view) puts the team's name and tabs in its header.
    """
    if is_confirmed(request):
        return None
    carried = [(name, value) for name, values in request.POST.lists() if name not in _NOT_CARRIED
               for value in values]
    context = {"question": question, "yes": yes, "back": back, "consequences": consequences,
               "action": request.get_full_path(), "carried": carried, "field": FIELD, "confirmed": YES,
               "access": access, "team": access.team if access else None}
    if getattr(request, "htmx", False):
        # The dialog did not run (or was bypassed): put the question where the page's content is.
        response = render(request, "alignment/confirm.html#confirmation", context, status=status)
        return reswap(retarget(response, "#main"), "innerHTML show:top")
    return render(request, "alignment/confirm.html", context, status=status)
