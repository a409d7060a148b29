from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from api import scopes as api_scopes

EXPIRY_CHOICES = [("30", _("In 30 days")), ("90", _("In 90 days")), ("365", _("In a year")),
                  ("never", _("Never (revoke it yourself)"))]


class TokenForm(forms.Form):
    """A new token: its name, when it expires, and what it may do in each area of the product."""

    name = forms.CharField(label=_("Name"), max_length=80,
                           help_text=_("What it is for, so you recognise it later: “Metrics sync”, “My script”."))
    expires = forms.ChoiceField(label=_("Expires"), choices=EXPIRY_CHOICES, initial="90", widget=forms.RadioSelect)

    def __init__(self, *args, service: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        for area in api_scopes.AREAS:
            if service and area.personal:
                continue
            choices = [("", _("No access")), (api_scopes.READ, _("Read"))]
            if area.writable and not service:
                choices.append((api_scopes.WRITE, _("Read and write")))
            self.fields[f"scope_{area.key}"] = forms.ChoiceField(
                label=area.label, choices=choices, required=False, initial=api_scopes.READ,
                widget=forms.RadioSelect)

    def clean(self):
        cleaned = super().clean()
        if not self.chosen_scopes():
            raise forms.ValidationError(_("Choose at least one area the token may use."))
        return cleaned

    def chosen_scopes(self) -> list[str]:
        return [api_scopes.scope(name.removeprefix("scope_"), level)
                for name, level in self.cleaned_data.items() if name.startswith("scope_") and level]

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data["expires"]
        return None if days == "never" else timezone.now() + timedelta(days=int(days))
