"""A charter as Markdown, section by section: for downloads and for comparing versions."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from charters.content import CharterContent
from charters.models import Charter, PurposePart, Section


def _number(value) -> str:
    if value is None:
        return "—"
    return f"{value.normalize():f}"


def section_markdown(content: CharterContent) -> list[tuple[Section, str]]:
    """Each section of the charter as Markdown text, in reading order."""
    charter = content.charter
    purpose = [f"**{charter.purpose_statement or '(no one-line purpose yet)'}**", ""]
    for part in PurposePart:
        purpose.append(f"- *{part.label}:* {charter.purpose_part_text(part).strip() or '—'}")

    non_negotiables = []
    for n, item in enumerate(content.non_negotiables, start=1):
        non_negotiables += [f"{n}. **{item.title}**", f"   - Meeting it looks like: {item.standard.strip() or '—'}"]
        if item.why.strip():
            non_negotiables.append(f"   - Why it matters: {item.why.strip()}")

    boundaries = []
    for item in content.boundaries:
        label = item.get_label_display() or "unlabelled"
        boundaries.append(f"- **{item.area}** — *{label}*" + (f" (set by {item.set_by})" if item.set_by else ""))
        if item.tag_names:
            boundaries.append(f"  - Tags: {', '.join(item.tag_names)}")
        if item.guardrails.strip():
            boundaries.append(f"  - Guardrails: {item.guardrails.strip()}")

    goals = []
    for goal in content.goals:
        goals.append(f"### {goal.objective}")
        part = goal.get_purpose_part_display() or "not linked to the purpose"
        goals.append(f"- Advances: {part}")
        if goal.contributes_to_id:
            goals.append(f"- Contributes to the organisation goal: {goal.contributes_to.objective}")
        goals.append(f"- Tradeoff we accept: {goal.tradeoff.strip() or '—'}")
        if goal.owner:
            goals.append(f"- Owner: {goal.owner.name}")
        for kr in goal.key_results_list:
            unit = f" {kr.unit}" if kr.unit else ""
            goals.append(f"- KR: {kr.metric} — from {_number(kr.start_value)} to {_number(kr.target_value)}{unit}")
        goals.append("")

    return [
        (Section.PURPOSE, "\n".join(purpose)),
        (Section.PEOPLE, charter.people.strip() or "—"),
        (Section.PROCESS, charter.process.strip() or "—"),
        (Section.NON_NEGOTIABLES, "\n".join(non_negotiables) or "—"),
        (Section.BOUNDARIES, "\n".join(boundaries) or "—"),
        (Section.GOALS, "\n".join(goals).strip() or "—"),
    ]


def charter_markdown(content: CharterContent) -> str:
    charter: Charter = content.charter
    status = charter.get_state_display()
    if charter.ratified_at:
        status += f", ratified {charter.ratified_at:%d %B %Y}"
    lines = [f"# {charter.team.name} — team charter, version {charter.number}", "", f"*{status}*", ""]
    for section, text in section_markdown(content):
        lines += [f"## {section.label}", "", text, ""]
    return "\n".join(lines).rstrip() + "\n"


# Markers for removed and added words, placed in the raw text before it is escaped and
# formatted, then turned into <del>/<ins>. Private-use characters: stripped from typed text first.
_DEL, _DEL_END, _INS, _INS_END = "\ue000", "\ue001", "\ue002", "\ue003"
_SENTINELS = re.compile("[\ue000-\ue003]")
_BLOCK = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]|\d+\.|#{1,6})\s+")
_INLINE = [
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"<em>\1</em>"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"<em>\1</em>"),
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
]


@dataclass
class DiffLine:
    """One line of a section as a reader sees it: formatted, with removed and added words marked.

    `marker` is the line's list bullet or number ("•", "3.") and `depth` its nesting, so the
    compare page shows structure without raw Markdown; `heading` marks a goal's title.
    """

    kind: str  # "same", "added", "removed", "changed"
    html: SafeString
    marker: str = ""
    depth: int = 0
    heading: bool = False

    @property
    def is_added(self) -> bool:
        return self.kind == "added"

    @property
    def is_removed(self) -> bool:
        return self.kind == "removed"

    @property
    def item(self) -> SafeString:
        """The line as an item of its section's list (`SectionDiff.html`): whether it was added or removed said to a
        screen reader, its marker, and its words struck through or underlined."""
        classes = f"diff-{self.kind} depth-{self.depth}" + (" diff-heading" if self.heading else "")
        marker = f'<span class="marker" aria-hidden="true">{escape(self.marker)}</span> ' if self.marker else ""
        said, marked = _ITEMS.get(self.kind, ("", None))
        words = marked.format(self.html) if marked else self.html or "&nbsp;"  # a blank line kept still takes a line
        return mark_safe(f'<li class="{classes}">{said}{marker}{words}</li>')  # noqa: S308


# What an added or removed line's item says before its words, and how its words are marked (`DiffLine.item`).
_ITEMS = {"added": ('<span class="visually-hidden">Added: </span>', "<ins>{}</ins>"),
          "removed": ('<span class="visually-hidden">Removed: </span>', "<del>{}</del>")}


def _line(kind: str, text: str) -> DiffLine:
    """Format one line of Markdown: its list marker apart, emphasis and code inline, all typed HTML escaped."""
    marker, depth, heading = "", 0, False
    block = _BLOCK.match(text)
    if block:
        text = text[block.end():]
        depth = min(len(block["indent"]) // 2, 3)
        raw = block["marker"]
        heading = raw.startswith("#")
        marker = "" if heading else ("•" if raw in "-*+" else raw)
    html = str(escape(text))
    for pattern, replacement in _INLINE:
        html = pattern.sub(replacement, html)
    for sentinel, tag in ((_DEL, "<del>"), (_DEL_END, "</del>"), (_INS, "<ins>"), (_INS_END, "</ins>")):
        html = html.replace(sentinel, tag)
    # Re-parse so that emphasis and a change mark that overlap still nest into valid HTML. Text with no tag and
    # nothing escaped (most lines) would come back as it went: it is not parsed.
    if "<" in html or "&" in html:
        html = nh3.clean(html, tags={"strong", "em", "code", "del", "ins"}, attributes={})
    return DiffLine(kind, mark_safe(html), marker, depth, heading)  # noqa: S308 - escaped, then sanitised


@dataclass
class SectionDiff:
    section: Section
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind != "same" for line in self.lines)

    @property
    def html(self) -> SafeString:
        """The section's lines as a list: removed lines struck through, added underlined, changed words marked.
        Written here rather than by a template looping over the lines: drawn so, they were about a tenth of the
        instructions of an amendment's first reading after a change, which draws every changed section's lines."""
        return mark_safe('<ul class="diff">\n' + "\n".join(line.item for line in self.lines) + "\n</ul>")  # noqa: S308


def _word_diff(old: str, new: str) -> str:
    """One changed line with removed and added words between markers (see `_line`)."""
    a, b = old.split(" "), new.split(" ")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            out.append(f"{_DEL}{' '.join(a[i1:i2])}{_DEL_END}")
        if op in ("insert", "replace"):
            out.append(f"{_INS}{' '.join(b[j1:j2])}{_INS_END}")
        if op == "equal":
            out.append(" ".join(a[i1:i2]))
    return " ".join(out)


def compare(old: CharterContent, new: CharterContent) -> list[SectionDiff]:
    """Line-by-line (and word-by-word within a changed line) diff of each section."""
    return compare_texts(section_texts(old), section_texts(new))


def section_texts(content: CharterContent) -> dict[str, str]:
    """Each section's Markdown by section key: what a response keeps of the text it was given to."""
    return {section.value: text for section, text in section_markdown(content)}


def compare_texts(old: dict[str, str], new: dict[str, str]) -> list[SectionDiff]:
    """`compare` of texts kept as `section_texts` made them; a section missing from one side is empty there.

    A section that did not change has no lines: every page says "no change" of it rather than showing its text, so
    its lines are not formatted (most of an amendment's sections, and about half the time of comparing)."""
    result = []
    for section in Section:
        old_text, new_text = old.get(section.value, ""), new.get(section.value, "")
        a, b = _SENTINELS.sub("", old_text).splitlines(), _SENTINELS.sub("", new_text).splitlines()
        lines: list[DiffLine] = []
        if a == b:
            result.append(SectionDiff(section, lines))
            continue
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op == "equal":
                lines += [_line("same", line) for line in a[i1:i2]]
            elif op == "replace" and i2 - i1 == j2 - j1:
                lines += [_line("changed", _word_diff(x, y)) for x, y in zip(a[i1:i2], b[j1:j2], strict=True)]
            else:
                lines += [_line("removed", line) for line in a[i1:i2]]
                lines += [_line("added", line) for line in b[j1:j2]]
        result.append(SectionDiff(section, lines))
    return result
