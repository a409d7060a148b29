"""Markdown typed by people, rendered to HTML that cannot run scripts.

Building a Markdown parser loads its extensions and compiles their patterns: the renderer is
built once per thread (a parser keeps state while it converts, so threads do not share one)
and reset between texts.
"""

from __future__ import annotations

import re
import threading

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "del", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
# Only these link schemes survive: no javascript:, data: or vbscript: URLs.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


_local = threading.local()


def _parser() -> markdown_lib.Markdown:
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = markdown_lib.Markdown(extensions=["sane_lists", "tables"], output_format="html")
    return parser


# A line of prose Markdown reads as nothing but its words: it starts with a letter (no list, heading, quote or code
# block), holds letters, digits, spaces and punctuation that mark nothing, and does not end in a space (a line break).
_PLAIN = re.compile(r"[^\W\d_](?:[^\W_]|[ ,.;:'\"?!()%/’‘“”—–-])*(?<! )")
_ITEM = "- "


def render_markdown(text: str) -> SafeString:
    if not text:
        return mark_safe("")
    plain = _plain(text)
    if plain is not None:
        return mark_safe(plain)  # noqa: S308 - no character of it is markup (`_PLAIN`)
    return _parsed(text)


def _parsed(text: str) -> SafeString:
    html = _parser().reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 above


def _plain(text: str) -> str | None:
    """`text` as the renderer writes it when it holds no markup but paragraphs and lists of one line an item:
    the words as typed, each paragraph in `<p>` and each list in `<ul>`; None for any other text, which the parser
    reads. Most of a charter's prose is so (a non-negotiable's why, a boundary's guardrails, a list of behaviours),
    and the parser costs about 0.1 ms a text. `tests/charters/test_markdown_safety.py` holds the two to the same
    HTML."""
    blocks, lines, was_list = [], [], False
    for line in [*text.strip("\n").split("\n"), ""]:
        if line:
            lines.append(line)
            continue
        if not lines:
            continue
        is_list = lines[0].startswith(_ITEM)
        if is_list and was_list:  # two lists a blank line apart are one list of paragraphs
            return None
        words = [line.removeprefix(_ITEM) if is_list else line for line in lines]
        if any(line.startswith(_ITEM) != is_list for line in lines) or not all(map(_PLAIN.fullmatch, words)):
            return None
        blocks.append("<ul>\n" + "".join(f"<li>{item}</li>\n" for item in words) + "</ul>" if is_list
                      else "<p>" + "\n".join(words) + "</p>")
        lines, was_list = [], is_list
    return "\n".join(blocks)
