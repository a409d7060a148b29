"""A charter as Markdown, section by section: for downloads and for comparing versions."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from charters.models import Charter, PurposePart, Section
from charters.selectors import CharterContent


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
        if item.guardrails.strip():
            boundaries.append(f"  - Guardrails: {item.guardrails.strip()}")

    goals = []
    for goal in content.goals:
        goals.append(f"### {goal.objective}")
        part = goal.get_purpose_part_display() or "not linked to the purpose"
        goals.append(f"- Advances: {part}")
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


@dataclass
class DiffLine:
    kind: str  # "same", "added", "removed", "changed"
    html: SafeString


@dataclass
class SectionDiff:
    section: Section
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind != "same" for line in self.lines)


def _word_diff(old: str, new: str) -> SafeString:
    """One changed line with removed words in <del> and added words in <ins>."""
    a, b = old.split(" "), new.split(" ")
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(' '.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(' '.join(b[j1:j2]))}</ins>")
        if op == "equal":
            out.append(escape(" ".join(a[i1:i2])))
    return mark_safe(" ".join(out))  # noqa: S308 - every piece escaped above


def compare(old: CharterContent, new: CharterContent) -> list[SectionDiff]:
    """Line-by-line (and word-by-word within a changed line) diff of each section."""
    result = []
    for (section, old_text), (_, new_text) in zip(section_markdown(old), section_markdown(new), strict=True):
        a, b = old_text.splitlines(), new_text.splitlines()
        lines: list[DiffLine] = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op == "equal":
                lines += [DiffLine("same", escape(line)) for line in a[i1:i2]]
            elif op == "replace" and i2 - i1 == j2 - j1:
                lines += [DiffLine("changed", _word_diff(x, y)) for x, y in zip(a[i1:i2], b[j1:j2], strict=True)]
            else:
                lines += [DiffLine("removed", escape(line)) for line in a[i1:i2]]
                lines += [DiffLine("added", escape(line)) for line in b[j1:j2]]
        result.append(SectionDiff(section, lines))
    return result
