"""Forms of a retrospective. Each renders from its class; pages attach them to what the selector loaded.

The board's forms name their field ids after what they belong to (`card-12-text` is the card form of
prompt 12, `note-7-text` the note form of theme 7), never after a count: the live board is swapped
every two seconds and htmx keeps what someone is typing by those ids (hx-preserve), so they must stay
the same from one swap to the next, whatever others add meanwhile.
"""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from charters.models import Section
from reviews.retro.models import NonNegotiableRating, RetroAction, Retrospective


class _Tokened(forms.Form):
    """A form whose token makes it count once, however often it is sent."""

    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        super().__init__(*args, **kwargs)


class StartForm(forms.Form):
    template = forms.TypedChoiceField(label=_("Prompts"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, templates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [("", _("Charter review (purpose, each non-negotiable, boundaries, "
                                                  "goals, investments, keep / change / try)")),
                                           *((t.pk, t.name) for t in templates)]


class SettingsForm(forms.ModelForm):
    expected_phase = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Retrospective
        fields = ["is_anonymous", "hide_text_while_collecting", "votes_per_person"]
        widgets = {"votes_per_person": forms.NumberInput(attrs={"min": 1, "max": 10})}

    def __init__(self, *args, may=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["votes_per_person"].min_value = 1
        self.fields["votes_per_person"].max_value = 10
        if may is not None:
            # What the phase no longer lets change is shown, not offered.
            for name, allowed in (("is_anonymous", may.change_anonymity),
                                  ("hide_text_while_collecting", may.change_hiding),
                                  ("votes_per_person", may.change_votes)):
                self.fields[name].disabled = not allowed


class PromptForm(forms.Form):
    text = forms.CharField(label=_("Add a question"), max_length=200,
                           error_messages={"required": _("Write the question first.")})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "prompt-%s")
        super().__init__(*args, **kwargs)


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Save these prompts as a template named"), max_length=80,
                           error_messages={"required": _("Name the template.")})


class CardForm(_Tokened):
    """A new card under one prompt."""

    use_required_attribute = False  # an empty card is refused in the board's words, not the browser's

    prompt = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(label=_("Your card"), max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
                           error_messages={"required": _("Write something on the card first.")})

    def __init__(self, *args, prompt_id: int | None, **kwargs):
        kwargs.setdefault("auto_id", f"card-{prompt_id}-%s")
        kwargs.setdefault("initial", {}).setdefault("prompt", prompt_id)
        super().__init__(*args, **kwargs)


class CardEditForm(forms.Form):
    text = forms.CharField(label=_("Your card"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("A card needs some words; take it back instead.")})

    def __init__(self, *args, card_key: str, **kwargs):
        kwargs.setdefault("auto_id", f"card-{card_key}-%s")
        super().__init__(*args, **kwargs)


class RatingForm(forms.Form):
    """held / strained / broken for each non-negotiable asked about: `nn_<id>` fields, one post."""

    def __init__(self, *args, non_negotiables=(), **kwargs):
        kwargs.setdefault("auto_id", "rating-%s")
        super().__init__(*args, **kwargs)
        self.non_negotiables = list(non_negotiables)
        for nn in self.non_negotiables:
            self.fields[f"nn_{nn.pk}"] = forms.ChoiceField(
                label=nn.title, choices=NonNegotiableRating.Rating.choices, widget=forms.RadioSelect, required=False)

    def field_for(self, nn_id: int):
        return self[f"nn_{nn_id}"]

    def ratings(self) -> dict[int, str]:
        return {nn.pk: self.cleaned_data[f"nn_{nn.pk}"] for nn in self.non_negotiables
                if self.cleaned_data.get(f"nn_{nn.pk}")}


class ThemeChoiceField(forms.TypedChoiceField):
    def __init__(self, themes=(), *, empty_label: str, **kwargs):
        super().__init__(coerce=int, required=False, empty_value=None,
                         choices=[("", empty_label), *((t.pk, t.name) for t in themes)], **kwargs)


class GroupForm(forms.Form):
    """Tick cards, then name a new theme or pick one: the grouping that works without JavaScript."""

    cards = forms.MultipleChoiceField(label=_("Cards"), required=False, widget=forms.CheckboxSelectMultiple)
    name = forms.CharField(label=_("New theme"), max_length=120, required=False)

    def __init__(self, *args, cards=(), themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cards"].choices = [(card.key, card.text or _("(hidden)")) for card in cards]
        self.fields["theme"] = ThemeChoiceField(themes, empty_label=_("— a new theme —"), label=_("Or add to"))

    def clean(self):
        data = super().clean()
        if not data.get("cards"):
            self.add_error("cards", _("Tick the cards to put into the theme first."))
        if not data.get("theme") and not (data.get("name") or "").strip():
            self.add_error("name", _("Name the new theme, or choose a theme to add the cards to."))
        return data


class MoveCardForm(forms.Form):
    """One card of a theme moved to another theme, a new one, or out of its theme."""

    name = forms.CharField(label=_("or a new theme"), max_length=120, required=False)

    def __init__(self, *args, card_key: str, themes=(), **kwargs):
        kwargs.setdefault("auto_id", f"move-{card_key}-%s")
        super().__init__(*args, **kwargs)
        self.fields["theme"] = ThemeChoiceField(themes, empty_label=_("No theme"), label=_("Move to"))


class RenameThemeForm(forms.Form):
    use_required_attribute = False  # an empty name is refused in the board's words

    name = forms.CharField(label=_("Theme name"), max_length=120)

    def __init__(self, *args, theme_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"rename-{theme_id}-%s")
        super().__init__(*args, **kwargs)


class VoteForm(forms.Form):
    theme = forms.IntegerField(widget=forms.HiddenInput)
    vote = forms.ChoiceField(choices=[("add", "add"), ("remove", "remove")], widget=forms.HiddenInput)


class TimerForm(forms.Form):
    theme = forms.IntegerField(required=False, widget=forms.HiddenInput)
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=60, required=False)
    timer = forms.ChoiceField(choices=[("start", "start"), ("add", "add"), ("stop", "stop")])


class NoteForm(_Tokened):
    """A note on one theme under discussion."""

    use_required_attribute = False  # an empty note is refused in the board's words

    text = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("Write the note first.")})

    def __init__(self, *args, theme_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"note-{theme_id}-%s")
        super().__init__(*args, **kwargs)


