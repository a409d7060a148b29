"""The check-in form's widgets, drawn in Python from the context Django gives their templates.

This week's check-in draws two dozen widgets (nine selects among them) on every reading; a template
render per widget was most of the page's drawing. These write the same markup as the project's widget
templates (`templates/django/forms/widgets/`, themselves Django's markup): tests/checkins/test_widgets.py
holds them to Django's own templates, byte for byte, bound and unbound, with errors and help.
"""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape as escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> str:
    """An attribute list as the templates write it: False left out, True as a bare name."""
    return "".join("" if value is False else f" {escape(name)}" if value is True
                   else f' {escape(name)}="{escape(value)}"' for name, value in attrs.items())


def _input(kind, name, value, attrs: dict) -> str:
    written = "" if value is None else f' value="{escape(value)}"'
    return f'<input type="{escape(kind)}" name="{escape(name)}"{written}{_attrs(attrs)}>'


class DrawnInPython:
    """A widget whose context is written by `draw` instead of its template."""

    def _render(self, template_name, context, renderer=None) -> SafeString:
        return mark_safe(self.draw(context["widget"]))  # noqa: S308 — every value is escaped in `draw`

    def draw(self, widget: dict) -> str:
        raise NotImplementedError


class TextInput(DrawnInPython, forms.TextInput):
    def draw(self, widget: dict) -> str:
        return _input(widget["type"], widget["name"], widget["value"], widget["attrs"])


class NumberInput(DrawnInPython, forms.NumberInput):
    draw = TextInput.draw


class HiddenInput(DrawnInPython, forms.HiddenInput):
    draw = TextInput.draw


class Textarea(DrawnInPython, forms.Textarea):
    def draw(self, widget: dict) -> str:
        value = escape(widget["value"]) if widget["value"] else ""
        return f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


class Select(DrawnInPython, forms.Select):
    def draw(self, widget: dict) -> str:
        parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group, options, _ in widget["optgroups"]:
            if group:
                parts.append(f'\n  <optgroup label="{escape(group)}">')
            parts += (f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
                      f'{escape(option["label"])}</option>\n' for option in options)
            if group:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)


class RadioSelect(DrawnInPython, forms.RadioSelect):
    def draw(self, widget: dict) -> str:
        own, kind = widget["attrs"].get("id"), widget["attrs"].get("class")
        parts = ["<div", f' id="{escape(own)}"' if own else "", f' class="{escape(kind)}"' if kind else "", ">"]
        for group, options, _ in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{escape(group)}</label>")
            for option in options:
                parts.append("<div>\n    ")
                if option["wrap_label"]:
                    target = option["attrs"].get("id")
                    parts.append(f'<label for="{escape(target)}">' if target else "<label>")
                parts.append(_input(option["type"], option["name"], option["value"], option["attrs"]) + "\n")
                if option["wrap_label"]:
                    parts.append(f" {escape(option['label'])}</label>")
                parts.append("\n\n</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return "".join(parts)
