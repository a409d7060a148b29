"""The retrospective's CSV download opens in a spreadsheet as text: no cell can start a formula.

Every cell goes through one function, `safe_cell` (OWASP "CSV Injection"): text starting with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`. Whatever people typed (cards,
notes, prompts, themes, actions, their own names) is covered, not only the cards.
"""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from reviews.models import RetroAction, RetroNote, RetroPrompt
from reviews.retro.views import safe_cell
from tests.reviews.retro_factories import CYCLE_END, charter_in_force, open_cycle, session, theme, url, write_card

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\tplain", "\r\n=1"])
def test_text_that_could_start_a_formula_is_kept_as_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Calmer releases", "", " =1+1 starts with a space", "1-1", "a\t=b", 3, -2, None])
def test_anything_else_is_left_as_it_is(value):
    assert safe_cell(value) == value


@pytest.fixture
def typed_by_people(team, leader, member, facilitator):
    """A closed session in which every field people type starts like a formula."""
    open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="closed")
    RetroPrompt.objects.filter(retrospective=retro, kind="keep").update(text="+What should we keep?")
    cards = [write_card(retro, member, "\t=HYPERLINK(\"http://evil\")"), write_card(retro, member, "\r=cmd|' /C calc'!A0")]
    made = theme(retro, "=Deploys", *cards)
    RetroNote.objects.create(retrospective=retro, theme=made, author=facilitator, text="-2+3", token=uuid.uuid4())
    RetroAction.objects.create(retrospective=retro, theme=made, kind="commitment", title="@checklist", owner=member,
                               due_on=CYCLE_END, standard="\tused twice", token=uuid.uuid4())
    member.display_name = "=Max"
    member.save(update_fields=["display_name"])
    return retro


def test_every_cell_people_typed_opens_as_text(login, typed_by_people, member):
    response = login(member).get(url("retro_export_csv", typed_by_people.pk))

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    cells = [cell for row in rows for cell in row]
    assert "'\t=HYPERLINK(\"http://evil\")" in cells
    assert "'\r=cmd|' /C calc'!A0" in cells
    for typed in ("+What should we keep?", "=Deploys", "-2+3", "@checklist", "\tused twice", "=Max"):
        assert "'" + typed in cells, typed
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
