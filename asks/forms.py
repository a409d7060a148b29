"""Forms for requests between teams: asking, answering, consultation input."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from asks.models import Ask, AskComment
from charters.models import BoundaryLabel
from decisions.models import Decision

NOT_SURE = "none"
DEFAULT_CONSULT_DAYS = 7


class AskForm(forms.Form):
    """Ask another team. The area of work is one of its boundaries in force, or "none of these / not sure"."""

    # One per empty form the view hands out: a second submit of the same form asks once. Not required, so
    # a form loaded before the key existed still asks (without the protection).
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, required=False,
                                      error_messages={"invalid": _("This form's key is not valid; reload the page "
                                                                   "and try again.")})
    asking_team = forms.TypedChoiceField(label=_("Asking for"), coerce=int,
                                         help_text=_("The team of yours this request comes from."))
    kind = forms.ChoiceField(label=_("What you ask for"), choices=Ask.Kind.choices, widget=forms.RadioSelect,
                             initial=Ask.Kind.CHANGE)
    title = forms.CharField(label=_("What you ask"), max_length=200)
    body = forms.CharField(label=_("Why, and what it would take"), required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    boundary = forms.ChoiceField(label=_("Which area of their work does it touch?"), widget=forms.RadioSelect,
                                 error_messages={"invalid_choice": _(
                                     "Their charter changed while you were writing: choose the area again.")})
    due_on = forms.DateField(label=_("If they consult you: decide by"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                             help_text=_("Only for a consult area. A week from today unless you choose."))
    purpose_effect = forms.ChoiceField(label=_("If the team decides: how does it bear on their purpose?"),
                                       required=False, widget=forms.RadioSelect,
                                       choices=Decision.PurposeEffect.choices)
    metric_effect = forms.ChoiceField(label=_("…and on their metrics?"), required=False, widget=forms.RadioSelect,
                                      choices=Decision.MetricEffect.choices,
                                      help_text=_("Only for a team-decides area: it lands in their decision log "
                                                  "and their purpose judges it."))

    def __init__(self, *args, asking_teams, boundaries, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.boundaries = {str(b.pk): b for b in boundaries}
        self.fields["asking_team"].choices = [(team.pk, team.name) for team in asking_teams]
        self.fields["boundary"].choices = [
            *((str(b.pk), f"{b.area} — {b.get_label_display() or 'unlabelled'}"
               + (f", set by {b.set_by}" if b.set_by and b.label == BoundaryLabel.FIXED else "")) for b in boundaries),
            (NOT_SURE, _("None of these / not sure")),
        ]
        self.fields["due_on"].initial = today + timedelta(days=DEFAULT_CONSULT_DAYS)
        self.today = today

    def clean(self):
        data = super().clean()
        boundary = self.boundaries.get(data.get("boundary", ""))
        data["boundary"] = boundary
        label = boundary.label if boundary else ""
        if label == BoundaryLabel.CONSULT:
            if not data.get("due_on"):
                self.add_error("due_on", _("Say by when they should decide, after consulting you."))
            elif data["due_on"] < self.today:
                self.add_error("due_on", _("Choose today or a later day."))
        if label == BoundaryLabel.TEAM_DECIDES:
            if not data.get("purpose_effect"):
                self.add_error("purpose_effect", _("Their decision log judges it by their purpose: choose one."))
            if not data.get("metric_effect"):
                self.add_error("metric_effect", _("Choose what it does to their metrics."))
        return data


class AnswerForm(forms.Form):
    state = forms.ChoiceField(label=_("Answer"), widget=forms.RadioSelect,
                              choices=[(state.value, state.label) for state in Ask.ANSWERS])
    answer = forms.CharField(label=_("In your words"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The asker is told them."))


class CommentForm(forms.ModelForm):
    class Meta:
        model = AskComment
        fields = ["body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 3})}
