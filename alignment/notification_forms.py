"""Forms of the notification centre: what a person wants to be told, and when to be left alone."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alignment import notifications


class PreferencesForm(forms.Form):
    """Per kind, email on/off and in-app on/off; and the quiet-hours window in the person's time zone."""

    quiet_hours_start = forms.TimeField(
        label=_("Quiet hours start"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Reminder emails that fall in your quiet hours wait until they end (your time zone)."),
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet hours end"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Leave both empty for no quiet hours."),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.choices = notifications.preferences(user)
        initial = {"quiet_hours_start": user.quiet_hours_start, "quiet_hours_end": user.quiet_hours_end}
        for choice in self.choices:
            initial[f"{choice.kind.key}__email"] = choice.email
            initial[f"{choice.kind.key}__in_app"] = choice.in_app
        super().__init__(*args, initial=initial, **kwargs)
        for choice in self.choices:
            kind = choice.kind
            self.fields[f"{kind.key}__email"] = forms.BooleanField(
                label=_("%(kind)s by email") % {"kind": kind.label}, required=False)
            self.fields[f"{kind.key}__in_app"] = forms.BooleanField(
                label=_("%(kind)s in the app") % {"kind": kind.label}, required=False)

    def kind_rows(self):
        """(kind, email field, in-app field) for the table, in the order kinds were registered."""
        return [(c.kind, self[f"{c.kind.key}__email"], self[f"{c.kind.key}__in_app"]) for c in self.choices]

    def clean(self):
        data = super().clean()
        if (data.get("quiet_hours_start") is None) != (data.get("quiet_hours_end") is None):
            raise forms.ValidationError(_("Give both the start and the end of your quiet hours, or neither."))
        return data

    def save(self) -> None:
        for choice in self.choices:
            key = choice.kind.key
            notifications.set_preference(user=self.user, kind=key, email=self.cleaned_data[f"{key}__email"],
                                         in_app=self.cleaned_data[f"{key}__in_app"])
        self.user.quiet_hours_start = self.cleaned_data["quiet_hours_start"]
        self.user.quiet_hours_end = self.cleaned_data["quiet_hours_end"]
        self.user.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
