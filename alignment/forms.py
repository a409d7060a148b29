from __future__ import annotations

from django import forms
from django.contrib.auth.forms import BaseUserCreationForm
from django.utils.translation import gettext_lazy as _

from alignment.models import Organisation, Role, Team, User, time_zone_choices


class SignupForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ["email", "display_name"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("An account with this email already exists. Log in instead."))
        return email


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["display_name", "time_zone"]


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "purpose"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}


class TeamForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices, initial="UTC",
                                  help_text=Team._meta.get_field("time_zone").help_text)

    class Meta:
        model = Team
        fields = ["name", "time_zone", "checkin_weekday", "checkin_time", "review_cadence_weeks"]
        widgets = {"checkin_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class TeamSettingsForm(TeamForm):
    """Team settings with the version the editor loaded, to detect concurrent edits."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class RolesField(forms.TypedMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Roles"))
        kwargs.setdefault("error_messages", {"required": _("Choose at least one role.")})
        super().__init__(choices=Role.choices, coerce=Role, **kwargs)


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    roles = RolesField(initial=[Role.MEMBER])


class RolesForm(forms.Form):
    roles = RolesField()
