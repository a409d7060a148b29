"""A retrospective's destructive buttons ask first (alignment/confirm.py): remove a prompt, take back a card.

The board is htmx: an unconfirmed htmx post (the dialog bypassed) gets the question in the page's main
area; the confirmed one does it and answers with the fresh board.
"""

from __future__ import annotations

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from alignment.confirm import CONFIRMED
from reviews.models import RetroCard, RetroPrompt, Retrospective
from tests.reviews.retro_factories import charter_in_force, open_cycle, prompt_of, session, url, write_card

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def retro(team, facilitator) -> Retrospective:
    open_cycle(team, charter_in_force(team))
    return session(team, facilitator)


@pytest.fixture
def collecting(retro, facilitator) -> Retrospective:
    Retrospective.objects.filter(pk=retro.pk).update(phase=Retrospective.Phase.COLLECT)
    return retro


def test_removing_a_prompt_asks_first_and_keeps_it(login, facilitator, retro):
    prompt = prompt_of(retro)

    response = login(facilitator).post(url("retro_prompt_remove", retro.pk, prompt.pk))

    assertContains(response, f"Remove the prompt “{prompt.text}”?")
    assertContains(response, "Cards written under it are deleted with it.")
    assertContains(response, "Yes, remove the prompt")
    assert RetroPrompt.objects.filter(pk=prompt.pk).exists()


def test_a_confirmed_removal_removes_the_prompt(login, facilitator, retro):
    prompt = prompt_of(retro)

    response = login(facilitator).post(url("retro_prompt_remove", retro.pk, prompt.pk), CONFIRMED)

    assert response.status_code == 302
    assert not RetroPrompt.objects.filter(pk=prompt.pk).exists()


def test_a_member_may_not_remove_a_prompt_and_is_not_asked(login, member, retro):
    prompt = prompt_of(retro)

    response = login(member).post(url("retro_prompt_remove", retro.pk, prompt.pk))

    assert response.status_code == 403
    assertNotContains(response, "Remove the prompt", status_code=403)
    assert RetroPrompt.objects.filter(pk=prompt.pk).exists()


def test_taking_back_ones_card_asks_first_in_the_page_for_htmx(login, member, collecting):
    card = write_card(collecting, member, "Pairing on deploys")

    response = login(member).post(url("retro_card_delete", collecting.pk, card.key), **HTMX)

    assert response["HX-Retarget"] == "#main"
    assertContains(response, "Take back your card?")
    assertNotContains(response, "<html")
    assert RetroCard.objects.filter(pk=card.pk).exists()


def test_a_confirmed_htmx_take_back_answers_with_the_board(login, member, collecting):
    card = write_card(collecting, member, "Pairing on deploys")

    response = login(member).post(url("retro_card_delete", collecting.pk, card.key), CONFIRMED, **HTMX)

    assert response.status_code == 200
    assert "HX-Retarget" not in response
    assertContains(response, "Card taken back.")
    assert not RetroCard.objects.filter(pk=card.pk).exists()


def test_someone_elses_card_is_refused_in_words_never_asked(login, leader, member, collecting):
    card = write_card(collecting, member, "Pairing on deploys")

    response = login(leader).post(url("retro_card_delete", collecting.pk, card.key))

    assertNotContains(response, "Take back your card?", status_code=400)
    assertContains(response, "Only a card&#x27;s author can change it.", status_code=400)
    assert RetroCard.objects.filter(pk=card.pk).exists()
