"""The live endpoint every participant's page polls every two seconds: 204 when nothing changed, else what did."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from reviews.retro import live, services
from tests.reviews.retro_factories import charter_in_force, open_cycle, prompt_of, session, url

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def retro(team, leader, member, facilitator):
    open_cycle(team, charter_in_force(team))
    return session(team, facilitator, phase="collect")


def test_nothing_new_is_an_empty_204(login, member, retro):
    response = login(member).get(url("retro_live", retro.pk, query=f"v={retro.version}"), **HTMX)

    assert response.status_code == 204 and response.content == b""


def test_a_new_card_comes_with_the_board_and_its_new_version(login, member, facilitator, retro, team):
    services.add_card(retrospective_id=retro.pk, team=team, author=facilitator, prompt_id=prompt_of(retro).pk,
                      text="Pairing on deploys", token=uuid.uuid4())

    response = login(member).get(url("retro_live", retro.pk, query=f"v={retro.version}"), **HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith('<div id="board"')
    assert "Pairing on deploys" in body
    assert f'?v={retro.version + 1}&amp;b=' in body


def test_a_phase_change_reaches_everyone(login, member, facilitator, retro, team):
    services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="collect")

    body = login(member).get(url("retro_live", retro.pk, query=f"v={retro.version}"), **HTMX).content.decode()

    assert '<h2 id="phase-title">Group</h2>' in body


def test_a_closed_session_stops_polling(login, member, facilitator, team, retro):
    for _ in range(5):  # collect → group → vote → discuss → actions → closed
        retro = services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator,
                                       expected_phase=retro.phase)
    body = login(member).get(url("retro_live", retro.pk, query="v=0"), **HTMX).content.decode()

    assert "This retrospective is closed" in body and "hx-trigger" not in body


def test_without_htmx_it_sends_people_to_the_page(login, member, retro):
    response = login(member).get(url("retro_live", retro.pk, query="v=0"))

    assert response.status_code == 302 and response["Location"] == retro.get_absolute_url()


def test_someone_outside_the_team_finds_nothing(login, outsider, retro):
    response = login(outsider).get(url("retro_live", retro.pk, query=f"v={retro.version}"), **HTMX)

    assert response.status_code == 404


def poll_of(body: str) -> str:
    """The poller's query in a board: the version it shows, the digests of its skeleton and regions, and when it
    was drawn."""
    found = re.search(r'id="board-poll"[^>]*hx-get="[^"?]*\?(v=\d+)&amp;(b=[0-9a-f.]+)&amp;(s=\d+)"', body)
    assert found, "no poller on the board"
    return "&".join(found.groups())


def swapped(body: str) -> list[str]:
    """The ids of the elements an answer swaps out of band."""
    return re.findall(r'<[a-z]+ hx-swap-oob="true"[^>]*?\sid="([^"]+)"', body)


def test_a_new_card_sends_only_the_cards_of_its_prompt_and_the_counts(login, member, facilitator, retro, team):
    client = login(member)
    shown = client.get(retro.get_absolute_url()).content.decode()  # the page, as a browser opens it
    keep = prompt_of(retro, "keep")
    services.add_card(retrospective_id=retro.pk, team=team, author=facilitator, prompt_id=keep.pk,
                      text="Pairing on deploys", token=uuid.uuid4())

    response = client.get(url("retro_live", retro.pk, query=poll_of(shown)), **HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and response["HX-Reswap"] == "none"  # nothing but the regions below
    assert swapped(body) == ["phase", f"prompt-{keep.pk}-cards", "board-poll"]
    assert "Pairing on deploys" in body and "1 card so far" in body
    assert 'id="board"' not in body and "<textarea" not in body  # what people type in is left alone
    assert f"?v={retro.version + 1}&amp;b=" in body


def test_the_answer_to_the_answer_is_nothing_new(login, member, facilitator, retro, team):
    client = login(member)
    services.add_card(retrospective_id=retro.pk, team=team, author=facilitator, prompt_id=prompt_of(retro).pk,
                      text="Pairing on deploys", token=uuid.uuid4())
    answer = client.get(url("retro_live", retro.pk, query=f"v={retro.version}"), **HTMX).content.decode()

    again = client.get(url("retro_live", retro.pk, query=poll_of(answer)), **HTMX)

    assert again.status_code == 204


def test_a_new_phase_sends_the_whole_board(login, member, facilitator, retro, team):
    client = login(member)
    shown = client.get(retro.get_absolute_url(), **HTMX).content.decode()
    services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="collect")

    response = client.get(url("retro_live", retro.pk, query=poll_of(shown)), **HTMX)

    body = response.content.decode()
    assert "HX-Reswap" not in response and body.lstrip().startswith('<div id="board"')
    assert '<h2 id="phase-title">Group</h2>' in body and swapped(body) == []


def test_digests_made_up_by_the_page_get_the_whole_board(login, member, retro):
    response = login(member).get(url("retro_live", retro.pk, query="v=0&b=00000000.11111111"), **HTMX)

    assert response.content.decode().lstrip().startswith('<div id="board"')


@pytest.mark.parametrize("version", ["current", "old"])
def test_an_outsider_or_someone_signed_out_learns_nothing(login, outsider, stranger, retro, version):
    from django.test import Client

    query = f"v={retro.version if version == 'current' else 0}"

    for person in (outsider, stranger):
        response = login(person).get(url("retro_live", retro.pk, query=query), **HTMX)
        assert response.status_code == 404
    signed_out = Client().get(url("retro_live", retro.pk, query=query), **HTMX)
    assert signed_out.status_code == 302 and signed_out["Location"].startswith("/accounts/login/")
    assert login(outsider).get(url("retro_live", 987654, query=query), **HTMX).status_code == 404


# What the board shows from outside the session moves no version: a board drawn long enough ago is drawn again.

def test_a_facilitator_renamed_reaches_an_open_board_once_it_is_due_to_be_drawn_again(login, member, facilitator,
                                                                                   retro, frozen):
    frozen(drawn := timezone.now())
    client = login(member)
    shown = client.get(retro.get_absolute_url()).content.decode()
    facilitator.display_name = "Priya N. Natarajan"
    facilitator.save()

    # Drawn moments ago: its version is the session's, so nothing new, in one query.
    assert client.get(url("retro_live", retro.pk, query=poll_of(shown)), **HTMX).status_code == 204

    frozen(drawn + timedelta(seconds=live.RECHECK_SECONDS))
    response = client.get(url("retro_live", retro.pk, query=poll_of(shown)), **HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    assert swapped(body) == ["board-facts", "board-poll"] and "Facilitated by Priya N. Natarajan." in body
    assert client.get(url("retro_live", retro.pk, query=poll_of(body)), **HTMX).status_code == 204


def test_a_board_due_again_and_unchanged_gets_its_poller_alone_with_the_time(login, member, retro, frozen):
    frozen(drawn := timezone.now())
    client = login(member)
    shown = client.get(retro.get_absolute_url()).content.decode()
    frozen(drawn + timedelta(seconds=live.RECHECK_SECONDS + 5))

    response = client.get(url("retro_live", retro.pk, query=poll_of(shown)), **HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and swapped(body) == ["board-poll"]
    assert poll_of(body) == poll_of(shown).rsplit("=", 1)[0] + f"={int(timezone.now().timestamp())}"
    assert client.get(url("retro_live", retro.pk, query=poll_of(body)), **HTMX).status_code == 204
