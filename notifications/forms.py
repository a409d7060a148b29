"""Forms of the notification centre (what a person wants to be told, and when) and of a team's webhooks."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications import services as notifications
from notifications import webhooks


class ReadAllForm(forms.Form):
    """"Mark all as read", up to the newest notification the page showed: what came after stays unread."""

    up_to = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class CalendarAddressForm(forms.Form):
    """Make or replace the calendar address; `replacing` names the address the page showed."""

    replacing = forms.CharField(widget=forms.HiddenInput, required=False)


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


def _events_field(format: str | None = None) -> forms.MultipleChoiceField:
    """The events to choose from: a webhook's format's, or (`None`, a new webhook) every one, those for JSON
    webhooks alone marked."""
    def label(event: webhooks.WebhookEvent) -> str:
        return event.label if format or event.chat else f"{event.label} (JSON only)"

    offered = webhooks.events(format)
    return forms.MultipleChoiceField(
        label=_("Events to post"), widget=forms.CheckboxSelectMultiple,
        choices=[(event.key, label(event)) for event in offered],
        error_messages={"required": _("Choose at least one event to post.")},
        help_text=" ".join(f"{event.label}: {event.description}" for event in offered if event.description),
    )


class WebhookForm(forms.Form):
    """A new webhook: its format, its address (https only) and the events it gets."""

    format = forms.ChoiceField(
        label=_("Format"), choices=webhooks.Format.choices, initial=webhooks.Format.CHAT, widget=forms.RadioSelect,
        required=False,  # left out: a chat webhook, as before there were two formats
        help_text=_("Chat: a message in a Slack, Mattermost or other Slack-compatible channel. JSON (signed): "
                    "each event as JSON for your own integration, signed with a secret shown once after adding."))
    url = forms.URLField(
        label=_("Webhook address"), max_length=500, assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                     "placeholder": "https://hooks.slack.com/services/…"}),
        help_text=_("The incoming-webhook address your chat gives you, or your integration's endpoint, starting "
                    "with https://. It may be a secret: after saving, only its host and last four characters "
                    "are shown."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"] = _events_field()
        self.fields["events"].initial = [event.key for event in webhooks.events(webhooks.Format.CHAT)]

    def clean_format(self) -> str:
        return self.cleaned_data["format"] or webhooks.Format.CHAT

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        refusal = webhooks.url_refusal(url)
        if refusal:
            raise forms.ValidationError(refusal)
        return url

    def clean(self) -> dict:
        cleaned = super().clean()
        if "events" in cleaned and "format" in cleaned:
            refusal = webhooks.refusal_of_events(cleaned["events"], cleaned["format"])
            if refusal:
                self.add_error("events", refusal)
        return cleaned


class WebhookEventsForm(forms.Form):
    """Which events one webhook gets (those of its format); its ids name the webhook, so that a page of them
    keeps its ids apart."""

    def __init__(self, *args, webhook, **kwargs):
        self.webhook = webhook
        kwargs.setdefault("auto_id", f"id_webhook-{webhook.pk}-%s")
        kwargs.setdefault("initial", {"events": webhook.events})
        super().__init__(*args, **kwargs)
        self.fields["events"] = _events_field(webhook.format)
