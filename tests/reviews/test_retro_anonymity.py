"""Anonymous cards: the author is stored, for the author only, and never shown to anyone else.

Max writes cards in an anonymous session; Kwame, another member, opens every URL of the session in
every phase, as a page, as htmx, as the summary and its downloads. Nowhere in a card's markup is
Max's name, email or id; no edit link is his to see; cards come in the order of their random keys,
not the order they were written; and the admin lists them without their author.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from reviews.models import RetroCard
from tests.reviews.retro_factories import charter_in_force, open_cycle, session, set_phase, theme, url, write_card

pytestmark = pytest.mark.django_db

PHASES = ["collect", "group", "vote", "discuss", "actions", "closed"]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima"]
CARD = re.compile(r'<li class="retro-card[^"]*"[^>]*>.*?</li>', re.DOTALL)


@pytest.fixture
def anonymous_session(team, leader, member, facilitator, kwame):
    cycle = open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, anonymous=True)
    cards = [write_card(retro, member if n % 2 else kwame, f"Card {word}") for n, word in enumerate(WORDS)]
    theme(retro, "Deploys", *cards[:4])
    return retro, cycle


def _in_phase(retro, phase: str) -> None:
    """Put the session in `phase`; from the vote on, every card is in a theme (as entering the vote makes it)."""
    set_phase(retro, phase)
    if phase not in ("collect", "group"):
        theme(retro, "Everything else", *RetroCard.objects.filter(retrospective=retro, theme__isnull=True))


def _pages(retro) -> list[tuple[str, dict]]:
    """The session's pages as a participant opens them: plainly, as htmx, and as the live poll's answer."""
    htmx = {"HTTP_HX_REQUEST": "true"}
    return [(retro.get_absolute_url(), {}), (retro.get_absolute_url(), htmx),
            (url("retro_live", retro.pk, query="v=0"), htmx)]


def _without_names_of_rows(markup: str, keys: list[str]) -> str:
    """Card markup with what legitimately carries numbers taken out: card keys, CSRF tokens, theme menus."""
    markup = re.sub(r"<select.*?</select>", "", markup, flags=re.DOTALL)
    markup = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", markup)
    for key in keys:
        markup = markup.replace(key, "")
    return markup


def _assert_no_trace_of(author, markup: str, keys: list[str]) -> None:
    assert author.name not in markup
    assert author.email not in markup
    assert re.search(rf"\b{author.pk}\b", _without_names_of_rows(markup, keys)) is None


@pytest.mark.parametrize("phase", PHASES)
def test_another_participant_sees_no_trace_of_the_author(login, anonymous_session, member, kwame, phase):
    retro, _ = anonymous_session
    _in_phase(retro, phase)
    keys = list(RetroCard.objects.values_list("key", flat=True))
    client = login(kwame)

    for target, headers in _pages(retro):
        response = client.get(target, **headers)
        assert response.status_code == 200, target
        body = response.content.decode()
        cards = CARD.findall(body)
        assert len(cards) >= 12, target
        for card in cards:
            _assert_no_trace_of(member, card, keys)
            if "/edit/" in card:
                assert "Yours" in card  # Kwame's own card, in collect
        # The session page names nobody but its reader and the facilitator, in any phase.
        assert member.name not in body and member.email not in body
    assert client.get(url("retro_summary", retro.pk)).status_code == 200


def test_the_summary_and_downloads_carry_no_author_for_any_card(login, anonymous_session, member, kwame):
    retro, _ = anonymous_session
    _in_phase(retro, "closed")
    keys = list(RetroCard.objects.values_list("key", flat=True))
    client = login(kwame)

    summary = client.get(url("retro_summary", retro.pk)).content.decode()
    for card in CARD.findall(summary):
        _assert_no_trace_of(member, card, keys)
    assert "how many each person wrote is not shown" in summary

    markdown = client.get(url("retro_export_markdown", retro.pk)).content.decode()
    card_lines = [line for line in markdown.splitlines() if line.startswith("- Card ")]
    assert len(card_lines) == 12 and not any(member.name in line for line in card_lines)

    rows = list(csv.reader(io.StringIO(client.get(url("retro_export_csv", retro.pk)).content.decode())))
    card_rows = [row for row in rows if row[0] == "card"]
    assert len(card_rows) == 12 and {row[3] for row in card_rows} == {""}
    participation = [row for row in rows if row[0] == "participation"]
    assert all("cards" not in row[5] for row in participation)


def test_only_the_author_sees_their_cards_as_theirs_with_edit_links(login, anonymous_session, member, kwame):
    retro, _ = anonymous_session
    set_phase(retro, "collect")
    mine = RetroCard.objects.filter(author=member)

    body = login(member).get(retro.get_absolute_url()).content.decode()

    for card in mine:
        assert f"/cards/{card.key}/edit/" in body
    assert body.count(">Yours</span>") == mine.count()
    others = login(kwame).get(retro.get_absolute_url()).content.decode()
    assert not any(f"/cards/{card.key}/" in others for card in mine)
    assert login(kwame).get(url("retro_card_edit", retro.pk, mine.first().key)).status_code == 404


def test_cards_are_listed_by_their_random_key_not_by_when_they_were_written(login, anonymous_session, kwame):
    retro, _ = anonymous_session
    set_phase(retro, "collect")

    body = login(kwame).get(retro.get_absolute_url()).content.decode()

    shown = re.findall(r'<li class="retro-card[^"]*" data-card="([^"]+)"', body)
    written = list(RetroCard.objects.order_by("pk").values_list("key", flat=True))
    assert shown == sorted(written) != written  # all under "keep", in key order
    assert "created" not in body and "<time" not in body


def test_the_admin_lists_anonymous_cards_without_their_author(client, anonymous_session, member,
                                                              django_user_model):
    retro, _ = anonymous_session
    card = RetroCard.objects.filter(author=member).first()
    client.force_login(django_user_model.objects.create_superuser("admin@example.com", "pw"))

    listing = client.get(reverse("admin:reviews_retrocard_changelist")).content.decode()
    change = client.get(reverse("admin:reviews_retrocard_change", args=[card.pk])).content.decode()

    for page in (listing, change):
        assert member.name not in page and member.email not in page
        assert card.text in page


def test_a_named_session_shows_who_wrote_each_card(login, team, leader, member, facilitator, kwame):
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="collect")
    write_card(retro, member, "Pairing on deploys")

    body = login(kwame).get(retro.get_absolute_url()).content.decode()

    assert any(member.name in card for card in CARD.findall(body))
