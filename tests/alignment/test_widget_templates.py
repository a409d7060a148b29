"""templates/django/forms/widgets/ replaces some of Django's widget templates with faster ones: same HTML."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting


class Every(forms.Form):
    text = forms.CharField(max_length=5, help_text="Short.")
    number = forms.IntegerField(required=False, widget=forms.NumberInput(attrs={"min": 1, "disabled": True}))
    hidden = forms.IntegerField(widget=forms.HiddenInput, initial=3)
    area = forms.CharField(widget=forms.Textarea, initial='Quotes " and <tags>')
    email = forms.EmailField(required=False)
    tick = forms.BooleanField(required=False)
    choice = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    pick = forms.ChoiceField(choices=[("", "—"), ("a", "A & a"), ("Group", [("g1", "G1"), ("g2", "G2")])],
                             required=False, widget=forms.Select(attrs={"aria-describedby": "x"}))
    several = forms.MultipleChoiceField(choices=[(1, "One"), (2, "Two")], required=False)
    ticks = forms.MultipleChoiceField(choices=[("x", "X"), ("Group", [("y", "Y <b>")])], required=False,
                                      widget=forms.CheckboxSelectMultiple(attrs={"class": "roles"}))


def test_the_project_templates_are_the_ones_used():
    for name in ("input", "hidden", "textarea", "select", "multiple_input"):
        origin = TemplatesSetting().get_template(f"django/forms/widgets/{name}.html").origin.name
        assert "/templates/django/forms/widgets/" in origin and "site-packages" not in origin


@pytest.mark.parametrize("data", [None, {"text": "far too long", "area": "", "hidden": "x", "choice": "b", "pick": "g2",
                                          "several": ["1", "2"], "ticks": ["y"]}])
def test_the_project_renders_every_widget_as_django_does(data):
    # A form's widgets render with the renderer the form was made with, not the one `render` is given.
    ours, djangos = Every(data, renderer=TemplatesSetting()), Every(data, renderer=DjangoTemplates())
    assert ours.render() == djangos.render()
    assert ours["pick"].as_widget() == djangos["pick"].as_widget()
