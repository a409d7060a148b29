"""How a person's name is shown beside what they wrote: with a "former member" mark once they left."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from alignment.erasure import FORMER_MEMBER
from alignment.permissions import is_switched_off

register = template.Library()


@register.simple_tag(takes_context=True)
def former_member(context, person) -> str:
    """" former member" beside the name of someone who left the team or whose account is switched off
    (`former_member_mark`, with the page's `access`)."""
    return former_member_mark(person, context.get("access"))


def former_member_mark(person, access) -> str:
    """The mark `{% former_member %}` writes: asks `access` (`TeamAccess.is_former_member`, read with the access: no
    query); without one, only a switched-off account is marked. For a part drawn in Python with its values written in
    (`charters.selectors._drawn_thread`)."""
    if person is not None and person.name == FORMER_MEMBER:
        return ""  # an erased account is already named so (its name is loaded to be shown: no query)
    if access is not None:
        former = access.is_former_member(person)
    else:
        former = person is not None and getattr(person, "pk", None) is not None and is_switched_off(person)
    return format_html(' <span class="badge former">{}</span>', "former member") if former else ""
