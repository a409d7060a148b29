"""Markdown typed by people renders as formatting, never as script, in the renderer and on pages."""

from __future__ import annotations

import random
import re

import pytest
from django.urls import reverse

from alignment.markdown import _parsed, _plain, render_markdown
from charters import services
from charters.models import Boundary, Charter, NonNegotiable
from tests.charters.factories import complete_charter

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="javascript:alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<p onclick="alert(1)">click</p>',
]


def assert_harmless(html: str) -> None:
    lowered = html.lower()
    assert "<script>alert" not in lowered
    assert "onerror=" not in lowered
    # Any event handler carrying the payload (the print page has its own onclick="window.print()").
    assert not re.search(r"\son[a-z]+\s*=\s*[\"']?alert", lowered)
    assert 'href="javascript:' not in lowered
    assert 'href="data:' not in lowered


# The renderer -----------------------------------------------------------------------------------


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Before <script>alert(1)</script> after")

    assert "<script" not in html and "alert(1)" not in html
    assert "Before" in html and "after" in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_payload_survives_rendering(payload):
    assert_harmless(str(render_markdown(f"Some text.\n\n{payload}\n\nMore text.")))


def test_event_handlers_are_stripped():
    html = render_markdown(
        '<img src=x onerror=alert(1)> <a href="https://example.com" onmouseover="x()">a</a>'
    )

    assert "onerror" not in html and "onmouseover" not in html
    assert "<img" not in html


@pytest.mark.parametrize("scheme", ["javascript", "JAVASCRIPT", "JavaScript", "data", "vbscript"])
def test_links_with_unsafe_schemes_lose_their_href(scheme):
    html = render_markdown(f"[click me]({scheme}:alert(1))")

    assert "click me" in html
    assert "href" not in html
    assert f"{scheme}:".lower() not in html.lower()


def test_an_entity_encoded_javascript_link_loses_its_href():
    html = render_markdown(
        "[x](jav&#x09;ascript:alert(1)) <a href='&#106;avascript:alert(1)'>y</a>"
    )

    assert "href" not in html


def test_safe_markup_is_kept():
    html = render_markdown(
        "**Bold** and *gentle* with [our site](https://example.com/a?b=1).\n\n- one\n- two"
    )

    assert "<strong>Bold</strong>" in html
    assert "<em>gentle</em>" in html
    assert (
        '<a href="https://example.com/a?b=1" rel="noopener noreferrer nofollow">our site</a>'
        in html
    )
    assert "<ul>" in html and "<li>one</li>" in html


def test_mailto_and_http_links_are_kept():
    html = render_markdown("[mail](mailto:team@example.com) [plain](http://example.com)")

    assert 'href="mailto:team@example.com"' in html
    assert 'href="http://example.com"' in html


def test_code_shows_html_as_text():
    html = render_markdown("Use `<script>` sparingly.")

    assert "<code>&lt;script&gt;</code>" in html


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""


# Pieces of text typed people put together: words and punctuation that mark nothing, and what Markdown reads.
WORDS = ["We", "pair", "é", "Zoë", "it's", "naïve"]
PLAIN_PIECES = [*WORDS, "3", "a.m.", "10:00", "it's", '"quote"', "“so”", "(a)", "—", "–", "-", "%",
                "/", "?", "!", ";", ",", "e.g.", "x--y", "1.", "2)"]
MARKUP_PIECES = ["*", "**", "_", "`", "#", ">", "<b>", "&", "&amp;", "[a](b)", "|", "\\", "=", "+", "    ", "\t"]


def typed(rng: random.Random, pieces: list[str]) -> str:
    """A text of paragraphs and lists, each line a few pieces, most lines starting with a word."""
    def line() -> str:
        words = " ".join([rng.choice(WORDS if rng.random() < 0.8 else pieces),
                          *(rng.choice(pieces) for _ in range(rng.randint(0, 5)))])
        return (rng.choice(["", "", "", "- ", "- ", "-  ", "1. ", " ", "* "]) + words
                + rng.choice(["", "", "", "", " ", "  "]))
    return rng.choice(["", "\n"]).join(
        "\n".join(line() for _ in range(rng.randint(1, 3))) + "\n" for _ in range(rng.randint(1, 4)))


