"""Read pages and emails the way a person would: what a form shows, where a link goes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit


@dataclass
class Form:
    method: str  # "get" or "post"
    sent_to: list[str]  # its action, then the `formaction` of each of its buttons that has one
    values: dict[str, list[str]]  # what a browser would send from it, as the page sets it


class _FormReader(HTMLParser):
    """Every form of a page (`forms`), and every field of the page wherever it is (`everywhere`)."""

    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self.everywhere: dict[str, list[str]] = {}
        self._form: Form | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def _keep(self, name: str | None, value: str) -> None:
        if name:
            self.everywhere.setdefault(name, []).append(value)
            if self._form is not None:
                self._form.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = Form((attrs.get("method") or "get").lower(), [attrs.get("action") or ""], {})
            self.forms.append(self._form)
        elif tag == "button" and attrs.get("formaction") and self._form is not None:
            self._form.sent_to.append(attrs["formaction"])
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
        if self._textarea:
            self.everywhere[self._textarea][-1] += data
            if self._form is not None:
                self._form.values[self._textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _read(html: str | bytes) -> _FormReader:
    reader = _FormReader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    return reader


def forms(html: str | bytes) -> list[Form]:
    """Each form of the page, as a browser would send it."""
    return _read(html).forms


def form_values(html: str | bytes, action: str | None = None) -> dict[str, list[str]]:
    """The values a browser would submit from the form posting to `action` (or from all forms)."""
    reader = _read(html)
    if action is None:
        return reader.everywhere
    values: dict[str, list[str]] = {}
    for form in reader.forms:
        if form.sent_to[0] == action:
            for name, sent in form.values.items():
                values.setdefault(name, []).extend(sent)
    return values


class _LinkReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") if tag == "a" else None
        if href:
            self.hrefs.append(href)


def links(html: str | bytes) -> list[str]:
    """Where each link of the page goes, in the page's order."""
    reader = _LinkReader()
    reader.feed(html.decode() if isinstance(html, bytes) else html)
    return reader.hrefs


def accept_path_in(email) -> str:
    """The path of the accept link in an invitation email's text body."""
    match = re.search(r"https?://\S+/invitations/\S+/", email.body)
    assert match, f"no accept link in {email.body!r}"
    return urlsplit(match.group(0)).path
