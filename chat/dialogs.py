"""Opening a dialog in chat, and what a dialog's save comes to.

A dialog opens with the `trigger_id` of the click or command that asked for it, which both chats honour
for a few seconds only: it is opened at once, in the request, never through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse

from alignment.errors import ActionRefused
from chat import blocks
from chat.client import Api, ChatError
from chat.models import ChatConnection
from notifications.services import absolute_url


class DialogErrors(Exception):
    """What to fix, by field name (the dialog stays open with what was typed); `general` for the whole."""

    def __init__(self, errors: dict[str, str], general: str = ""):
        super().__init__(general or "; ".join(errors.values()))
        self.errors = errors
        self.general = general


@dataclass(frozen=True)
class Saved:
    """A dialog that saved: its outcome in words, and the message it answered, to replace with them."""

    title: str
    text: str
    link_url: str = ""
    replaces: dict = field(default_factory=dict)  # {"channel": …, "ts": …} of the message that asked


def open_dialog(connection: ChatConnection, trigger_id: str, dialog: blocks.Dialog) -> None:
    """Open `dialog` for whoever clicked or typed (`trigger_id`); refused in words when the chat says no."""
    if not trigger_id:
        raise ActionRefused("Your chat did not send what opens a dialog; update it, or use the web page.")
    api = Api.of(connection)
    try:
        if connection.is_slack:
            api.slack("views.open", {"trigger_id": trigger_id, "view": blocks.slack_modal(dialog)})
        else:
            api.mattermost("POST", "actions/dialogs/open", {
                "trigger_id": trigger_id, **blocks.mattermost_dialog(dialog, url=absolute_url(
                    reverse("chat:mattermost_dialogs")))})
    except ChatError as error:
        raise ActionRefused(f"The dialog could not be opened ({error}). Try again, or use the web page.") from None


def form_errors(form, shown: set[str], *, first: str) -> DialogErrors:
    """A form's errors for a dialog: each on its field when the dialog shows it, the rest together on `first`."""
    errors, general = {}, []
    for name, messages in form.errors.items():
        text = " ".join(str(message) for message in messages)
        if name in shown:
            errors[name] = text
        else:
            general.append(text)
    if general:
        errors[first] = " ".join([*general, errors.get(first, "")]).strip()
    return DialogErrors(errors, " ".join(general))