def test_prose_without_markup_is_written_as_the_parser_writes_it():
    """Paragraphs and one-line-an-item lists of plain words skip the parser (`_plain`); every text it takes comes out
    as the parser's, and it leaves every text holding markup to the parser."""
    rng = random.Random(19)
    taken = 0
    for _ in range(6000):
        text = typed(rng, PLAIN_PIECES)
        plain = _plain(text)
        if plain is not None:
            taken += 1
            assert plain == _parsed(text), text
        assert render_markdown(text) == _parsed(text), text
    assert taken > 200  # the test reached the texts it is about
    for _ in range(1000):
        text = typed(rng, PLAIN_PIECES + MARKUP_PIECES)
        assert render_markdown(text) == _parsed(text), text


@pytest.mark.parametrize("text", ["Say so early.", "One line\nand the next.\n\nA second paragraph.",
                                  "- We pair.\n- We review within a day.", "Before:\n\n- one\n- two\n\nAfter."])
def test_a_charters_plain_prose_skips_the_parser(text):
    assert _plain(text) == _parsed(text)


@pytest.mark.parametrize("text", ["- one\n\n- two", "Line with a break  \nhere", "1. first", "Para\n- not a list",
                                  "    code", "# Heading", "Under\n---", "a & b", "x < y", "*so*"])
def test_text_markdown_reads_otherwise_goes_to_the_parser(text):
    assert _plain(text) is None


# The pages --------------------------------------------------------------------------------------


def hostile(marker: str) -> str:
    """Markdown with a visible marker (to prove the field is shown) and every payload."""
    return f"{marker}\n\n" + "\n\n".join(PAYLOADS)


@pytest.fixture
def hostile_charter(team, leader) -> Charter:
    """A charter whose every Markdown field carries the payloads."""
    charter = complete_charter(team, leader)
    services.update_people(charter=charter, expected_version=1, people=hostile("People marker"))
    services.update_process(charter=charter, expected_version=1, process=hostile("Process marker"))
    NonNegotiable.objects.filter(charter=charter).update(why=hostile("Why marker"))
    Boundary.objects.filter(charter=charter).update(guardrails=hostile("Guardrails marker"))
    return charter


MARKERS = ["People marker", "Process marker", "Why marker", "Guardrails marker"]


def page(client, name: str, team, *args) -> str:
    response = client.get(
        reverse(f"charters:{name}", args=[team.organisation.slug, team.slug, *args])
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_draft_charter_page_shows_markdown_fields_without_their_payloads(
    hostile_charter, team, leader, login
):
    html = page(login(leader), "detail", team)

    for marker in MARKERS:
        assert marker in html
    assert_harmless(html)


def test_the_ratified_charter_page_is_safe_for_the_whole_organisation(
    hostile_charter, team, leader, outsider, login
):
    services.propose(charter=hostile_charter, actor=leader)
    services.ratify(charter=hostile_charter, actor=leader, despite_gaps=True)

    for reader in (leader, outsider):
        client = login(reader)
        for html in (
            page(client, "detail", team),
            page(client, "version", team, 1),
            page(client, "print", team, 1),
        ):
            for marker in MARKERS:
                assert marker in html
            assert_harmless(html)


def test_plain_text_fields_are_escaped_on_the_charter_page(team, leader, member, login):
    payload = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    charter = complete_charter(team, leader)
    services.update_purpose(
        charter=charter,
        expected_version=1,
        purpose_statement=f"Purpose {payload}",
        purpose_serves=payload,
        purpose_outcome=payload,
        purpose_refuses=payload,
    )
    NonNegotiable.objects.filter(charter=charter).update(title=f"Title {payload}", standard=payload)
    Boundary.objects.filter(charter=charter).update(area=f"Area {payload}", set_by=payload)
    charter.goals.update(objective=f"Goal {payload}", tradeoff=payload)
    services.propose(charter=charter, actor=leader)
    services.add_comment(
        charter=charter, section="people", author=member, body=f"Comment {payload}"
    )
    services.respond(charter=charter, member=member, kind="objection", reason=f"Reason {payload}")

    html = page(login(leader), "detail", team)

    assert "Purpose &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html.lower()
    assert "<img src=x onerror" not in html.lower()
