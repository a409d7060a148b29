"""The site's form renderer: Django's common widgets drawn in Python, the same markup as their templates.

A widget draws itself by asking the renderer for its template (`Widget._render`). Through templates,
an input is two renders (the input and its attribute list), and a radio or checkbox list three per
option: a retrospective board's ratings, a charter's progress forms and this week's check-in spent
more time there than in the rest of the page. This renderer writes the markup of Django's own widget
templates for inputs, text areas, selects and radio and checkbox lists directly from the context the
template would be given, and hands every other template (or an option drawn by a template of its own)
to the project's templates as `TemplatesSetting` does.

`tests/alignment/test_widget_templates.py` holds each drawing to Django's templates, byte for byte,
bound and unbound, with groups, errors and characters that need escaping.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.timezone import template_localtime
from django.utils.translation import get_language

WIDGETS = "django/forms/widgets/"
# Templates that are Django's input.html and nothing more.
INPUTS = {"input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time", "search",
          "tel", "color", "checkbox"}
# The option templates that are Django's input_option.html (radio and checkbox lists) and select_option.html.
INPUT_OPTIONS = {f"{WIDGETS}{name}.html" for name in ("input_option", "radio_option", "checkbox_option")}
SELECT_OPTION = f"{WIDGETS}select_option.html"


def escape(value) -> str:
    """`conditional_escape`, without the wrapper Django's `escape` carries for lazy arguments: what is safe (it has
    `__html__`) as it says, anything else escaped by `html.escape`, as Django's `escape` does. A widget draws a few
    hundred values, and that wrapper cost more than the escaping; a lazy label's words are looked up once
    (`_translated`)."""
    if isinstance(value, Promise):
        value = _translated(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs: dict) -> str:
    """attrs.html: False left out, True as a bare name, the rest as name="value"."""
    return "".join("" if value is False else f" {escape(name)}" if value is True
                   else f' {escape(name)}="{escape(value)}"' for name, value in attrs.items())


def _shown(value) -> str:
    """`{{ value }}` as a template writes it where no filter made it a string first: localised, then escaped."""
    return escape(value if isinstance(value, (str, Promise)) else str(localize(template_localtime(value))))


# A lazy label's words in each language, kept for the label itself (a choice's label, one object for the life
# of the process): a form's select draws the same few labels on every row of every page, each a catalogue
# look-up. Keyed by the label's id, and the label kept beside its words, so that an id freed and used again
# is never mistaken for it.
_TRANSLATED: dict[tuple[str | None, int], tuple[Promise, str]] = {}
TRANSLATED_KEPT = 2048


def _translated(label: Promise) -> str:
    key = (get_language(), id(label))
    kept = _TRANSLATED.get(key)
    if kept is not None and kept[0] is label:
        return kept[1]
    if len(_TRANSLATED) >= TRANSLATED_KEPT:  # labels made afresh for each form would only pass through
        _TRANSLATED.clear()
    words = str(label)
    _TRANSLATED[key] = (label, words)
    return words


def _input(widget: dict) -> str:
    """input.html."""
    value = widget["value"]
    written = "" if value is None else f' value="{escape(value)}"'
    return f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"{written}{_attrs(widget["attrs"])}>'


def _textarea(widget: dict) -> str:
    """textarea.html."""
    value = _shown(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _select(widget: dict) -> str | None:
    """select.html, its options drawn as select_option.html draws them (None: an option has a template of its own)."""
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _ in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{_shown(group)}">')
        for option in options:
            if option["template_name"] != SELECT_OPTION:
                return None
            parts.append(f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{_shown(option["label"])}</option>\n')
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _multiple_input(widget: dict) -> str | None:
    """multiple_input.html (radio and checkbox lists), each option as input_option.html draws it (None: an
    option has a template of its own)."""
    own, kind = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = ["<div", f' id="{_shown(own)}"' if own else "", f' class="{_shown(kind)}"' if kind else "", ">"]
    for group, options, _ in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{_shown(group)}</label>")
        for option in options:
            if option["template_name"] not in INPUT_OPTIONS:
                return None
            parts.append("<div>\n    ")
            if option["wrap_label"]:
                target = option["attrs"].get("id")
                parts.append(f'<label for="{_shown(target)}">' if target else "<label>")
            parts.append(_input(option) + "\n")
            if option["wrap_label"]:
                parts.append(f" {_shown(option['label'])}</label>")
            parts.append("\n\n</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


DRAWN: dict[str, Callable[[dict], str | None]] = {
    **{f"{WIDGETS}{name}.html": _input for name in INPUTS},
    f"{WIDGETS}textarea.html": _textarea,
    f"{WIDGETS}select.html": _select,
    f"{WIDGETS}radio.html": _multiple_input,
    f"{WIDGETS}checkbox_select.html": _multiple_input,
}


class FormRenderer(TemplatesSetting):
    """`TemplatesSetting`, with the widgets in `DRAWN` written in Python rather than rendered."""

    def render(self, template_name, context, request=None):
        draw = DRAWN.get(template_name)
        drawn = draw(context["widget"]) if draw is not None and "widget" in context else None
        return drawn if drawn is not None else super().render(template_name, context, request)