class ReviewActionForm(forms.Form):
    review = forms.ChoiceField(choices=RetroAction.Review.choices)


class AdvanceForm(forms.Form):
    expected_phase = forms.ChoiceField(choices=Retrospective.Phase.choices, widget=forms.HiddenInput)


def _name(user) -> str:
    return user.name


class ActionForm(_Tokened):
    """An action: a commitment (with its standard of completion) or an amendment (with the change)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=RetroAction.Kind.choices, widget=forms.RadioSelect,
                             initial=RetroAction.Kind.COMMITMENT)
    title = forms.CharField(label=_("What we will do"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    standard = forms.CharField(label=_("Standard of completion (for a commitment)"), max_length=2000,
                               required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("What done looks like, so anyone can tell."))
    proposed_change = forms.CharField(label=_("Proposed change to the charter (for an amendment)"), max_length=4000,
                                      required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text=_("The leader finds it in the amendment draft."))
    section = forms.ChoiceField(label=_("Part of the charter (for an amendment)"),
                                choices=[("", _("—")), *Section.choices], required=False)

    def __init__(self, *args, people=(), themes=(), **kwargs):
        kwargs.setdefault("auto_id", "action-%s")
        super().__init__(*args, **kwargs)
        self.people = {str(person.pk): person for person in people}
        self.fields["owner"] = forms.ChoiceField(label=_("Owner"), choices=[
            ("", _("Choose someone")), *((pk, _name(person)) for pk, person in self.people.items())])
        self.fields["theme"] = ThemeChoiceField(themes, empty_label=_("No particular theme"),
                                                label=_("From the theme"))
        self.order_fields(["kind", "title", "owner", "due_on", "standard", "proposed_change", "section", "theme"])

    def clean_owner(self):
        owner = self.people.get(self.cleaned_data.get("owner") or "")
        if owner is None:
            raise forms.ValidationError(_("Choose who owns it."))
        return owner

    def clean(self):
        data = super().clean()
        if data.get("kind") == RetroAction.Kind.COMMITMENT and not (data.get("standard") or "").strip():
            self.add_error("standard", _("A commitment needs its standard of completion."))
        if data.get("kind") == RetroAction.Kind.AMENDMENT:
            if not (data.get("proposed_change") or "").strip():
                self.add_error("proposed_change", _("Write the change proposed to the charter."))
            if not data.get("section"):
                self.add_error("section", _("Choose the part of the charter the change is about."))
        return data
