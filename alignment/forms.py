from __future__ import annotations

import re

from allauth.account.forms import LoginForm
from django import forms
from django.contrib.auth.forms import BaseUserCreationForm, PasswordResetForm
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from alignment import lockout, panels, sso
from alignment.audit import Filters
from alignment.models import AuditKind, IdentityProvider, Organisation, Role, Team, User
from alignment.tasks import send_password_reset_email
from alignment.time_zones import UTC, time_zone_choices

EMAIL_TAKEN = _("An account with this email already exists. Log in instead.")


class TimeZoneField(forms.ChoiceField):
    """A select of time zones grouped by region (see `alignment.time_zones`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Time zone"))
        super().__init__(choices=time_zone_choices, **kwargs)


class TimeZoneFormMixin:
    """Offers the zone already saved or suggested even when it is not in the list, and can follow the browser.

    `follow_browser_zone` marks the select of a fresh form, one where the person has chosen
    nothing yet, for `static/js/timezone.js` to set to the browser's zone. Once the form is
    posted, or for a zone saved earlier, what the person chose stays.
    """

    follow_browser_zone = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        field.choices = time_zone_choices(self.initial.get("time_zone") or "")
        if self.follow_browser_zone and not self.is_bound:
            field.widget.attrs["data-follow-browser-zone"] = ""


class SignupForm(TimeZoneFormMixin, BaseUserCreationForm):
    # Optional so that a post without it (an old page, a script) still signs up, in UTC.
    time_zone = TimeZoneField(required=False, initial=UTC, help_text=User._meta.get_field("time_zone").help_text)
    follow_browser_zone = True

    class Meta:
        model = User
        fields = ["email", "display_name", "time_zone"]
        # The model's own uniqueness check can be the one that notices; it says the same.
        error_messages = {"email": {"unique": EMAIL_TAKEN}}

    def clean_time_zone(self) -> str:
        return self.cleaned_data["time_zone"] or UTC

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN, code="unique")
        return email

    def create_account(self) -> User | None:
        """Save the new account; None, with the error on the email field, if the address was taken meanwhile.

        The same form submitted twice at once passes both checks above; the database's
        unique email decides, inside a savepoint so the request can still render the form.
        """
        try:
            with transaction.atomic():
                return self.save()
        except IntegrityError:
            if not User.objects.filter(email__iexact=self.cleaned_data["email"]).exists():
                raise
            self.add_error("email", forms.ValidationError(EMAIL_TAKEN, code="unique"))
            return None


class ProfileForm(TimeZoneFormMixin, forms.ModelForm):
    time_zone = TimeZoneField(help_text=User._meta.get_field("time_zone").help_text)

    class Meta:
        model = User
        fields = ["display_name", "time_zone"]


class OrganisationForm(forms.ModelForm):
    """A new organisation: its name and purpose in a line (its parts are for its settings, later)."""

    class Meta:
        model = Organisation
        fields = ["name", "purpose"]
        labels = {"purpose": _("Organisation purpose")}
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}


class OrganisationSettingsForm(forms.ModelForm):
    """The organisation's settings, with the version the admin loaded, to detect concurrent edits."""

    default_time_zone = TimeZoneField(label=_("Time zone for new teams"), required=False,
                                      help_text=Organisation._meta.get_field("default_time_zone").help_text)
    # Blank leaves it as it is (a form of before the setting existed sends none).
    audit_retention_months = forms.IntegerField(
        label=Organisation._meta.get_field("audit_retention_months").verbose_name, required=False,
        min_value=1, max_value=600, help_text=Organisation._meta.get_field("audit_retention_months").help_text)
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Organisation
        fields = ["name", "purpose_serves", "purpose", "purpose_refuses", "default_time_zone",
                  "closed_cycle_retention_months", "checkin_words_retention_months", "audit_retention_months",
                  "mfa_required"]
        widgets = {name: forms.Textarea(attrs={"rows": 2}) for name in ("purpose_serves", "purpose", "purpose_refuses")}
        labels = {"mfa_required": _("Require two-factor sign-in")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The zone saved is offered even when it is not in the short list.
        self.fields["default_time_zone"].choices = [
            ("", _("None: the creator's own")), *time_zone_choices(self.initial.get("default_time_zone") or "")]

    def clean_audit_retention_months(self) -> int:
        return self.cleaned_data["audit_retention_months"] or self.instance.audit_retention_months


class TeamForm(TimeZoneFormMixin, forms.ModelForm):
    """A new team. Whether its name is free is the service's to say (`services.create_team`)."""

    time_zone = TimeZoneField(initial=UTC, help_text=Team._meta.get_field("time_zone").help_text)
    # Nobody has chosen a new team's zone yet: the creator's own is the default, their browser's is better.
    follow_browser_zone = True

    class Meta:
        model = Team
        fields = ["name", "time_zone", "checkin_weekday", "checkin_time", "review_cadence_weeks",
                  "checkins_open_to_team"]
        widgets = {"checkin_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


class NewTeamForm(TeamForm):
    """A new team made by an organisation's admin: in the organisation's zone, led by whoever they name.

    With no zone for new teams chosen by the organisation, the creator's own (their browser's) is the first.
    """
    leader_email = forms.EmailField(
        label=_("Leader's email address"), required=False,
        help_text=_("Someone of the organisation leads it at once; anyone else is invited as its leader. "
                    "Leave it empty to lead it yourself."),
    )

    def __init__(self, *args, organisation: Organisation, **kwargs):
        # The organisation's zone was chosen by its admins: the browser does not overrule it.
        self.follow_browser_zone = not organisation.default_time_zone
        super().__init__(*args, **kwargs)


# When the charter asks its leaders to revisit it (reviews/triggers.py): strained weeks, and "unclear who decides".
REVIEW_TRIGGER_FIELDS = ("strain_trigger_weeks", "strain_trigger_window", "unclear_trigger_count")


class TeamSettingsForm(TeamForm):
    """Team settings with the version the editor loaded, to detect concurrent edits."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    follow_browser_zone = False  # the team's zone was chosen when it was created

    class Meta(TeamForm.Meta):
        fields = [*TeamForm.Meta.fields, "privacy_minimum", *REVIEW_TRIGGER_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A settings page loaded before a setting existed sends none: the team's own stays (None keeps it).
        for name in ("privacy_minimum", *REVIEW_TRIGGER_FIELDS):
            self.fields[name].required = False


class AdminForm(forms.Form):
    """The person of the organisation an admin makes an admin (chosen from the people directory)."""

    person = forms.ModelChoiceField(queryset=User.objects.none(), widget=forms.HiddenInput,
                                    error_messages={"invalid_choice": _("This person is not in the organisation.")})

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.in_organisation(organisation)


class MoveForm(forms.Form):
    """The team of the organisation a person moves to."""

    to_team = forms.ModelChoiceField(label=_("Move to"), queryset=Team.objects.none(),
                                     empty_label=_("Choose a team"))

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_team"].queryset = (membership.team.organisation.teams.active().exclude(pk=membership.team_id)
                                           .order_by("name"))


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


class ThrottledLoginForm(LoginForm):
    """allauth's sign-in form: an address and a password, slowed for an account many wrong passwords were tried
    at (`lockout.account_wait`), and sending an address whose organisation signs its people in elsewhere to
    its identity provider (`alignment.sso`).

    The wait is checked before the password, so a try made during it counts as nothing. A password left
    empty for such an address, or refused because the organisation requires single sign-on, sets
    `single_sign_on` to the provider: the login page then offers it.
    """

    single_sign_on: IdentityProvider | None = None
    throttled = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Email address")
        self.fields["login"].widget.attrs.update({"autofocus": True, "autocomplete": "email"})
        self.fields["login"].widget.attrs.pop("placeholder", None)
        self.fields["password"].widget.attrs.pop("placeholder", None)
        self.fields["password"].help_text = ""
        self.fields["password"].required = False

    def clean(self):
        email = (self.cleaned_data.get("login") or "").strip().lower()
        if not email or self.errors:
            return self.cleaned_data
        wait = lockout.account_wait(email)
        if wait and not lockout.is_locked(self.request, {"username": email}):  # a lock says more: axes answers
            self.throttled = True
            raise forms.ValidationError(
                "Many wrong passwords were tried for this account. Wait %(wait)s and try again; "
                "if it was not you, reset your password.", code="throttled",
                params={"wait": f"{wait} second{'s' if wait != 1 else ''}"})
        provider = sso.provider_for_email(email)
        if not self.cleaned_data.get("password"):
            if provider is not None:
                self.single_sign_on = provider
                return self.cleaned_data
            self.add_error("password", _("Enter your password."))
            return self.cleaned_data
        cleaned = super().clean()
        if self.user is not None and provider is not None and provider.sso_required:
            if refusal := sso.refusal_of_password(provider, self.user):
                self.single_sign_on, self.user = provider, None
                raise forms.ValidationError(refusal, code="single_sign_on_required")
            self.break_glass = provider  # an admin: the break-glass way in
        return cleaned


class FrontDoorLoginForm(ThrottledLoginForm):
    """The login form at the foot of the front page; posts to the login page like the one there."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A visitor reads the page from the top: focusing the field would scroll them past it.
        self.fields["login"].widget.attrs.pop("autofocus", None)


class PasswordResetRequestForm(PasswordResetForm):
    """Django's reset form, but the account lookup and the email happen in a Celery task.

    The request then does the same work, and takes the same time, whether or not the
    address has an account, so timing the answer tells nobody who is signed up.
    """

    def save(self, **kwargs) -> None:
        # Nothing is written here, so there is no commit to wait for: queue at once.
        send_password_reset_email.delay(self.cleaned_data["email"])


class TeamSearchForm(forms.Form):
    """The organisation page's search: part of a team's name, and a filter the feature apps offer."""

    q = forms.CharField(label="Team name", required=False, max_length=120,
                        widget=forms.TextInput(attrs={"type": "search"}))
    filter = forms.ChoiceField(label="Show", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["filter"].choices = [("", "All teams"), *panels.team_filter_choices()]


class AuditFilterForm(forms.Form):
    """What the audit trail's reader narrows it to: a kind of event, a person, days (GET: works without script)."""

    kind = forms.ChoiceField(label=_("What"), required=False,
                             choices=[("", _("Every kind")), *AuditKind.choices])
    person = forms.CharField(label=_("By (e-mail)"), required=False, max_length=254,
                             widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", _("The last day comes after the first."))
        return cleaned

    def filters(self) -> Filters:
        """What was asked, or no filter at all when the form is not valid (the page says why beside it)."""
        if not self.is_valid():
            return Filters()
        return Filters(**{name: self.cleaned_data[name] or (None if name in ("since", "until") else "")
                          for name in ("kind", "person", "since", "until")})


class DeleteAccountForm(forms.Form):
    """"Delete my account": the person's password again, so that a session left open cannot ask for it."""

    password = forms.CharField(label=_("Your password"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               help_text=_("To be sure it is you asking."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."), code="password_incorrect")
        return password


DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


class IdentityProviderForm(forms.ModelForm):
    """An organisation's identity provider (OpenID Connect), as its admins configure it (`sso.save_provider`)."""

    client_secret = forms.CharField(
        label=_("Client secret"), required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Kept sealed; never shown again. Leave empty to keep the one saved."))
    email_domains = forms.CharField(
        label=_("E-mail domains"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. harbour-health.org. People with these addresses are sent to the provider "
                    "from the login page, and only these addresses may sign in through it."))

    class Meta:
        model = IdentityProvider
        fields = ["protocol", "name", "issuer_url", "client_id", "client_secret", "saml_entity_id", "saml_sso_url",
                  "saml_certificate", "email_domains", "sso_required", "groups_claim", "group_mapping", "default_team"]
        widgets = {"group_mapping": forms.Textarea(attrs={"rows": 4}),
                   "saml_certificate": forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})}

    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        self.fields["default_team"].queryset = Team.objects.filter(organisation=organisation).active()
        self.fields["default_team"].empty_label = _("No default team")
        if self.instance.pk:
            self.initial.setdefault("email_domains", "\n".join(self.instance.domains.values_list("domain", flat=True)))
        self.has_secret = bool(self.instance.pk and self.instance.client_secret_sealed)

    def clean(self):
        cleaned = super().clean()
        needed = (["saml_entity_id", "saml_sso_url", "saml_certificate"]
                  if cleaned.get("protocol") == IdentityProvider.Protocol.SAML else ["issuer_url", "client_id"])
        for field in needed:
            if not cleaned.get(field) and field not in self.errors:
                self.add_error(field, _("Needed for %(protocol)s.") % {
                    "protocol": IdentityProvider.Protocol(cleaned["protocol"]).label})
        if cleaned.get("protocol") == IdentityProvider.Protocol.OIDC and not cleaned.get("client_secret") \
                and not self.has_secret:
            self.add_error("client_secret", _("Needed for OpenID Connect."))
        certificate = (cleaned.get("saml_certificate") or "").strip()
        if certificate and "BEGIN CERTIFICATE" not in certificate:
            self.add_error("saml_certificate", _("Paste the certificate in PEM form (-----BEGIN CERTIFICATE-----…)."))
        return cleaned

    def clean_email_domains(self) -> list[str]:
        domains = [part.strip().lower().lstrip("@") for part in
                   self.cleaned_data["email_domains"].replace(",", "\n").splitlines() if part.strip()]
        wrong = [domain for domain in domains if not DOMAIN.fullmatch(domain)]
        if wrong:
            raise forms.ValidationError(_("Not a domain: %(wrong)s."), params={"wrong": ", ".join(wrong)})
        if not domains:
            raise forms.ValidationError(_("Name at least one domain."))
        return domains

    def clean_group_mapping(self) -> str:
        text = self.cleaned_data["group_mapping"]
        sso.parse_group_mapping(text, self.organisation)  # raises with each wrong line
        return text
