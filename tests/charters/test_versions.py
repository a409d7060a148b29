"""A charter version as Markdown, and the section-by-section comparison of two versions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from charters import services
from charters.models import Boundary, Charter, KeyResult, NonNegotiable, Section
from charters.selectors import load_content
from charters.versions import charter_markdown, compare, compare_texts, section_markdown
from tests.charters.factories import BOUNDARIES, PURPOSE, complete_charter, ratified_charter


def content(charter: Charter):
    charter = Charter.objects.select_related("team").get(pk=charter.pk)
    return load_content(charter)


def diff_of(old: Charter, new: Charter) -> dict[str, object]:
    return {d.section.value: d for d in compare(content(old), content(new))}


# Markdown export --------------------------------------------------------------------------------


def test_markdown_has_a_title_and_every_section_heading_in_order(team, leader):
    charter = complete_charter(team, leader)

    text = charter_markdown(content(charter))

    assert text.startswith("# Platform — team charter, version 1\n\n*Draft*\n")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == [
        "## Purpose",
        "## People",
        "## Process",
        "## Non-negotiables",
        "## Boundaries",
        "## Goals",
    ]
    assert text.endswith("\n") and not text.endswith("\n\n")


def test_markdown_contains_every_part_and_item(team, leader):
    charter = complete_charter(team, leader, non_negotiables=2, goals=2)
    KeyResult.objects.filter(goal__charter=charter, metric="Metric 2").update(
        start_value=Decimal("1.50"), target_value=Decimal("3.25"), unit="days"
    )

    text = charter_markdown(content(charter))

    assert f"**{PURPOSE['purpose_statement']}**" in text
    assert f"- *Who it serves:* {PURPOSE['purpose_serves']}" in text
    assert f"- *The outcome it exists to create:* {PURPOSE['purpose_outcome']}" in text
    assert f"- *What it refuses to trade away:* {PURPOSE['purpose_refuses']}" in text
    assert "- We say what we see." in text and "- Weekly check-in on Fridays." in text
    for n in (1, 2):
        assert f"{n}. **Non-negotiable {n}**" in text
        assert f"   - Meeting it looks like: Standard {n} is met when anyone can see it." in text
        assert f"   - Why it matters: Reason {n}." in text
    assert "- **Data protection rules** — *fixed* (set by The team)" in text
    assert "- **Clinician-facing workflows** — *consult* (set by The team)" in text
    assert "- **Choice of libraries** — *team decides* (set by The team)" in text
    for _area, _label, guardrails in BOUNDARIES:
        assert f"  - Guardrails: {guardrails}" in text
    assert "### Goal 1" in text and "### Goal 2" in text
    assert "- Advances: The outcome it exists to create" in text
    assert "- Advances: Who it serves" in text
    assert "- Tradeoff we accept: We pause roadmap work 1." in text
    assert "- Owner: Lena Leader" in text
    assert "- KR: Metric 1 — from 10 to 20 %" in text
    assert "- KR: Metric 2 — from 1.5 to 3.25 days" in text


def test_markdown_of_a_ratified_version_says_when(team, leader):
    charter = ratified_charter(team, leader)
    charter.refresh_from_db()

    text = charter_markdown(content(charter))

    assert f"*Ratified, ratified {charter.ratified_at:%d %B %Y}*" in text


def test_markdown_of_an_empty_draft_marks_what_is_missing(team, leader):
    charter = services.start_charter(team=team, actor=leader)

    sections = dict(section_markdown(content(charter)))

    assert "(no one-line purpose yet)" in sections[Section.PURPOSE]
    assert "- *Who it serves:* —" in sections[Section.PURPOSE]
    for section in (
        Section.PEOPLE,
        Section.PROCESS,
        Section.NON_NEGOTIABLES,
        Section.BOUNDARIES,
        Section.GOALS,
    ):
        assert sections[section] == "—"


def test_markdown_marks_unlabelled_boundaries_unlinked_goals_and_missing_values(team, leader):
    charter = complete_charter(team, leader)
    charter.boundaries.update(label="", set_by="")
    charter.goals.update(purpose_part="", tradeoff="", owner=None)
    KeyResult.objects.filter(goal__charter=charter).update(
        start_value=None, target_value=None, unit=""
    )
    NonNegotiable.objects.filter(charter=charter).update(standard="", why="")

    text = charter_markdown(content(charter))

    assert "- **Choice of libraries** — *unlabelled*\n" in text
    assert "- Advances: not linked to the purpose" in text
    assert "- Tradeoff we accept: —" in text
    assert "Owner:" not in text
    assert "- KR: Metric 1 — from — to —" in text
    assert "   - Meeting it looks like: —" in text
    assert "Why it matters" not in text


# Comparing versions -----------------------------------------------------------------------------


@pytest.fixture
def versions(team, leader) -> tuple[Charter, Charter]:
    """The active version 1 and an amendment (version 2) copied from it, unchanged so far."""
    old = ratified_charter(team, leader, non_negotiables=2)
    new = services.start_amendment(team=team, actor=leader)
    return old, new


def test_identical_versions_have_no_changed_section(versions):
    diff = diff_of(*versions)

    assert list(diff) == [s.value for s in Section]
    assert not any(d.changed for d in diff.values())
    assert all(d.lines == [] for d in diff.values())  # nothing to show: no line is formatted


def test_only_the_edited_section_is_marked_changed(versions):
    old, new = versions
    services.update_people(
        charter=new,
        expected_version=new.people_version,
        people="- We say what we see.\n- We pair on everything that touches patient data.",
    )

    diff = diff_of(old, new)

    assert {key for key, d in diff.items() if d.changed} == {"people"}


def test_a_changed_line_shows_removed_and_added_words(versions):
    old, new = versions
    services.update_people(
        charter=new,
        expected_version=new.people_version,
        people="- We say what we see.\n- We pair on everything that touches patient data.",
    )

    lines = diff_of(old, new)["people"].lines

    assert [line.kind for line in lines] == ["same", "changed"]
    # Formatted as a reader sees it: the list bullet apart, the words themselves marked.
    assert (lines[0].marker, lines[0].html) == ("•", "We say what we see.")
    assert (lines[1].marker, lines[1].html) == (
        "•", "We pair on <del>anything</del> <ins>everything</ins> that touches patient data."
    )


def section_diff(old: str, new: str):
    return next(diff for diff in compare_texts({"people": old}, {"people": new}) if diff.section.value == "people")


def test_a_sections_lines_are_written_as_a_list_a_screen_reader_can_follow():
    people = section_diff("## Who\n- We say what we see.\n- We pair on anything.\n\nOld line <em>kept</em> & typed",
                          "## Who we are\n- We say what we see.\n\n- We pair on everything.\n  - even on Fridays")

    # Whether a line was added or removed is said, not only shown; bullets are shown, not read out; typed markup is
    # escaped; a blank line kept still takes a line.
    assert people.html == (
        '<ul class="diff">\n'
        '<li class="diff-changed depth-0 diff-heading">Who <ins>we are</ins></li>\n'
        '<li class="diff-same depth-0"><span class="marker" aria-hidden="true">•</span> We say what we see.</li>\n'
        '<li class="diff-removed depth-0"><span class="visually-hidden">Removed: </span>'
        '<span class="marker" aria-hidden="true">•</span> <del>We pair on anything.</del></li>\n'
        '<li class="diff-same depth-0">&nbsp;</li>\n'
        '<li class="diff-removed depth-0"><span class="visually-hidden">Removed: </span>'
        "<del>Old line &lt;em&gt;kept&lt;/em&gt; &amp; typed</del></li>\n"
        '<li class="diff-added depth-0"><span class="visually-hidden">Added: </span>'
        '<span class="marker" aria-hidden="true">•</span> <ins>We pair on everything.</ins></li>\n'
        '<li class="diff-added depth-1"><span class="visually-hidden">Added: </span>'
        '<span class="marker" aria-hidden="true">•</span> <ins>even on Fridays</ins></li>\n'
        "</ul>"
    )
    # A blank line removed or added is marked as one, with nothing in it.
    assert '<li class="diff-removed depth-0"><span class="visually-hidden">Removed: </span><del></del></li>' in \
        section_diff("One\n\nTwo", "One\nTwo").html
    assert '<li class="diff-added depth-0"><span class="visually-hidden">Added: </span><ins></ins></li>' in \
        section_diff("One\nTwo", "One\n\nTwo").html


def test_an_added_non_negotiable_shows_as_added_lines(versions, leader):
    old, new = versions
    services.add_item(
        charter=new, item=NonNegotiable(charter=new, title="Keyboard first", standard="Walked through without a mouse."),
    )

    diff = diff_of(old, new)
    lines = diff["non_negotiables"].lines

    assert diff["non_negotiables"].changed
    added = [(line.marker, line.depth, line.html) for line in lines if line.kind == "added"]
    assert added == [
        ("3.", 0, "<strong>Keyboard first</strong>"),
        ("•", 1, "Meeting it looks like: Walked through without a mouse."),
    ]
    assert not [line for line in lines if line.kind == "removed"]
    assert {key for key, d in diff.items() if d.changed} == {"non_negotiables"}


def test_a_removed_boundary_shows_as_removed_lines(versions):
    old, new = versions
    services.delete_item(charter=new, item=new.boundaries.get(area="Choice of libraries"))

    lines = diff_of(old, new)["boundaries"].lines

    removed = [(line.marker, line.depth, line.html) for line in lines if line.kind == "removed"]
    assert removed == [
        ("•", 0, "<strong>Choice of libraries</strong> — <em>team decides</em> (set by The team)"),
        ("•", 1, "Guardrails: Approved licences only."),
    ]
    assert not [line for line in lines if line.kind == "added"]


def test_a_changed_key_result_target_shows_in_goals(versions):
    old, new = versions
    KeyResult.objects.filter(goal__charter=new).update(target_value=Decimal("25"))

    lines = diff_of(old, new)["goals"].lines

    [changed] = [line for line in lines if line.kind != "same"]
    assert changed.kind == "changed"
    assert "<del>20</del> <ins>25</ins>" in changed.html


def test_html_typed_into_a_charter_is_escaped_in_the_diff(versions):
    old, new = versions
    Charter.objects.filter(pk=old.pk).update(process="Plain <b>old</b> & fine")
    services.update_process(
        charter=new,
        expected_version=new.process_version,
        process="Plain <script>alert(1)</script> & fine\n<img src=x onerror=alert(1)>",
    )
    Boundary.objects.filter(charter=new, area="Choice of libraries").update(area="<i>Tools</i>")

    diff = diff_of(old, new)
    html = "".join(line.html for d in diff.values() for line in d.lines)

    assert "<script>" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&amp; fine" in html
    assert "&lt;i&gt;Tools&lt;/i&gt;" in html


def test_an_unchanged_line_with_html_is_escaped_too(versions):
    old, new = versions
    Charter.objects.filter(pk=old.pk).update(people="<script>alert(1)</script>\nBefore")
    Charter.objects.filter(pk=new.pk).update(people="<script>alert(1)</script>\nAfter")

    line = diff_of(old, new)["people"].lines[0]

    assert line.kind == "same"
    assert line.html == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_comparing_a_version_with_its_amendment_after_ratification(versions, leader):
    old, new = versions
    services.update_process(
        charter=new,
        expected_version=new.process_version,
        process="- Fortnightly check-in.",
    )
    services.propose(charter=new, actor=leader)
    services.ratify(charter=new, actor=leader, despite_gaps=True)

    diff = diff_of(old, new)

    assert {key for key, d in diff.items() if d.changed} == {"process"}
    lines = diff["process"].lines
    assert [line.html for line in lines if line.kind == "added"] == ["Fortnightly check-in."]
    assert [line.kind for line in lines] == ["removed", "removed", "added"]
