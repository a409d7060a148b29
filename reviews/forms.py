"""The cycle's closing form: a summary, which closing a cycle before its end date asks for."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CloseCycleForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the cycle taught the team, and why it closes now. Kept on the cycle page."),
    )

    def __init__(self, *args, early: bool = False, **kwargs):
        kwargs.setdefault("auto_id", "id_close_%s")
        super().__init__(*args, **kwargs)
        if early:
            # Before its end date the cycle is cut short: the team should read why.
            self.fields["summary"].required = True
            self.fields["summary"].label = _("Summary: why close it early, and what it taught")
            self.fields["summary"].error_messages["required"] = _(
                "Write a summary before closing the cycle early: why it closes now, and what it taught the team.")


class DismissTriggerForm(forms.Form):
    reason = forms.CharField(
        label=_("Why set it aside (optional)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept with the prompt, for the team to read. It will not come back for this version."),
    )


class ReviewDateForm(forms.Form):
    review_on = forms.DateField(label=_("Review by"), widget=forms.DateInput(attrs={"type": "date"}),
                                help_text=_("When the team should revisit this version. Passing it asks the "
                                            "leaders to review the charter."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_review_%s")
        super().__init__(*args, **kwargs)
