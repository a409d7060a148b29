from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from charters.models import Goal, KeyResult
from decisions.models import Decision


class DecisionForm(forms.ModelForm):
    """Log a proposal. The hidden key, one per empty form the view hands out, makes a second submit harmless."""

    # Not required: a form loaded before the key existed still logs (without the protection).
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, required=False,
                                      error_messages={"invalid": _("This form's key is not valid; reload the page "
                                                                   "and try again.")})

    class Meta:
        model = Decision
        fields = ["title", "description", "purpose_effect", "metric_effect", "goal", "key_result",
                  "investment_amount", "investment_until", "review_on"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            # Each choice is described by the purpose shown beside it, so a screen reader hears the real words.
            "purpose_effect": forms.RadioSelect(attrs={"aria-describedby": "purpose-reminder"}),
            "metric_effect": forms.RadioSelect,
            "investment_until": forms.DateInput(attrs={"type": "date"}),
            "review_on": forms.DateInput(attrs={"type": "date"}),
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
        if Decision.is_investment(data.get("purpose_effect"), data.get("metric_effect")):
            if not data.get("key_result"):
                self.add_error("key_result", _("A conscious investment names the key result it dents."))
            if not data.get("investment_amount"):
                self.add_error("investment_amount", _("Say how much the key result may drop."))
            if not data.get("investment_until"):
                self.add_error("investment_until", _("Say until when, so the review can check it."))
        return data


class OutcomeForm(forms.Form):
    """The leader's final call, carrying the decision's version to detect a concurrent one."""

    outcome = forms.ChoiceField(
        label=_("Final decision"), widget=forms.RadioSelect,
        choices=[(Decision.Outcome.PROCEED, _("Proceed")), (Decision.Outcome.DECLINE, _("Do not proceed"))],
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False,
                             help_text=_("Required when your decision departs from the verdict."))
    review_on = forms.DateField(
        label=_("Review by"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional: when the team should look at this decision again. It shows in the leaders' "
                    "My week and calendar when due."))
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages={
        "required": _("This form is missing its version; reload the page and try again."),
        "invalid": _("This form's version is not valid; reload the page and try again."),
    })


class ReviewedForm(forms.Form):
    """A leader looked at the decision again: its review is done, with the next review date if any."""

    next_review_on = forms.DateField(
        label=_("Next review by"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Optional: leave empty if it needs no further review."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_reviewed_%s")
        super().__init__(*args, **kwargs)
