from __future__ import annotations

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from alignment.models import User
from charters.models import Goal, KeyResult, KeyResultProgress, NonNegotiable
from checkins.content import BlockerRow, CarriedBlocker, CheckInContent, KeyResultEntry, saved_carried
from checkins.models import Blocker, CheckIn, Renegotiation

MIN_BLOCKER_ROWS = 3
MAX_BLOCKER_ROWS = 10
# An earlier week's open blocker, answered in this week's form (`carried_<id>`).
STILL_OPEN, RESOLVED = "open", "resolved"
CARRIED_CHOICES = [(STILL_OPEN, _("Still in my way")), (RESOLVED, _("Resolved"))]
# Made once: a check-in form has a confidence select per key result, and an enum's `.choices` is a new list
# each time it is asked (the labels then drawn once per language: alignment/form_renderer.py).
CONFIDENCE_CHOICES = [("", _("—")), *KeyResultProgress.Confidence.choices]
LOAD_CHOICES = CheckIn.Load.choices
CARRIED_FIELD = re.compile(r"carried_(\d+)")


class LoadedChoiceField(forms.ChoiceField):
    """A choice among objects the page already loaded: rendering and cleaning it cost no query."""

    widget = forms.Select

    def __init__(self, objects=(), *, empty_label: str, label_of=str, **kwargs):
        self.objects = {str(obj.pk): obj for obj in objects}
        # Labelled only when drawn: a form that is only read (an autosave) is given objects with their ids alone.
        super().__init__(choices=lambda: [("", empty_label), *((pk, label_of(obj)) for pk, obj in self.objects.items())],
                         required=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return self.objects.get(value) if value else None

    def validate(self, value):
        pass  # to_python already refused nothing: an unknown id is treated as none chosen

    def prepare_value(self, value):
        return str(value.pk) if hasattr(value, "pk") else value


class CheckInForm(forms.ModelForm):
    """A person's check-in. A draft accepts anything, even blanks; a submission needs what moved and the load.

    Blocker rows and key results are extra fields built from what the page loaded
    (`blocker_<n>_what`, `kr_<id>_value`...), so the whole check-in is one form and one post.
    """

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, error_messages={
        "required": _("This form is missing its version; reload the page and try again."),
    })
    week = forms.DateField(widget=forms.HiddenInput)
    blocker_rows = forms.IntegerField(widget=forms.HiddenInput, min_value=MIN_BLOCKER_ROWS,
                                      max_value=MAX_BLOCKER_ROWS, required=False)
    # What the check-in said beyond its words and load when `version` was saved (`content.fingerprint`): a
    # draft saved with all of that unchanged is read and written without the ids it names.
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # The server's word for the ids the check-in named when it was last read or checked (`content.vouched`): a
    # draft naming those ids and no others is written without asking what may be chosen.
    named = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    # Given its choices, label and help in __init__; declared so that no model choice field (and no
    # queryset) is built for it first.
    strained_non_negotiable = LoadedChoiceField(empty_label="")

    class Meta:
        model = CheckIn
        fields = ["progress", "highlights", "load", "strained_non_negotiable", "strain_note", "boundary_question"]
        widgets = {
            "progress": forms.Textarea(attrs={"rows": 4}),
            "highlights": forms.Textarea(attrs={"rows": 2}),
            "load": forms.RadioSelect,
            "strain_note": forms.Textarea(attrs={"rows": 2}),
            "boundary_question": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, non_negotiables=(), key_results=(), people=(), goals=(), blocker_rows=MIN_BLOCKER_ROWS,
                 submitting=False, carried=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.fields["load"].choices = LOAD_CHOICES
        self.fields["load"].required = submitting
        self.fields["progress"].required = submitting
        model_field = CheckIn._meta.get_field("strained_non_negotiable")
        self.fields["strained_non_negotiable"] = LoadedChoiceField(
            non_negotiables, empty_label=_("None — they all held"), label=model_field.verbose_name.capitalize(),
            help_text=model_field.help_text)
        self.key_results = list(key_results)
        if self.is_bound and str(self.data.get("blocker_rows", "")).isdigit():
            blocker_rows = int(self.data["blocker_rows"])
        self.blocker_count = min(max(blocker_rows, MIN_BLOCKER_ROWS), MAX_BLOCKER_ROWS)
        self.initial.setdefault("blocker_rows", self.blocker_count)
        for n in range(self.blocker_count):
            self.fields[f"blocker_{n}_what"] = forms.CharField(label=_("What is in your way"), max_length=500,
                                                               required=False, widget=forms.TextInput)
            self.fields[f"blocker_{n}_who"] = LoadedChoiceField(
                people, empty_label=_("The team's leader"), label=_("Who could help"), label_of=_name)
            self.fields[f"blocker_{n}_goal"] = LoadedChoiceField(
                goals, empty_label=_("No particular goal"), label=_("Goal it holds up"),
                label_of=lambda goal: goal.objective)
        # Earlier weeks' open blockers ("still in your way?"): kept open unless said resolved.
        self.carried = list(carried)
        for blocker in self.carried:
            self.fields[f"carried_{blocker.pk}"] = forms.ChoiceField(
                label=_("Still in your way?"), choices=CARRIED_CHOICES, initial=STILL_OPEN, required=False,
                widget=forms.RadioSelect)
            self.fields[f"carried_{blocker.pk}_resolution"] = forms.CharField(
                label=_("If resolved, how?"), max_length=2000, required=False, widget=forms.TextInput)
        for key_result in self.key_results:
            self.fields[f"kr_{key_result.pk}_value"] = forms.DecimalField(
                label=_("New value"), max_digits=14, decimal_places=2, required=False, widget=forms.NumberInput)
            self.fields[f"kr_{key_result.pk}_confidence"] = forms.ChoiceField(
                label=_("Confidence"), required=False, widget=forms.Select,
                choices=CONFIDENCE_CHOICES)

    def _get_validation_exclusions(self):
        # The non-negotiable is one the page loaded (`LoadedChoiceField`): no query to ask the database again.
        return {*super()._get_validation_exclusions(), "strained_non_negotiable"}

    def blocker_fields(self) -> list[tuple]:
        """Each blocker row's bound fields (what, who could help, goal), for the template."""
        return [(self[f"blocker_{n}_what"], self[f"blocker_{n}_who"], self[f"blocker_{n}_goal"])
                for n in range(self.blocker_count)]

    def carried_fields(self) -> list[tuple]:
        """Each earlier week's open blocker with its bound fields (still in the way or resolved, how), for the template."""
        return [(blocker, self[f"carried_{blocker.pk}"], self[f"carried_{blocker.pk}_resolution"])
                for blocker in self.carried]

    def key_result_fields(self) -> list[tuple]:
        return [(kr, self[f"kr_{kr.pk}_value"], self[f"kr_{kr.pk}_confidence"]) for kr in self.key_results]

    def clean(self):
        data = super().clean()
        if not self.submitting:
            return data  # a draft keeps a value typed before its confidence is chosen
        for key_result in self.key_results:
            value, confidence = data.get(f"kr_{key_result.pk}_value"), data.get(f"kr_{key_result.pk}_confidence")
            if value is not None and not confidence:
                self.add_error(f"kr_{key_result.pk}_confidence", _("Say how confident you are in this value."))
            if confidence and value is None:
                self.add_error(f"kr_{key_result.pk}_value", _("Give the value your confidence is about."))
        return data

    def content(self) -> CheckInContent:
        """What the valid form says, for `save_draft` and `submit_checkin`."""
        data = self.cleaned_data
        return CheckInContent(
            progress=data["progress"], highlights=data["highlights"], load=data["load"],
            strained_non_negotiable=data["strained_non_negotiable"], strain_note=data["strain_note"],
            boundary_question=data["boundary_question"],
            blockers=tuple(BlockerRow(n, data.get(f"blocker_{n}_what", "").strip(), data.get(f"blocker_{n}_who"),
                                      data.get(f"blocker_{n}_goal")) for n in range(self.blocker_count)),
            key_results=tuple(KeyResultEntry(kr, data.get(f"kr_{kr.pk}_value"),
                                             data.get(f"kr_{kr.pk}_confidence") or "") for kr in self.key_results),
            carried=tuple(CarriedBlocker(blocker.pk, data.get(f"carried_{blocker.pk}") == RESOLVED,
                                         data.get(f"carried_{blocker.pk}_resolution", "").strip())
                          for blocker in self.carried),
        )


def initial_for(checkin: CheckIn | None, *, week, blocker_rows: int, blockers=(), updates=(), carried=(),
                fingerprint: str = "", named: str = "") -> dict:
    """The form's starting values: the saved check-in, its open blockers at their rows, its key-result updates, and
    what it said of the earlier weeks' blockers still carried (`carried`)."""
    initial = {"version": checkin.version if checkin else 0, "week": week.monday, "blocker_rows": blocker_rows,
               "fingerprint": fingerprint, "named": named}
    if checkin is None:
        return initial
    for name in CheckInForm._meta.fields:
        initial[name] = getattr(checkin, f"{name}_id" if name == "strained_non_negotiable" else name)
    for blocker in blockers:
        initial[f"blocker_{blocker.position}_what"] = blocker.what
        initial[f"blocker_{blocker.position}_who"] = blocker.who_could_help_id
        initial[f"blocker_{blocker.position}_goal"] = blocker.goal_id
    for update in updates:
        initial[f"kr_{update.key_result_id}_value"] = update.value
        initial[f"kr_{update.key_result_id}_confidence"] = update.confidence
    answers = saved_carried(checkin.carried_answers or {})
    for blocker in carried:
        if (answer := answers.get(blocker.pk)) is not None:
            initial[f"carried_{blocker.pk}"] = RESOLVED if answer.resolved else STILL_OPEN
            initial[f"carried_{blocker.pk}_resolution"] = answer.resolution
    return initial


KEY_RESULT_FIELD = re.compile(r"kr_(\d+)_(?:value|confidence)")


def posted_choices(data) -> dict:
    """The check-in form's choices as a post names them, each an object holding its id alone.

    Enough to read a draft whose fingerprint says its choices are as saved (checked when they were
    saved), without asking the database what the charter and the team offer: such a draft writes none
    of them (`services.save_draft`); or one that names only the ids the server vouched for (`content.vouched`),
    which writes those. Any other post is read with `selectors.checkin_choices`.
    """
    def named(*fields) -> list[int]:
        return sorted({int(value) for value in map(data.get, fields) if value and value.isdigit()})

    rows = range(MAX_BLOCKER_ROWS)
    return {
        "non_negotiables": [NonNegotiable(pk=pk) for pk in named("strained_non_negotiable")],
        "people": [User(pk=pk) for pk in named(*(f"blocker_{n}_who" for n in rows))],
        "goals": [Goal(pk=pk) for pk in named(*(f"blocker_{n}_goal" for n in rows))],
        "key_results": [KeyResult(pk=pk) for pk in sorted({int(found[1]) for found in map(
            KEY_RESULT_FIELD.fullmatch, data) if found})],
    }


def posted_carried(data) -> list[Blocker]:
    """The earlier weeks' blockers a post answers (`carried_<id>`), each holding its id alone.

    A draft keeps the answers as posted (the form shows them again only for the writer's own carried blockers);
    whether each is the writer's own, still open, is `services.submit_checkin`'s to check, under lock.
    """
    return [Blocker(pk=pk) for pk in sorted({int(found[1]) for found in map(CARRIED_FIELD.fullmatch, data) if found})]


class ResolveBlockerForm(forms.Form):
    resolution = forms.CharField(label=_("How was it resolved?"), max_length=2000, required=False,
                                 widget=forms.TextInput)


def _name(user) -> str:
    return user.name


class CommitmentForm(forms.Form):
    """A commitment as typed: one's own, or (with `people`) one a leader asks of someone."""

    title = forms.CharField(label=_("What you commit to"), max_length=200)
    standard = forms.CharField(label=_("Standard of completion"), max_length=2000, widget=forms.Textarea(
        attrs={"rows": 3}), help_text=_("What done looks like, so anyone can tell."))
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, goals=(), people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"] = LoadedChoiceField(goals, empty_label=_("No goal"), label=_("Goal it serves"),
                                                label_of=lambda goal: goal.objective)
        if people is not None:
            self.fields["owner"] = LoadedChoiceField(people, empty_label=_("Choose someone"), label=_("Ask"),
                                                     label_of=_name)

    def clean_owner(self):
        owner = self.cleaned_data.get("owner")
        if owner is None:
            raise forms.ValidationError(_("Choose who you ask."))
        return owner


