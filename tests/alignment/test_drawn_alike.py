"""Blank forms of one kind drawn once, each written in with its own values (`alignment.drawn_alike`)."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string

from alignment.drawn_alike import FIELDS, DrawnAlike, PartsAlike


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


def test_parts_are_drawn_once_for_each_shape_and_written_in_at_once():
    drawn = []

    def draw(shape, *, name, row):
        drawn.append(shape)
        return f"<p id='{row}'>{name}</p>" + ("<b>first</b>" if shape == "first" else "")

    parts = PartsAlike(draw, name="_stand-in-name_", row="_stand-in-row_")
    assert parts("first", name="Ann", row=1) == "<p id='1'>Ann</p><b>first</b>"
    assert parts("other", name="Bo", row=2) == "<p id='2'>Bo</p>"
    assert parts("other", name="<i>Cy</i>", row=3) == "<p id='3'>&lt;i&gt;Cy&lt;/i&gt;</p>"
    assert drawn == ["first", "other"]  # one drawing per shape, however many parts
    # A value that holds another's stand-in is written as it is, not written into again.
    assert parts("other", name="_stand-in-row_", row=4) == "<p id='4'>_stand-in-row_</p>"


def test_a_blank_form_is_drawn_once_for_every_page_a_process_draws():
    """Its drawing shows no page's content: every page's forms are written into one drawing, which only a new process
    (or the tests, `forget_all()`) draws again, not a change of content (the benchmark's `after_a_change`)."""
    from alignment.drawn_once import forget_all

    drawn = []

    def make(**values) -> NoteForm:
        drawn.append(values)
        return NoteForm.about(**values)

    def page(row: int, name: str) -> str:  # each page makes its own forms, as the charter's does
        return DrawnAlike(make, row="_stand-in-row_", name="_stand-in-name_")(row=row, name=name).fields_html

    assert page(1, "Ann") == render_to_string(FIELDS, {"form": NoteForm.about(row=1, name="Ann")})
    assert page(2, "Bo") == render_to_string(FIELDS, {"form": NoteForm.about(row=2, name="Bo")})
    assert len(drawn) == 1
    forget_all(keep_code_alone=True)
    page(3, "Cy")
    assert len(drawn) == 1
    forget_all()
    page(4, "Di")
    assert len(drawn) == 2


class ChoiceForm(forms.Form):
    row = forms.IntegerField(widget=forms.HiddenInput)
    pick = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)

    @classmethod
    def about(cls, *, row: int | str, pick: str | None = None) -> ChoiceForm:
        return cls(initial={"row": row, "pick": pick}, auto_id=f"choice{row}_%s")


def test_a_value_that_changes_the_drawing_is_its_shape_drawn_once_for_each():
    drawn = []

    def make(**values) -> ChoiceForm:
        drawn.append(values)
        return ChoiceForm.about(**values)

    choices = DrawnAlike(make, row="_stand-in-row_")
    for row, pick in ((1, "a"), (2, "b"), (3, None), (4, "a"), (5, "b")):
        assert choices(shape=(("pick", pick),), row=row).fields_html == render_to_string(
            FIELDS, {"form": ChoiceForm.about(row=row, pick=pick)})
    assert drawn == [{"row": "_stand-in-row_", "pick": pick} for pick in ("a", "b", None)]  # once a shape


def test_a_form_with_no_values_to_write_in_is_written_as_drawn_once():
    """A blank form that takes no values (a steward's form to start an amendment) is its drawing as it is."""
    from alignment import drawn_once

    class PlainForm(forms.Form):
        note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    made = []

    def make() -> PlainForm:
        made.append(1)
        return PlainForm()

    drawn_once.forget_all()
    alone = render_to_string(FIELDS, {"form": PlainForm()})
    assert DrawnAlike(make)().fields_html == alone
    assert DrawnAlike(make)().fields_html == alone  # another page's: drawn once for the process
    assert len(made) == 1


def test_the_form_fields_tag_writes_a_drawing_or_draws_a_form_sent_back():
    """`{% form_fields form %}` writes a blank form's drawing as it is, and draws any other form (one sent back
    refused, with what was typed and its errors) as `form_fields.html` does."""
    from django.template import engines

    tag = engines["django"].from_string("{% load fields %}{% form_fields form %}")
    blank = DrawnAlike(NoteForm.about, row="_stand-in-row_", name="_stand-in-name_")(row=3, name="Ann")
    refused = NoteForm({"row": "3", "body": ""})
    assert not refused.is_valid()

    assert tag.render({"form": blank}) == blank.fields_html
    assert tag.render({"form": refused}) == render_to_string(FIELDS, {"form": refused})
    assert "This field is required." in tag.render({"form": refused})
