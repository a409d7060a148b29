"""The site draws Django's widgets faster, with the same HTML: common ones in Python (alignment/form_renderer.py),
the rest with templates/django/forms/widgets/'s copies of Django's templates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.utils import translation
from django.utils.translation import gettext_lazy

from alignment.form_renderer import FormRenderer


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


# The site's renderer writes the common widgets in Python (alignment/form_renderer.py) -------------------------

class Awkward(forms.Form):
    """What a template writes in its own way: numbers, dates and lazy words as labels, values to escape."""

    count = forms.ChoiceField(choices=[(1, 1), (2, 2.5), (3, Decimal("3.25"))], widget=forms.RadioSelect)
    when = forms.ChoiceField(choices=[("d", date(2026, 12, 5)), ("l", gettext_lazy("Later"))], required=False)
    grouped = forms.MultipleChoiceField(choices=[(4, "Four"), (5, [(6, "Six & more")])], required=False,
                                        widget=forms.CheckboxSelectMultiple)
    unlabelled = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect(attrs={"id": None}))
    wrapped = forms.ChoiceField(choices=[("", "None"), ("x", '"x" <y>')], required=False, widget=forms.RadioSelect)
    flags = forms.CharField(required=False, widget=forms.TextInput(attrs={"required": True, "hidden": False,
                                                                           "data-x": '<"&>'}))
    when_exactly = forms.DateField(required=False, widget=forms.DateInput, initial=date(2026, 1, 2))
    secret = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True), initial="s<")
    empty_area = forms.CharField(required=False, widget=forms.Textarea)


class OwnOption(forms.RadioSelect):
    option_template_name = "django/forms/widgets/checkbox_option.html"  # still input_option.html: drawn


class ElsewhereOption(forms.Select):
    option_template_name = "test_widget_own_option.html"


@pytest.mark.parametrize("form_class", [Every, Awkward])
@pytest.mark.parametrize("bound", [False, True], ids=["shown", "posted"])
def test_the_site_renderer_draws_every_widget_as_django_does(form_class, bound):
    data = {"text": "far too long", "area": "", "hidden": "x", "choice": "b", "pick": "g2", "several": ["1", "2"],
            "ticks": ["y"], "count": "2", "when": "l", "grouped": ["6"], "wrapped": "x", "flags": 'a"b',
            "when_exactly": "not a date", "secret": "t>", "empty_area": "<b>"} if bound else None
    ours, djangos = form_class(data, renderer=FormRenderer()), form_class(data, renderer=DjangoTemplates())
    assert ours.render() == djangos.render()
    for name in ours.fields:
        assert ours[name].as_widget() == djangos[name].as_widget(), name


def test_the_site_renderer_writes_them_without_a_template(monkeypatch):
    def refused(self, template_name):
        if template_name.startswith("django/forms/widgets/"):
            raise AssertionError(f"{template_name} was rendered")
        return TemplatesSetting.get_template(self, template_name)

    monkeypatch.setattr(FormRenderer, "get_template", refused)
    form = Every({"choice": "a"}, renderer=FormRenderer())
    for name in form.fields:
        assert form[name].as_widget()
    assert str(OwnOption(choices=[("a", "A")]).render("x", "a", renderer=FormRenderer())).count("<input") == 1


def test_an_option_drawn_by_a_template_of_its_own_is_left_to_the_templates(monkeypatch):
    asked = []
    monkeypatch.setattr(FormRenderer, "get_template",
                        lambda self, name: asked.append(name) or TemplatesSetting.get_template(self, name))
    drawn = ElsewhereOption(choices=[("a", "A")]).render("x", "a", renderer=FormRenderer())
    assert asked == ["django/forms/widgets/select.html"]
    assert drawn == ElsewhereOption(choices=[("a", "A")]).render("x", "a", renderer=TemplatesSetting())


def test_the_site_uses_it(settings):
    assert settings.FORM_RENDERER == "alignment.form_renderer.FormRenderer"


class Translated(forms.Form):
    answer = forms.ChoiceField(choices=[("y", gettext_lazy("Yes")), ("n", gettext_lazy("No"))])


def test_a_lazy_label_is_drawn_in_the_language_of_each_reading(translations_on):
    """The renderer keeps each lazy label's words per language: a reader in another language gets their own (the
    site offers one language today; translated, it would need this)."""
    with translation.override("fr"):
        french = Translated(renderer=FormRenderer())["answer"].as_widget()
    with translation.override("en"):
        english = Translated(renderer=FormRenderer())["answer"].as_widget()
    with translation.override("fr"):
        again = Translated(renderer=FormRenderer())["answer"].as_widget()
        assert again == Translated(renderer=DjangoTemplates())["answer"].as_widget()

    assert ">Oui</option>" in french and ">Non</option>" in french
    assert ">Yes</option>" in english
    assert again == french
