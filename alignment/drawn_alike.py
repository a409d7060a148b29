"""Parts alike but for a few values, drawn once (a blank form once per process, other parts once a page): each
written in with its own values.

A charter draws a comment form under each of its six sections and a reply form under each thread. Blank,
they differ only in a section, a thread's id and its author's name, so their fields are drawn once with a
stand-in for each such value (`form_fields.html`, as every form of the site), and each form is that
drawing with its own values written in, escaped:

    replies = DrawnAlike(CommentForm.for_reply_to, section="_stand-in-section_", parent="_stand-in-parent_",
                         author="_stand-in-author_")
    thread.reply_form = replies(section=thread.section, parent=thread.pk, author=thread.author.name)

A blank form drawn with stand-ins shows nothing of any page: its drawing is kept in the process
(`drawn_once`, of the code alone) under `make` and the stand-ins, so each page writes its values into a drawing
made once, and the first reader of a page after a change draws none. `make` is a form's own constructor (a class
method, a module's function); one made per page is drawn once per page, as it is kept under itself.

A template writes `{% form_fields form %}` (`templatetags/fields.py`): the drawing for a blank form, and for a form
that was sent and refused `form_fields.html`, drawn as it was typed. A stand-in must be text no form writes otherwise, and appear only
where its value goes (`tests/alignment/test_drawn_alike.py` holds the drawing to the form's own).

`PartsAlike` does the same for any part of a template, once a page: the controls beside each item of a charter
differ in the item's id and name, and in what its place in the list allows (no "up" for the first), which is its
shape: one drawing per shape.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from alignment.drawn_once import drawn_once

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
        # None for a part with no values at all (a blank form of the code alone), which is written as drawn.
        self._stand_in = re.compile("(" + "|".join(re.escape(stand_in) for stand_in in stand_ins.values()) + ")") \
            if stand_ins else None
        self._names = {stand_in: name for name, stand_in in stand_ins.items()}

    def __call__(self, shape: Hashable = (), **values: object) -> SafeString:
        drawn = self._drawn.get(shape)
        if drawn is None:
            # The drawing cut at its stand-ins, once: the text before the first, then each stand-in's name with the
            # text after it. Each part is then its values written between those texts, in one pass (a value holding
            # another's stand-in stays as it was written), rather than a search of the whole drawing each time.
            drawing = str(self.draw(shape, **self.stand_ins))
            pieces = self._stand_in.split(drawing) if self._stand_in else [drawing]
            drawn = self._drawn[shape] = (pieces[0], [(self._names[stand_in], after)
                                                      for stand_in, after in zip(pieces[1::2], pieces[2::2], strict=True)])
        first, slots = drawn
        written = {name: _escaped(value) for name, value in values.items()}
        return mark_safe("".join([first, *(written[name] + after for name, after in slots)]))  # noqa: S308 — escaped


class DrawnAlike(PartsAlike):
    """Blank forms made by `make(**values)`, drawn once with `stand_ins` (a value for each name) and written
    in with each form's values.

    A value that changes more of the drawing than a text in it (which radio is checked; a value or a label's
    words left out when there are none) is part of the form's shape: given in `shape` as (name, value) pairs, it
    is drawn as it is, in place of its stand-in, once for each shape.

        progress(shape=(("confidence", "at_risk"),), pk=kr.pk, value=latest.value)
    """

    def __init__(self, make: Callable[..., forms.BaseForm], **stand_ins: str):
        super().__init__(lambda shape, **values: _blank(make, tuple({**values, **dict(shape)}.items())), **stand_ins)

    def __call__(self, shape: tuple[tuple[str, Hashable], ...] = (), **values: object) -> DrawnFields:
        return DrawnFields(super().__call__(shape, **values))


def _escaped(value: object) -> str:
    """`value` as `conditional_escape` writes it, without the wrapper that lets it take lazy text."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


@drawn_once(maxsize=64, of_code_alone=True)
def _blank(make: Callable[..., forms.BaseForm], stand_ins: tuple[tuple[str, Hashable], ...]) -> str:
    """The fields of the blank form `make(**stand_ins)`, as drawn: the same on every page (see the module)."""
    return render_to_string(FIELDS, {"form": make(**dict(stand_ins))})
