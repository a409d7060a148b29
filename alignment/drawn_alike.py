"""Blank forms of one kind drawn once a page: alike but for a few values, which each form writes in.

A charter draws a comment form under each of its six sections and a reply form under each thread. Blank,
they differ only in a section, a thread's id and its author's name, so their fields are drawn once with a
stand-in for each such value (`form_fields.html`, as every form of the site), and each form is that
drawing with its own values written in, escaped:

    replies = DrawnAlike(CommentForm.for_reply_to, section="_stand-in-section_", parent="_stand-in-parent_",
                         author="_stand-in-author_")
    thread.reply_form = replies(section=thread.section, parent=thread.pk, author=thread.author.name)

A template writes `form.fields_html` where it would include `form_fields.html` for a form that was sent and
refused, which is drawn as it was typed. A stand-in must be text no form writes otherwise, and appear only
where its value goes (`tests/alignment/test_drawn_alike.py` holds the drawing to the form's own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

FIELDS = "form_fields.html"


@dataclass(frozen=True)
class DrawnFields:
    """One blank form's fields as drawn, for a template to write in place of `form_fields.html`."""

    fields_html: SafeString
    errors = ()  # a blank form has none; a template asks, to open the form a refusal came back in
    is_bound = False


class DrawnAlike:
    """Blank forms made by `make(**values)`, drawn once with `stand_ins` (a value for each name) and written
    in with each form's values. Nothing is drawn until the first form is asked for."""

    def __init__(self, make: Callable[..., forms.BaseForm], **stand_ins: str):
        self.make, self.stand_ins, self._drawn = make, stand_ins, None

    def __call__(self, **values: object) -> DrawnFields:
        if self._drawn is None:
            self._drawn = render_to_string(FIELDS, {"form": self.make(**self.stand_ins)})
        html = self._drawn
        for name, stand_in in self.stand_ins.items():
            html = html.replace(stand_in, str(conditional_escape(values[name])))
        return DrawnFields(mark_safe(html))  # noqa: S308 — our own template; each value escaped above
