"""Forms of a team's chat webhooks: the address and the events it gets."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from alignment import webhooks


def _events_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Events to post"), widget=forms.CheckboxSelectMultiple,
        choices=[(event.key, event.label) for event in webhooks.events()],
        error_messages={"required": _("Choose at least one event to post.")},
        help_text=" ".join(f"{event.label}: {event.description}" for event in webhooks.events()
                           if event.description),
    )


class WebhookForm(forms.Form):
    """A new webhook: its address (https only) and the events it gets."""

    url = forms.URLField(
        label=_("Webhook address"), max_length=500, assume_scheme="https",
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                     "placeholder": "https://hooks.slack.com/services/…"}),
        help_text=_("The incoming-webhook address your chat gives you (Slack, Mattermost, or any "
                    "Slack-compatible one), starting with https://. It is a secret: after saving, only its host "
                    "and last four characters are shown."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"] = _events_field()
        self.fields["events"].initial = [event.key for event in webhooks.events()]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        refusal = webhooks.url_refusal(url)
        if refusal:
            raise forms.ValidationError(refusal)
        return url


class WebhookEventsForm(forms.Form):
    """Which events one webhook gets; its ids name the webhook, so that a page of them keeps its ids apart."""

    def __init__(self, *args, webhook, **kwargs):
        self.webhook = webhook
        kwargs.setdefault("auto_id", f"id_webhook-{webhook.pk}-%s")
        kwargs.setdefault("initial", {"events": webhook.events})
        super().__init__(*args, **kwargs)
        self.fields["events"] = _events_field()
