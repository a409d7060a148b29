"""Read pages and emails the way a person would: what a form shows, where a link goes."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit


class _FormReader(HTMLParser):
    def __init__(self, action: str | None):
        super().__init__()
        self.action = action
        self.inside = action is None
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _keep(self, name: str | None, value: str) -> None:
        if name and self.inside:
            self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is not None:
            self.inside = attrs.get("action") == self.action
        elif tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._keep(attrs.get("name"), attrs.get("value", "on"))
            elif kind not in ("submit", "button"):
                self._keep(attrs.get("name"), attrs.get("value") or "")
        elif tag == "select":
            self._select = attrs.get("name")
        elif tag == "option" and self._select and "selected" in attrs:
            self._keep(self._select, attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = attrs.get("name")
            self._keep(self._textarea, "")

    def handle_data(self, data):
        if self._textarea and self.inside:
            self.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form" and self.action is not None:
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_values(html: str | bytes, action: str | None = None) -> dict[str, list[str]]:
    """The values a browser would submit from the form posting to `action` (or from all forms)."""
    reader = _FormReader(action)
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    return reader.values


def accept_path_in(email) -> str:
    """The path of the accept link in an invitation email's text body."""
    match = re.search(r"https?://\S+/invitations/\S+/", email.body)
    assert match, f"no accept link in {email.body!r}"
    return urlsplit(match.group(0)).path
