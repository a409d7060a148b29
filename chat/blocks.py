"""What Charter says in chat, once, and how Slack and Mattermost each draw it.

A `Message` (words, buttons, a link) is what the outbox keeps (`as_json`); `slack_message` draws it as
Slack's blocks, `mattermost_post` as a Mattermost post with an attachment's buttons. A `Dialog` (fields
with their starting values) opens as a Slack modal (`slack_modal`) or a Mattermost interactive dialog
(`mattermost_dialog`), and what comes back is read into plain values by name (`slack_values`,
`mattermost_values`), which the forms the web pages use then validate.

A button's value and a dialog's state are signed by `chat.verification` (`sign_action`), so an action
names only what Charter itself put in a message for that chat user.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

NONE = "-"  # a select's "nothing chosen": both chats refuse an option whose value is empty
SLACK_OPTION_TEXT = 75  # Slack's limit on an option's words
MATTERMOST_TEXT = 150  # Mattermost's limit on a one-line text element


@dataclass(frozen=True)
class Button:
    label: str
    value: str  # signed (`chat.verification.sign_action`)
    style: str = ""  # "primary", "danger" or ""


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Message:
    """Words with an optional title, sections, buttons and one link ("Open in Charter")."""

    text: str
    title: str = ""
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    link_url: str = ""  # absolute
    link_label: str = "Open in Charter"

    def as_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Message:
        return cls(text=data.get("text", ""), title=data.get("title", ""),
                   sections=tuple(Section(s["heading"], tuple(s["lines"])) for s in data.get("sections", ())),
                   buttons=tuple(Button(**b) for b in data.get("buttons", ())),
                   link_url=data.get("link_url", ""), link_label=data.get("link_label", "Open in Charter"))

    def plain(self) -> str:
        """The message as plain lines: Slack's notification text, and what tests read."""
        lines = [self.title] if self.title else []
        lines += [self.text] if self.text else []
        for section in self.sections:
            lines += [section.heading, *(f"• {line}" for line in section.lines)]
        return "\n".join(lines)


# Slack ----------------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's escaping: &, < and > are its markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_message(message: Message) -> dict:
    """`chat.postMessage`'s `text` and `blocks` (and `chat.update`'s, without buttons once answered)."""
    head = [f"*{slack_escape(message.title)}*"] if message.title else []
    blocks = [{"type": "section", "text": {"type": "mrkdwn",
                                          "text": "\n".join([*head, slack_escape(message.text)]).strip() or " "}}]
    for section in message.sections:
        lines = [f"*{slack_escape(section.heading)}*", *(f"• {slack_escape(line)}" for line in section.lines)]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:3000]}})
    elements = [{"type": "button", "action_id": f"charter-{n}", "value": button.value,
                 "text": {"type": "plain_text", "text": button.label}, **({"style": button.style} if button.style else {})}
                for n, button in enumerate(message.buttons)]
    if message.link_url:
        elements.append({"type": "button", "action_id": "open", "url": message.link_url,
                         "text": {"type": "plain_text", "text": message.link_label}})
    if elements:
        blocks.append({"type": "actions", "elements": elements})
    return {"text": message.plain()[:3000], "blocks": blocks}


# Mattermost -------------------------------------------------------------------------------------------


def mattermost_text(message: Message) -> str:
    lines = [f"**{message.title}**"] if message.title else []
    lines += [message.text] if message.text else []
    for section in message.sections:
        lines += ["", f"#### {section.heading}", *(f"- {line}" for line in section.lines)]
    if message.link_url:
        lines += ["", f"[{message.link_label}]({message.link_url})"]
    return "\n".join(lines)


def mattermost_post(message: Message, *, actions_url: str) -> dict:
    """A post's `message` and `props` (its buttons post their signed value back to `actions_url`)."""
    post = {"message": mattermost_text(message), "props": {}}
    if message.buttons:
        post["props"] = {"attachments": [{"actions": [
            {"id": f"charter{n}", "name": button.label, "type": "button",
             **({"style": button.style} if button.style else {}),
             "integration": {"url": actions_url, "context": {"value": button.value}}}
            for n, button in enumerate(message.buttons)]}]}
    return post


# Dialogs ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One input of a dialog. `name` is the web form's field name, so the form reads what comes back."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, number, select, radio
    initial: str = ""
    options: tuple[tuple[str, str], ...] = ()  # (value, label); "" is `NONE` in chat
    optional: bool = True
    help: str = ""
    max_length: int = 0


