"""Parts of a page alike but for a few values, drawn once a page: each written in with its own values.

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

`PartsAlike` does the same for any part of a template: the controls beside each item of a charter differ
in the item's id and name, and in what its place in the list allows (no "up" for the first), which is its
shape: one drawing per shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
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


class PartsAlike:
    """Parts drawn by `draw(shape, **stand_ins)`, once for each shape, and written in with each part's values
    (a value for each name of `stand_ins`, escaped). Nothing is drawn until the first part is asked for."""

    def __init__(self, draw: Callable[..., str], **stand_ins: str):
        self.draw, self.stand_ins, self._drawn = draw, stand_ins, {}
        self._stand_in = re.compile("|".join(re.escape(stand_in) for stand_in in stand_ins.values()))
        self._names = {stand_in: name for name, stand_in in stand_ins.items()}

    def __call__(self, shape: Hashable = (), **values: object) -> SafeString:
        html = self._drawn.get(shape)
        if html is None:
            html = self._drawn[shape] = str(self.draw(shape, **self.stand_ins))
        written = {stand_in: str(conditional_escape(values[name])) for stand_in, name in self._names.items()}
        # In one pass: a value holding another's stand-in stays as it was written.
        return mark_safe(self._stand_in.sub(lambda found: written[found.group()], html))  # noqa: S308 — escaped above


class DrawnAlike(PartsAlike):
    """Blank forms made by `make(**values)`, drawn once with `stand_ins` (a value for each name) and written
    in with each form's values."""

    def __init__(self, make: Callable[..., forms.BaseForm], **stand_ins: str):
        super().__init__(lambda shape, **values: render_to_string(FIELDS, {"form": make(**values)}), **stand_ins)

    def __call__(self, **values: object) -> DrawnFields:
        return DrawnFields(super().__call__(**values))
