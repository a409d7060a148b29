"""The board as others see it is kept and shared; what is a person's own never is.

Each card but the reader's own comes drawn as everyone but its author reads it, kept per card under what
it draws (`alignment.fragments`); a grouping row is kept for everyone who may group. So whoever reads
first warms the cache for the rest: these tests read as the author first, then as someone else, and look
for the author's hidden words and name in the second reader's answers and in everything kept.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.cache import cache

from tests.reviews.retro_factories import charter_in_force, open_cycle, session, set_phase, theme, url, write_card

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
SECRET = "Our deploy checklist is theatre"


@pytest.fixture
def cycle(team, leader):
    return open_cycle(team, charter_in_force(team))


def readings(client, retro) -> list[str]:
    """The session as one person gets it: the page, the board with htmx, and the live poll's answer."""
    return [client.get(target, **headers).content.decode() for target, headers in (
        (retro.get_absolute_url(), {}), (retro.get_absolute_url(), HTMX),
        (url("retro_live", retro.pk, query="v=0"), HTMX))]


def kept() -> str:
    """Everything in the cache (the tests' own local memory), as text: the kept parts and the sessions."""
    return "".join(str(cache.get(key.split(":", 2)[-1])) for key in list(cache._cache))


def test_hidden_words_stay_the_authors_even_once_their_page_warmed_the_cache(login, cycle, team, facilitator,
                                                                             member, kwame):
    retro = session(team, facilitator, phase="collect", hide_text=True)
    write_card(retro, member, SECRET)
    write_card(retro, kwame, "Kwame wrote this one")

    mine = readings(login(member), retro)
    assert all(SECRET in body for body in mine)  # Max reads his own words

    for body in readings(login(kwame), retro):
        assert SECRET not in body
        assert "A card: its words show when collecting ends." in body
        assert "Kwame wrote this one" in body  # Kwame reads his own
    assert "its words show when collecting ends" in kept() and SECRET not in kept()
    for body in readings(login(member), retro):  # and Max, after Kwame, still reads his own words
        assert SECRET in body and "Kwame wrote this one" not in body


def test_once_collecting_ends_everyone_reads_the_words(login, cycle, team, facilitator, member, kwame):
    retro = session(team, facilitator, phase="collect", hide_text=True)
    write_card(retro, member, SECRET)
    readings(login(kwame), retro)  # kept hidden, for the version of the session that hid it

    set_phase(retro, "group")

    assert all(SECRET in body for body in readings(login(kwame), retro))


@pytest.mark.parametrize("phase", ["collect", "group", "vote", "discuss", "closed"])
def test_an_anonymous_authors_name_is_kept_nowhere(login, cycle, team, facilitator, member, kwame, phase):
    retro = session(team, facilitator, phase="collect", anonymous=True)
    cards = [write_card(retro, member, f"Card by Max {n}") for n in range(3)]
    theme(retro, "Deploys", *cards[:2])
    set_phase(retro, phase)

    readings(login(member), retro)  # Max first: his cards are "Yours" to him
    for body in readings(login(kwame), retro):
        assert "Card by Max 0" in body or phase == "collect"
        assert member.name not in body and member.email not in body
        assert "Yours" not in body
    assert "Card by Max 2" in kept()  # as Kwame reads it, kept for everyone but Max
    assert member.name not in kept() and member.email not in kept()


def test_a_named_session_shows_whose_card_it_is_to_others_and_yours_to_the_author(login, cycle, team, facilitator,
                                                                                 member, kwame):
    retro = session(team, facilitator, phase="collect")
    write_card(retro, member, "Pairing helps")
    readings(login(kwame), retro)  # Kwame first: Card by Max kept with Max's name

    body = login(member).get(retro.get_absolute_url()).content.decode()

    assert "Pairing helps" in body and '<span class="badge mine">Yours</span>' in body
    assert f'<span class="muted">{member.name}</span>' not in body


def test_the_kept_grouping_rows_carry_the_readers_own_csrf_token(login, cycle, team, facilitator, member, kwame):
    retro = session(team, facilitator, phase="collect")
    cards = [write_card(retro, member, f"Card {n}") for n in range(2)]
    theme(retro, "Deploys", *cards)
    set_phase(retro, "group")
    readings(login(member), retro)

    client = login(kwame)
    body = client.get(retro.get_absolute_url()).content.decode()

    assert "__csrf-token-of-the-reader__" not in body and body.count('class="move"') == 2
    moved = client.post(url("retro_card_move", retro.pk, cards[0].key), {"theme": "", "name": ""}, **HTMX)
    assert moved.status_code == 200


