"""`{% field form.name %}`: one form field with its label, help and errors, as every form of the site shows it.

Written in Python: a template per field was a dozen nodes and an include, and the check-in form and a
charter's pages draw dozens of fields. The label is written here rather than by `label_tag` (two more
templates per field). A radio or checkbox list is a fieldset whose legend is the label; a checkbox sits
inside its label; any other widget follows its label. The help and the errors carry ids that the widget's
`aria-describedby` names (`tests/alignment/test_field_tag.py` holds the markup).
"""

from django import template
from django.forms.boundfield import BoundField
from django.forms.utils import ErrorList
from django.template.base import render_value_in_context
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

from alignment.drawn_alike import FIELDS
from alignment.form_renderer import escape

register = template.Library()

LISTS = {"checkboxselectmultiple", "radioselect"}


@register.simple_tag
def form_fields(form) -> SafeString:
    """`{% form_fields form %}`: a form's fields as `form_fields.html` draws them; for a blank form written into the
    drawing of its kind (`alignment.drawn_alike.DrawnFields`), that drawing. So a template writes a form the same
    way whether it was made blank for a page or sent back refused, as typed."""
    drawn = getattr(form, "fields_html", None)
    return drawn if drawn is not None else render_to_string(FIELDS, {"form": form})


@register.simple_tag(takes_context=True)
def field(context: Context, bound) -> SafeString:
    def shown(value) -> str:  # as `{{ value }}` writes it: localised, escaped unless safe
        if autoescape and isinstance(value, (str, Promise, BoundField, ErrorList)):  # what localising leaves as is
            return escape(value if isinstance(value, (str, Promise)) else str(value))
        return render_value_in_context(value, context)

    autoescape = context.autoescape

    errors = bound.errors
    kind = bound.widget_type
    if kind in LISTS:
        drawn = f"<fieldset><legend>{shown(bound.label)}</legend>{shown(bound)}</fieldset>"
    elif kind == "checkbox":
        drawn = f"<label>{shown(bound)} {shown(bound.label)}</label>"
    else:
        drawn = (f'<label for="{shown(bound.id_for_label)}">{shown(bound.label)}{shown(bound.form.label_suffix)}'
                 f"</label>\n      {shown(bound)}")
    auto_id = shown(bound.auto_id) if bound.help_text or errors else ""
    help_text = (f'<small class="help" id="{auto_id}_helptext">{shown(bound.help_text)}</small>'
                 if bound.help_text else "")
    error_list = f'<div class="errors" role="alert" id="{auto_id}_error">{shown(errors)}</div>' if errors else ""
    return mark_safe(  # noqa: S308 — every value is written by render_value_in_context, escaped there
        f'\n  <div class="field{" has-error" if errors else ""}">\n    \n      {drawn}\n    \n    '
        f"{help_text}\n    {error_list}\n  </div>\n")
