"""`{% second_steps as steps %}`: what the signed-in person has set up for two-factor sign-in (1 query).

    {% load two_factor %}
    {% second_steps as steps %}
    {% if steps.is_on %}Two-factor sign-in is on{% endif %}

The profile page says it without its view knowing about allauth; the rule is `alignment.two_factor.second_steps`.
"""

from __future__ import annotations

from django import template

from alignment import two_factor

register = template.Library()


@register.simple_tag(takes_context=True)
def second_steps(context) -> two_factor.SecondSteps | None:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return None
    return two_factor.second_steps(user)
