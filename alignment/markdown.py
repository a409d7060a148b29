"""Markdown typed by people, rendered to HTML that cannot run scripts.

Building a Markdown parser loads its extensions and compiles their patterns: the renderer is
built once per thread (a parser keeps state while it converts, so threads do not share one)
and reset between texts.
"""

from __future__ import annotations

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


def render_markdown(text: str) -> SafeString:
    if not text:
        return mark_safe("")
    html = _parser().reset().convert(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 above
