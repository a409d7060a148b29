"""The charter's Markdown, rendered once per version rather than on every request.

A ratified version never changes, so its rendered prose is kept in the cache under the
version's identity and stays valid for as long as the version exists. A draft or proposal
still changes, but every change of its text raises its `revision` (`charters.services`), so
its prose is kept under the revision too: an edit makes a new key. Everyone who may read a
version reads the same prose, so a cached rendering never carries one reader's private data
to another.
"""

from __future__ import annotations

from alignment import fragments
from alignment.markdown import render_markdown
from charters.content import CharterContent
from charters.models import Charter

# Bump when the rendering changes (allowed tags, extensions): old renderings are then ignored.
RENDERING = 1


def cache_key(charter: Charter) -> str:
    """The version's identity: its id, team, number and the moment it was ratified (or, before that,
    when it was started and the revision of its text: a discarded draft's id may come back on SQLite)."""
    ratified = charter.ratified_at.timestamp() if charter.ratified_at else \
        f"{charter.created_at.timestamp()}r{charter.revision}"
    return f"charter-prose:{RENDERING}:{charter.pk}:{charter.team_id}:{charter.number}:{ratified}"


def attach_prose(content: CharterContent, *, found: dict[str, object] | None = None) -> None:
    """Set `people_html` and `process_html` on the charter, `why_html` on non-negotiables and
    `guardrails_html` on boundaries; from the cache when this text was rendered before (no query either way).
    `found`: what `fragments.kept_many` found when the caller looked for the prose (`cache_key`) with other values."""
    charter = content.charter
    # Kept a week from its drawing, a ratified version's too (`fragments.keep`); a draft's edits make it unread sooner.
    rendered = fragments.kept(cache_key(charter), lambda: _render(content), found=found)
    charter.people_html, charter.process_html = rendered["people"], rendered["process"]
    for item in content.non_negotiables:
        item.why_html = rendered["why"].get(item.pk, "")
    for item in content.boundaries:
        item.guardrails_html = rendered["guardrails"].get(item.pk, "")


def _render(content: CharterContent) -> dict:
    charter = content.charter
    return {
        "people": render_markdown(charter.people),
        "process": render_markdown(charter.process),
        "why": {item.pk: render_markdown(item.why) for item in content.non_negotiables},
        "guardrails": {item.pk: render_markdown(item.guardrails) for item in content.boundaries},
    }