@dataclass(frozen=True)
class Dialog:
    callback: str  # what submitting it does: "checkin", "decide", "propose"
    title: str  # at most 24 characters in both chats
    fields: tuple[Field, ...]
    state: str  # signed (`chat.verification.sign_action`): who, which team, which week or commitment
    intro: str = ""
    submit_label: str = "Save"


def _option_value(value: str) -> str:
    return value or NONE


def _slack_option(value: str, label: str) -> dict:
    text = label if len(label) <= SLACK_OPTION_TEXT else label[:SLACK_OPTION_TEXT - 1] + "…"
    return {"text": {"type": "plain_text", "text": text or "—"}, "value": _option_value(value)}


def _slack_element(item: Field) -> dict:
    if item.kind in ("select", "radio"):
        options = [_slack_option(value, label) for value, label in item.options]
        element = {"type": "static_select" if item.kind == "select" else "radio_buttons", "action_id": "value",
                   "options": options}
        chosen = [option for option in options if option["value"] == _option_value(item.initial)]
        if chosen:
            element["initial_option"] = chosen[0]
        return element
    if item.kind == "number":
        element = {"type": "number_input", "is_decimal_allowed": True, "action_id": "value"}
    else:
        element = {"type": "plain_text_input", "action_id": "value", "multiline": item.kind == "textarea"}
        if item.max_length:
            element["max_length"] = item.max_length
    if item.initial:
        element["initial_value"] = item.initial
    return element


def slack_modal(dialog: Dialog) -> dict:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(dialog.intro)}}] if dialog.intro else []
    for item in dialog.fields:
        block = {"type": "input", "block_id": item.name, "optional": item.optional,
                 "label": {"type": "plain_text", "text": item.label[:2000]}, "element": _slack_element(item)}
        if item.help:
            block["hint"] = {"type": "plain_text", "text": item.help[:2000]}
        blocks.append(block)
    return {"type": "modal", "callback_id": dialog.callback, "private_metadata": dialog.state,
            "title": {"type": "plain_text", "text": dialog.title[:24]},
            "submit": {"type": "plain_text", "text": dialog.submit_label[:24]},
            "close": {"type": "plain_text", "text": "Cancel"}, "blocks": blocks}


def slack_result_view(title: str, text: str) -> dict:
    """What a modal shows once it saved: the outcome in words, and a button to close it."""
    return {"type": "modal", "title": {"type": "plain_text", "text": title[:24]},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(text)[:3000]}}]}


def slack_values(view: dict) -> dict[str, str]:
    """What a submitted modal says, by field name, as strings ("" for nothing chosen or typed)."""
    values = {}
    for name, actions in (view.get("state") or {}).get("values", {}).items():
        action = actions.get("value") or {}
        chosen = action.get("selected_option")
        value = chosen.get("value") if isinstance(chosen, dict) else action.get("value")
        values[name] = "" if value in (None, NONE) else str(value)
    return values


def mattermost_dialog(dialog: Dialog, *, url: str) -> dict:
    elements = []
    for item in dialog.fields:
        # A one-line text holds at most 150 characters in Mattermost: a longer field is a text area there.
        long = item.kind == "textarea" or (item.kind == "text" and item.max_length > MATTERMOST_TEXT)
        element = {"display_name": item.label[:24], "name": item.name, "optional": item.optional,
                   "type": "textarea" if long else item.kind if item.kind in ("select", "radio") else "text"}
        if item.kind == "number":
            element["subtype"] = "number"
        if item.options:
            element["options"] = [{"text": label or "—", "value": _option_value(value)} for value, label in item.options]
            if any(value == item.initial for value, _ in item.options):
                element["default"] = _option_value(item.initial)
        elif item.initial:
            element["default"] = item.initial
        help_text = " ".join(part for part in (item.label if len(item.label) > 24 else "", item.help) if part)
        if help_text:
            element["help_text"] = help_text
        limit = 3000 if long else MATTERMOST_TEXT
        if item.kind in ("text", "textarea", "number"):
            element["max_length"] = min(item.max_length or limit, limit)
        elements.append(element)
    return {"url": url, "dialog": {"callback_id": dialog.callback, "title": dialog.title[:24],
                                   "introduction_text": dialog.intro, "elements": elements,
                                   "submit_label": dialog.submit_label, "notify_on_cancel": False,
                                   "state": dialog.state}}


def mattermost_values(submission: dict) -> dict[str, str]:
    return {name: "" if value in (None, NONE) else str(value) for name, value in (submission or {}).items()}
