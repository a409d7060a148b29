"""Reading a notification's plain-text body as sections, for an e-mail's HTML part.

A body written as paragraphs separated by blank lines, where a paragraph whose first line is followed by
lines starting "- " is a heading with its list, lays out in HTML as headings and lists (`sections`); the
text part shows the same words as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import template

register = template.Library()

ITEM = "- "


@dataclass
class Section:
    heading: str = ""
    paragraphs: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


@register.filter
def sections(body: str) -> list[Section]:
    """The body's blocks: a heading with its list items, or a paragraph (each line of it kept)."""
    found = []
    for block in (body or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line.rstrip() for line in block.strip("\n").split("\n") if line.strip()]
        if not lines:
            continue
        if len(lines) > 1 and all(line.startswith(ITEM) for line in lines[1:]) and not lines[0].startswith(ITEM):
            found.append(Section(heading=lines[0], items=[line[len(ITEM):] for line in lines[1:]]))
        elif all(line.startswith(ITEM) for line in lines):
            found.append(Section(items=[line[len(ITEM):] for line in lines]))
        else:
            found.append(Section(paragraphs=lines))
    return found
