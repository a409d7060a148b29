"""The sections feature apps add to the organisation page for everyone who reads it (`panels.register_organisation_section`)."""

from __future__ import annotations

from django import template

from alignment import panels

register = template.Library()


@register.simple_tag(takes_context=True)
def organisation_sections(context, organisation) -> list[panels.Panel]:
    """Each registered section's template and data for this reader: `{% organisation_sections organisation as sections %}`."""
    return panels.organisation_sections(organisation, context["request"].user)