class OverloadForm(forms.Form):
    overload_note = forms.CharField(label=_("Why you take it on anyway"), max_length=2000, required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))


class RenegotiationForm(forms.Form):
    kind = forms.ChoiceField(label=_("What you ask"), choices=Renegotiation.Kind.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    proposed_due_on = forms.DateField(label=_("New due date (to defer)"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}))
    proposed_standard = forms.CharField(label=_("New standard of completion (to rescope)"), max_length=2000,
                                        required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposed_owner"] = LoadedChoiceField(people, empty_label=_("Nobody"),
                                                          label=_("Hand over to"), label_of=_name)


class DecideRenegotiationForm(forms.Form):
    comment = forms.CharField(label=_("Your comment"), max_length=2000, required=False, widget=forms.TextInput)


class ReplyForm(forms.Form):
    """A reply in a check-in's thread; its token makes a form sent twice one reply."""

    body = forms.CharField(label=_("Reply"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("Write your reply before sending it.")})
    token = forms.UUIDField(widget=forms.HiddenInput)
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, auto_id: str = "id_%s", **kwargs):
        kwargs.setdefault("initial", {}).setdefault("token", uuid.uuid4())
        super().__init__(*args, auto_id=auto_id, **kwargs)

    @property
    def drawn_alike(self) -> str | None:
        """Part of a thread's kept version (checkins/thread.html): a blank form is drawn alike for every reader, each
        reading giving it a token of its own; one sent back with its text and why (None) is drawn for its writer."""
        return None if self.is_bound else "blank"