def test_a_refused_move_is_drawn_for_its_sender_alone(login, cycle, team, facilitator, member, kwame):
    retro = session(team, facilitator, phase="collect")
    card = write_card(retro, member, "Card")
    theme(retro, "Deploys", card)
    set_phase(retro, "group")

    refused = login(kwame).post(url("retro_card_move", retro.pk, card.key),
                                {"theme": "999999", "name": "Typed by Kwame"}, **HTMX)

    assert refused.status_code == 400 and 'value="Typed by Kwame"' in refused.content.decode()
    assert "Typed by Kwame" not in login(member).get(retro.get_absolute_url(), **HTMX).content.decode()
    assert "Typed by Kwame" not in kept()


def test_each_blank_card_form_is_kept_but_its_token_is_every_readings_own(login, cycle, team, facilitator, member,
                                                                         kwame):
    from alignment.templatetags.fragments import FORM_TOKEN_PLACEHOLDER, TOKEN_PLACEHOLDER

    retro = session(team, facilitator, phase="collect")
    tokens = []
    for person in (member, kwame, member):
        body = login(person).get(retro.get_absolute_url()).content.decode()
        tokens += re.findall(r'name="token" value="([^"]+)"', body)
        assert TOKEN_PLACEHOLDER not in body and FORM_TOKEN_PLACEHOLDER not in body

    assert len(tokens) >= 3 * 8 and len(set(tokens)) == len(tokens)
    assert "card-form" in kept()


def test_a_card_refused_is_drawn_as_typed_for_its_writer_alone(login, cycle, team, facilitator, member, kwame):
    retro = session(team, facilitator, phase="collect")
    keep = retro.prompts.get(kind="keep")
    long_card = "Typed by Max " + "x" * 1000

    refused = login(member).post(url("retro_card_add", retro.pk), {"prompt": keep.pk, "text": long_card,
                                                                   "token": str(uuid.uuid4())}, **HTMX)

    assert refused.status_code == 400 and "Typed by Max" in refused.content.decode()
    assert "Typed by Max" not in login(kwame).get(retro.get_absolute_url(), **HTMX).content.decode()
    assert "Typed by Max" not in kept()


def test_each_blank_note_form_is_kept_but_its_token_is_every_readings_own(login, cycle, team, facilitator, member,
                                                                         kwame):
    retro = session(team, facilitator, phase="collect")
    for n in range(3):
        theme(retro, f"Theme {n}", write_card(retro, member, f"Card {n}"))
    set_phase(retro, "discuss")
    tokens = []
    for person in (member, kwame):
        body = login(person).get(retro.get_absolute_url(), **HTMX).content.decode()
        assert body.count('class="note-form"') == 3
        tokens += re.findall(r'name="token" value="([^"]+)"', body)

    assert len(tokens) == 6 and len(set(tokens)) == 6
    assert "note-form" in kept()


def test_a_card_by_someone_who_left_the_team_is_marked_and_the_kept_card_follows(login, team, leader, facilitator,
                                                                                 kwame, cycle):
    retro = session(team, facilitator, phase="group")
    write_card(retro, kwame, "Pairing on incidents helped")
    client = login(leader)
    page = client.get(retro.get_absolute_url()).content.decode()
    assert "Kwame Mensah" in page and "former member" not in page

    kwame.memberships.get(team=team).delete()  # left the team: their card stays, under their name

    page = client.get(retro.get_absolute_url()).content.decode()
    assert "Kwame Mensah" in page and "former member" in page


def test_each_rating_reads_as_the_rating_form_draws_it_for_its_reader(login, cycle, team, facilitator, member, kwame):
    """A blank rating is written from one drawing per choice: each reads as `RatingForm` draws the reader's own."""
    from charters.models import NonNegotiable
    from reviews.retro import services
    from reviews.retro.forms import RatingForm

    retro = session(team, facilitator, phase="collect")
    asked = list(NonNegotiable.objects.filter(pk__in=retro.prompts.filter(kind="non_negotiable")
                                              .values("non_negotiable")).order_by("pk"))
    assert len(asked) >= 2
    services.rate_non_negotiables(retrospective_id=retro.pk, team=team, participant=member,
                                  ratings={asked[0].pk: "strained"})

    for person, mine in ((member, {asked[0].pk: "strained"}), (kwame, {})):
        expected = RatingForm(non_negotiables=asked, initial={f"nn_{nn.pk}": mine.get(nn.pk, "") for nn in asked})
        for body in readings(login(person), retro)[:2]:
            for nn in asked:
                assert str(expected.field_for(nn.pk)) in body
            assert len(re.findall(r'<input type="radio" name="nn_\d+"[^>]*\bchecked', body)) == len(mine)
