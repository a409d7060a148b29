from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from chat.models import SLACK_API, ChatConnection, ChatKind

SECRET_WIDGET = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "spellcheck": "false"})


class ConnectForm(forms.Form):
    """A team's chat as its leader types it. Secrets are never shown back: left blank, the saved one stays."""

    kind = forms.ChoiceField(label=_("Chat"), choices=ChatKind.choices, widget=forms.RadioSelect,
                             initial=ChatKind.SLACK)
    api_base_url = forms.URLField(
        label=_("API address"), max_length=300, required=False, assume_scheme="https",
        help_text=_("Slack: leave empty for https://slack.com/api. Mattermost: your server's address, "
                    "e.g. https://chat.example.com."))
    channel_id = forms.CharField(
        label=_("Channel ID"), max_length=64,
        help_text=_("The team's channel. Slack: the channel's details, at the bottom. Mattermost: the channel's "
                    "menu, “View Info”."))
    bot_token = forms.CharField(
        label=_("Bot token"), max_length=500, required=False, widget=SECRET_WIDGET,
        help_text=_("Slack: the app's Bot User OAuth Token (xoxb-…). Mattermost: the bot account's access token."))
    signing_secret = forms.CharField(
        label=_("Signing secret (Slack)"), max_length=200, required=False, widget=SECRET_WIDGET,
        help_text=_("The Slack app's Basic Information, “Signing Secret”."))
    command_token = forms.CharField(
        label=_("Slash command token (Mattermost)"), max_length=200, required=False, widget=SECRET_WIDGET,
        help_text=_("The token Mattermost shows for the /charter slash command."))

    def __init__(self, *args, connection: ChatConnection | None = None, **kwargs):
        if connection is not None:
            kwargs.setdefault("initial", {"kind": connection.kind, "api_base_url": connection.api_base_url,
                                          "channel_id": connection.channel_id})
        super().__init__(*args, **kwargs)
        if connection is not None:
            for name in ("bot_token", "signing_secret", "command_token"):
                self.fields[name].help_text = f"{self.fields[name].help_text} " + str(_("Leave empty to keep it."))

    def clean(self):
        data = super().clean()
        if data.get("kind") == ChatKind.SLACK and not data.get("api_base_url"):
            data["api_base_url"] = SLACK_API
        if data.get("kind") == ChatKind.MATTERMOST and not data.get("api_base_url"):
            self.add_error("api_base_url", _("Give your Mattermost server's address."))
        return data
