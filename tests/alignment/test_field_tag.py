"""`{% field %}` (alignment/templatetags/fields.py): one form field with its label, help and errors."""

from __future__ import annotations

import pytest
from django import forms
from django.template import engines


class Every(forms.Form):
    text = forms.CharField(label="Name & role", help_text="Who <b>you</b> are.", max_length=3)
    tick = forms.BooleanField(required=False, label="I agree")
    choice = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect, label="Pick one")
    ticks = forms.MultipleChoiceField(choices=[("x", "X")], widget=forms.CheckboxSelectMultiple, required=False)
    number = forms.IntegerField(label=5)


def drawn(form, name: str) -> str:
    return engines["django"].from_string("{% load fields %}{% field form." + name + " %}").render({"form": form})


def test_a_field_follows_its_label_with_its_help():
    assert drawn(Every(), "text") == (
        '\n  <div class="field">\n    \n      <label for="id_text">Name &amp; role:</label>\n      '
        '<input type="text" name="text" maxlength="3" required aria-describedby="id_text_helptext" id="id_text">\n    '
        '\n    <small class="help" id="id_text_helptext">Who &lt;b&gt;you&lt;/b&gt; are.</small>\n    \n  </div>\n')


def test_a_field_with_errors_says_them_where_its_widget_points():
    html = drawn(Every({"text": "far too long", "number": "x"}), "text")
    assert html.startswith('\n  <div class="field has-error">')
    assert 'aria-invalid="true" aria-describedby="id_text_helptext id_text_error"' in html
    assert '<div class="errors" role="alert" id="id_text_error"><ul class="errorlist" id="id_text_error">' in html


@pytest.mark.parametrize(("name", "opening"), [
    ("tick", '<label><input type="checkbox" name="tick" id="id_tick"> I agree</label>'),
    ("choice", '<fieldset><legend>Pick one</legend><div id="id_choice">'),
    ("ticks", '<fieldset><legend>Ticks</legend><div id="id_ticks">'),
    ("number", '<label for="id_number">5:</label>'),  # a label that is no string, written as a template writes it
])
def test_each_kind_of_widget_sits_with_its_label(name, opening):
    assert opening in drawn(Every(), name)


def test_a_form_without_ids_or_suffix():
    html = drawn(Every(auto_id=False, label_suffix=""), "text")
    assert '<label for="">Name &amp; role</label>' in html and 'id="_helptext"' in html
