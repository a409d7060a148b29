"""Blank forms of one kind drawn once, each written in with its own values (`alignment.drawn_alike`)."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string

from alignment.drawn_alike import FIELDS, DrawnAlike


class NoteForm(forms.Form):
    row = forms.IntegerField(widget=forms.HiddenInput)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 1}))

    @classmethod
    def about(cls, *, row: int | str, name: str) -> NoteForm:
        form = cls(initial={"row": row}, auto_id=f"note{row}_%s")
        form.fields["body"].label = f"A note for {name}"
        return form


def test_each_form_reads_as_if_drawn_alone_with_its_values_escaped():
    drawn = []

    def make(**values) -> NoteForm:
        drawn.append(values)
        return NoteForm.about(**values)

    notes = DrawnAlike(make, row="_stand-in-row_", name="_stand-in-name_")
    for row, name in ((7, "Ann"), (12, 'Bo <b>"&" Co</b>')):
        assert notes(row=row, name=name).fields_html == render_to_string(FIELDS, {"form": NoteForm.about(row=row,
                                                                                                         name=name)})
    assert len(drawn) == 1  # drawn once, for every row
    assert "&lt;b&gt;&quot;&amp;&quot; Co&lt;/b&gt;" in notes(row=1, name='<b>"&" Co</b>').fields_html


def test_nothing_is_drawn_until_a_form_is_asked_for_and_a_blank_form_has_no_errors():
    drawn = []
    notes = DrawnAlike(lambda **values: drawn.append(values) or NoteForm.about(**values), row="_r_", name="_n_")
    assert drawn == []
    form = notes(row=1, name="Ann")
    assert not form.errors and not form.is_bound
