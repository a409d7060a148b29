"""`{% shared %}`: a part of a template that reads alike for everyone who may read it, kept per version.

    {% load fragments %}
    {% shared "charter-goals" page.shared_versions.goals %}
      ... the goals as every reader with the same controls sees them ...
    {% endshared %}

The part is rendered once per version (`alignment.fragments`) and read from the cache after.
The version is one value or several, made by the code that loads the content from the content's
own versions; when it is None (or missing from the context) the part is rendered and not kept (a form that failed shows what
its person typed, which is theirs alone).

A page read a part at a time would ask the cache once per part. Every part whose version the page's
context can tell is looked for together when the first is drawn; a part drawn in a loop cannot be told
before its turn, so the page names those in `shared_ahead` (`SHARED_AHEAD`): the name and version of each,
as the tag will be given them.

    {"shared_ahead": [("checkin-body", [checkin.body_version]) for checkin in submitted], ...}

Inside the block the reader is out of reach: `request` and `user` are blank, and `{% csrf_token %}`
writes a placeholder that each response fills in with its own reader's token. So a kept part can
hold forms and never carries one person's token to another. A form whose own token makes what it sends
count once (a reply's `token`) writes it with `{% form_token form %}`: in a kept part, a placeholder that
each reading gives a new token, one per form, so that two people's forms (or two forms on one page) never
send the same one.
"""

from __future__ import annotations

import re
import uuid

from django import template
from django.template.base import Node, NodeList, Parser, Token

from alignment import fragments

register = template.Library()

# The context's parts drawn in a loop, looked for with the others: [(name, [version parts]), ...].
SHARED_AHEAD = "shared_ahead"

# Stands in for the reader's CSRF token while a kept part is drawn; never a valid token.
TOKEN_PLACEHOLDER = "__csrf-token-of-the-reader__"
# Stands in for a form's own token while a kept part is drawn (`{% form_token %}`); never a valid token.
FORM_TOKEN_PLACEHOLDER = "__form-token-of-the-reading__"
_FORM_TOKENS = re.compile(re.escape(FORM_TOKEN_PLACEHOLDER))
# In the context while a kept part is drawn.
_DRAWING_KEPT = "_drawing_a_kept_part"


class SharedNode(Node):
    def __init__(self, name, version, nodelist: NodeList):
        self.name, self.version, self.nodelist = name, version, nodelist

    def key(self, context) -> str | None:
        """The part's cache key in `context`; None when its version cannot be told (the part is not kept).

        Worked out once a reading when it is asked again of the very same values (the page's parts are looked for
        together before the first is drawn, `_found_together`, and each is then drawn): a key digests its whole
        version, which for a charter's consent panel is every response."""
        name, version = self.name.resolve(context), [part.resolve(context, ignore_failures=True) for part in self.version]
        if not name or any(part is None for part in version):
            return None
        known = context.__dict__.setdefault("_shared_keys", {})
        last = known.get(id(self))
        if last is not None and last[0] == name and all(a is b for a, b in zip(last[1], version, strict=True)):
            return last[2]
        found = fragments.key(name, version)
        known[id(self)] = (name, version, found)
        return found

    def render(self, context) -> str:
        cache_key = self.key(context)
        if cache_key is None:  # not kept: drawn for this reader, with what was drawn alike for kept parts written in
            return _with_token(self.nodelist.render(context), context)

        def draw() -> str:
            with context.push(request=None, user=None, csrf_token=TOKEN_PLACEHOLDER, **{_DRAWING_KEPT: True}):
                return self.nodelist.render(context)

        found = _found_together(context)
        html = found.get(cache_key)
        if html is None:  # looked for with the others and not found: drawn at once, else looked for now
            html = (fragments.drawn_and_kept(cache_key, draw) if cache_key in found.looked_for
                    else fragments.shared_at(cache_key, draw))
        return _with_token(html, context)


def _with_token(html: str, context) -> str:
    return with_tokens(html, str(context.get("csrf_token", "")))


def with_tokens(html: str, csrf_token: str) -> str:
    """Kept `html` as one reading sends it: the reader's CSRF token where it was drawn with a placeholder, and a new
    token for each form drawn with one (`FORM_TOKEN_PLACEHOLDER`, `{% form_token %}`)."""
    if TOKEN_PLACEHOLDER in html:
        html = html.replace(TOKEN_PLACEHOLDER, csrf_token)
    if FORM_TOKEN_PLACEHOLDER in html:
        html = _FORM_TOKENS.sub(lambda found: str(uuid.uuid4()), html)
    return html


@register.simple_tag(takes_context=True)
def form_token(context, form) -> str:
    """The value of `form`'s `token` field (what it sent, or its fresh token); in a kept part, a placeholder that
    each reading replaces with a token of its own (see the module)."""
    if context.get(_DRAWING_KEPT):
        return FORM_TOKEN_PLACEHOLDER
    value = form["token"].value()
    return "" if value is None else str(value)


def _found_together(context) -> _Found:
    """The kept parts of the template being rendered, read in one cache round trip when its first part is drawn:
    every part whose version the context can tell already, and those it names ahead (`SHARED_AHEAD`: parts drawn in
    a loop); any other (from a variable set later) is read when it comes. A page of several parts pays one round
    trip, not one each."""
    found = getattr(context, "_shared_parts_found", None)
    if found is None:
        keys = {key for node in _shared_nodes(context.template) if (key := node.key(context)) is not None}
        keys.update(fragments.key(name, version) for name, version in context.get(SHARED_AHEAD) or ()
                    if version is not None and all(part is not None for part in version))
        found = context._shared_parts_found = _Found(fragments.read_many(keys), looked_for=keys)
    return found


class _Found(dict):
    """The kept parts found, by key, and every key looked for (a part looked for and not found is drawn without
    looking for it again)."""

    def __init__(self, found: dict[str, str], *, looked_for: set[str]):
        super().__init__(found)
        self.looked_for = looked_for


@register.tag
def shared(parser: Parser, token: Token) -> SharedNode:
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError(f"{bits[0]} takes a name and at least one version part")
    nodelist = parser.parse(("endshared",))
    parser.delete_first_token()
    return SharedNode(parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]], nodelist)


def _shared_nodes(template) -> list[SharedNode]:
    """The template's `{% shared %}` parts, found once per compiled template (walking its whole tree at every
    reading cost the charter page a millisecond)."""
    found = template.__dict__.get("_shared_nodes")
    if found is None:
        found = template._shared_nodes = template.nodelist.get_nodes_by_type(SharedNode)
    return found
