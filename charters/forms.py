from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from charters.models import Boundary, Charter, Comment, Decision, Goal, KeyResult, NonNegotiable, Response, Section


class VersionedForm(forms.ModelForm):
    """A form carrying the version the editor loaded, to detect concurrent edits."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={
        "required": _("This form is missing its version; reload the page and try again."),
        "invalid": _("This form's version is not valid; reload the page and try again."),
    })

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only an edit of something saved can conflict; a new item has no version yet.
        self.fields["version"].required = self.instance.pk is not None


def _rows(n: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": n})


class PurposeForm(VersionedForm):
    class Meta:
        model = Charter
        fields = ["purpose_statement", "purpose_serves", "purpose_outcome", "purpose_refuses"]
        widgets = {"purpose_serves": _rows(2), "purpose_outcome": _rows(2), "purpose_refuses": _rows(2)}


class PeopleForm(VersionedForm):
    class Meta:
        model = Charter
        fields = ["people"]
        widgets = {"people": _rows(8)}


class ProcessForm(VersionedForm):
    class Meta:
        model = Charter
        fields = ["process"]
        widgets = {"process": _rows(8)}


SECTION_FORMS = {"purpose": PurposeForm, "people": PeopleForm, "process": ProcessForm}


class NonNegotiableForm(VersionedForm):
    class Meta:
        model = NonNegotiable
        fields = ["title", "standard", "why"]
        widgets = {"standard": _rows(2), "why": _rows(3)}


class BoundaryForm(VersionedForm):
    class Meta:
        model = Boundary
        fields = ["area", "label", "guardrails", "set_by"]
        widgets = {"label": forms.RadioSelect, "guardrails": _rows(3)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].choices = [("", "not decided yet"), *Boundary._meta.get_field("label").choices]


class GoalForm(VersionedForm):
    class Meta:
        model = Goal
        fields = ["objective", "purpose_part", "tradeoff", "owner"]
        widgets = {"tradeoff": _rows(2)}

    def __init__(self, *args, team=None, **kwargs):
        super().__init__(*args, **kwargs)
        from alignment.models import User

        owner = self.fields["owner"]
        owner.queryset = User.objects.filter(memberships__team=team).order_by("display_name", "email")
        owner.label_from_instance = lambda user: user.name
        owner.empty_label = "No owner yet"


class KeyResultForm(VersionedForm):
    class Meta:
        model = KeyResult
        fields = ["metric", "unit", "start_value", "target_value", "current_value", "confidence"]
        widgets = {"confidence": forms.NumberInput(attrs={"min": 0, "max": 10})}

    def clean_confidence(self):
        value = self.cleaned_data.get("confidence")
        if value is not None and not 0 <= value <= 10:
            raise forms.ValidationError(_("Confidence runs from 0 (no chance) to 10 (certain)."))
        return value


# URL kind → form; the model comes from the form.
ITEM_FORMS: dict[str, type[VersionedForm]] = {
    "non_negotiable": NonNegotiableForm,
    "boundary": BoundaryForm,
    "goal": GoalForm,
    "key_result": KeyResultForm,
}
ITEM_SECTIONS = {"non_negotiable": "non_negotiables", "boundary": "boundaries", "goal": "goals",
                 "key_result": "goals"}


class CommentForm(forms.ModelForm):
    section = forms.ChoiceField(choices=Section.choices, widget=forms.HiddenInput)
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Comment
        fields = ["body"]
        widgets = {"body": _rows(2)}


class ResponseForm(forms.ModelForm):
    class Meta:
        model = Response
        fields = ["kind", "reason"]
        widgets = {"kind": forms.RadioSelect, "reason": _rows(3)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Response.Kind.choices  # no blank radio

    def clean(self):
        data = super().clean()
        if data.get("kind") == Response.Kind.OBJECTION and not (data.get("reason") or "").strip():
            self.add_error("reason", _("An objection needs a reason: what would harm the team, and what would fix it?"))
        return data


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(label=_("Your answer"), choices=Response.Answer.choices, widget=forms.RadioSelect)
    text = forms.CharField(label=_("Explanation"), widget=_rows(2),
                           help_text=_("What you changed, or why the charter stays as it is."))
    seen_reason = forms.CharField(widget=forms.HiddenInput, required=False, strip=False)


class AmendmentForm(forms.Form):
    note = forms.CharField(label=_("What should change, and why?"), widget=_rows(2), required=False)


class DecisionForm(forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["title", "description", "purpose_effect", "metric_effect", "goal", "key_result",
                  "investment_amount", "investment_until"]
        widgets = {
            "description": _rows(3),
            "purpose_effect": forms.RadioSelect,
            "metric_effect": forms.RadioSelect,
            "investment_until": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "purpose_effect": _("Does it advance who we serve, the outcome we exist for, or what we refuse "
                                "to trade away — or harm them?"),
            "metric_effect": _("What happens to our key results?"),
        }

    def __init__(self, *args, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Radios need no "select an option" entry: nothing is chosen until someone chooses.
        self.fields["purpose_effect"].choices = Decision.PurposeEffect.choices
        self.fields["metric_effect"].choices = Decision.MetricEffect.choices
        self.fields["goal"].queryset = Goal.objects.filter(pk__in=[g.pk for g in goals])
        self.fields["goal"].required = False
        self.fields["key_result"].queryset = KeyResult.objects.filter(goal__in=[g.pk for g in goals])
        self.fields["key_result"].required = False
        self.fields["key_result"].label_from_instance = lambda kr: f"{kr.metric}"
        self.fields["goal"].empty_label = "No particular goal"
        self.fields["key_result"].empty_label = "None"

    def clean(self):
        data = super().clean()
        invests = (data.get("purpose_effect") == Decision.PurposeEffect.ADVANCES
                   and data.get("metric_effect") == Decision.MetricEffect.DENTS)
        if invests:
            if not data.get("key_result"):
                self.add_error("key_result", _("A conscious investment names the key result it dents."))
            if not data.get("investment_amount"):
                self.add_error("investment_amount", _("Say how much the key result may drop."))
            if not data.get("investment_until"):
                self.add_error("investment_until", _("Say until when, so the review can check it."))
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Final decision"), widget=forms.RadioSelect,
        choices=[(Decision.Outcome.PROCEED, _("Proceed")), (Decision.Outcome.DECLINE, _("Do not proceed"))],
    )
    reason = forms.CharField(label=_("Reason"), widget=_rows(2), required=False,
                             help_text=_("Required when your decision departs from the verdict."))
