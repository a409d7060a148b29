"""The live board's forms: named after what they belong to, kept while people type, said where they stand.

The board is swapped every two seconds; htmx keeps what someone is typing by the fields' ids
(hx-preserve). So ids are named after the prompt, theme or card a form belongs to, and stay the same
whatever others add; the form just sent comes back without hx-preserve, so the answer replaces it
(emptied once saved). A refused form is drawn again where the board draws it, else its reason is said
above the board. And the "Retrospectives" tab is the current page wherever a session is read.
"""

from __future__ import annotations

import re
import uuid

import pytest

from reviews.models import RetroNote
from reviews.retro import services
from tests.reviews.retro_factories import charter_in_force, open_cycle, prompt_of, session, theme, url, write_card

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def retro(team, leader, member, facilitator):
    open_cycle(team, charter_in_force(team))
    return session(team, facilitator, phase="collect")


def textarea(body: str, field_id: str) -> str:
    found = re.search(rf'<textarea[^>]*id="{re.escape(field_id)}"[^>]*>[^<]*</textarea>', body)
    assert found, f"no textarea #{field_id} on the board"
    return found.group(0)


def test_card_fields_are_named_after_their_prompt_and_keep_what_is_typed(login, member, retro):
    keep = prompt_of(retro, "keep")

    body = login(member).get(retro.get_absolute_url(), **HTMX).content.decode()

    assert 'hx-preserve="true"' in textarea(body, f"card-{keep.pk}-text")
    assert "required" not in textarea(body, f"card-{keep.pk}-text")  # an empty card is refused in words


def test_the_card_just_added_comes_back_empty_and_unpreserved_the_others_kept(login, member, retro):
    keep, change = prompt_of(retro, "keep"), prompt_of(retro, "change")

    response = login(member).post(url("retro_card_add", retro.pk), {
        "prompt": keep.pk, "text": "Pairing on deploys", "token": str(uuid.uuid4())}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and "Card added." in body
    sent = textarea(body, f"card-{keep.pk}-text")
    assert "hx-preserve" not in sent and "Pairing on deploys" not in sent
    assert 'hx-preserve="true"' in textarea(body, f"card-{change.pk}-text")


def test_a_card_refused_on_the_board_keeps_its_words_in_its_own_form(login, member, retro):
    keep = prompt_of(retro, "keep")

    response = login(member).post(url("retro_card_add", retro.pk), {
        "prompt": keep.pk, "text": "   ", "token": str(uuid.uuid4())}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 400
    assert "Write something on the card first." in body
    assert 'aria-invalid="true"' in textarea(body, f"card-{keep.pk}-text")


def test_note_fields_stay_the_same_when_someone_else_adds_a_note(login, member, leader, facilitator, team, retro):
    services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="collect")
    made = theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))
    for phase in ("group", "vote"):
        services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase=phase)
    reading = login(member)
    before = reading.get(retro.get_absolute_url(), **HTMX).content.decode()

    services.add_note(retrospective_id=retro.pk, team=team, author=leader, theme_id=made.pk, text="Tuesdays",
                      token=uuid.uuid4())
    after = reading.get(retro.get_absolute_url(), **HTMX).content.decode()

    assert RetroNote.objects.count() == 1
    assert 'hx-preserve="true"' in textarea(before, f"note-{made.pk}-text")
    assert 'hx-preserve="true"' in textarea(after, f"note-{made.pk}-text")


def test_a_refused_timer_is_said_above_the_board(login, facilitator, member, team, retro):
    services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase="collect")
    theme(retro, "Deploys", write_card(retro, member, "Calmer releases"))
    for phase in ("group", "vote"):
        services.advance_phase(retrospective_id=retro.pk, team=team, actor=facilitator, expected_phase=phase)

    response = login(facilitator).post(url("retro_timer", retro.pk), {"minutes": "5", "timer": "start"}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 400
    assert '<div class="errors retro-error" role="alert"><p>Choose the theme to discuss.</p>' in body


@pytest.mark.parametrize("name", ["retrospectives", "retrospective", "retro_summary"])
def test_the_retrospectives_tab_is_current_on_the_retrospective_pages(login, member, retro, name):
    page = url(name) if name == "retrospectives" else url(name, retro.pk)

    body = login(member).get(page).content.decode()

    assert f'<a href="{url("retrospectives")}" aria-current="page">Retrospectives</a>' in body


def test_the_retrospectives_tab_is_current_while_editing_ones_card(login, member, retro):
    card = write_card(retro, member, "Pairing on deploys")

    body = login(member).get(url("retro_card_edit", retro.pk, card.key)).content.decode()

    assert f'<a href="{url("retrospectives")}" aria-current="page">Retrospectives</a>' in body
    assert 'id="card-' + card.key + '-text"' in body


def test_the_cycle_page_is_not_under_the_retrospectives_tab(login, member, retro):
    body = login(member).get(url("cycle", retro.cycle.number)).content.decode()

    assert f'<a href="{url("retrospectives")}">Retrospectives</a>' in body
