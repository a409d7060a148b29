"""The live endpoint every participant's page polls every two seconds: 204 when nothing changed, else the board."""

from __future__ import annotations

import uuid

import pytest

from reviews.retro import services
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
    assert f'?v={retro.version + 1}" hx-trigger="every 2s"' in body


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
