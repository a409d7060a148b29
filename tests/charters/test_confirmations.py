"""The charter's destructive buttons ask first (alignment/confirm.py): take back to draft, discard, remove an item.

Without the confirmation a leader gets the question and nothing changes; with it the action is done; a
refused person gets 403/404 and is never asked; a button the version's state refuses says why at once,
without asking a question that could only end in that refusal.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains

from alignment.confirm import CONFIRMED
from charters.models import Charter, NonNegotiable, Response
from tests.charters.conftest import charter_url
from tests.matrix import assert_no_writes

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def draft(team, write_charter) -> Charter:
    return write_charter(team)


@pytest.fixture
def proposal(team, member, write_charter) -> Charter:
    charter = write_charter(team, state=Charter.State.PROPOSED)
    Response.objects.create(charter=charter, member=member, kind="consent")
    return charter


def _state():
    return (list(Charter.objects.values_list("number", "state", "revision")),
            list(NonNegotiable.objects.values_list("pk", flat=True)))


@pytest.mark.parametrize(("fixture", "url", "question", "yes"), [
    ("proposal", lambda: charter_url("withdraw", 1), "Take version 1 back to draft?", "Yes, take it back to draft"),
    ("draft", lambda: charter_url("discard", 1), "Discard the draft of version 1?", "Yes, discard the draft"),
    ("draft", lambda: charter_url("item_action", 1, "non_negotiable", NonNegotiable.objects.first().pk, "delete"),
     "Remove “Non-negotiable 1”?", "Yes, remove it"),
], ids=["withdraw", "discard", "remove an item"])
def test_a_leader_is_asked_first_and_nothing_changes(request, login, leader, fixture, url, question, yes):
    request.getfixturevalue(fixture)
    client, before = login(leader), _state()

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url())

    assertContains(response, question)
    assertContains(response, f'<button type="submit" class="danger">{yes}</button>', html=True)
    assertContains(response, f'<a href="{charter_url("detail")}', status_code=200)
    assert_no_writes(queries)
    assert _state() == before


def test_confirmed_withdraw_takes_the_proposal_back(login, leader, proposal):
    login(leader).post(charter_url("withdraw", 1), CONFIRMED)

    assert Charter.objects.get().state == Charter.State.DRAFT


def test_confirmed_discard_deletes_the_draft(login, leader, draft):
    login(leader).post(charter_url("discard", 1), CONFIRMED)

    assert not Charter.objects.exists()


@pytest.mark.parametrize(("actor", "status"), [("member", 403), ("facilitator", 403), ("outsider", 404)])
@pytest.mark.parametrize("confirmed", [{}, CONFIRMED], ids=["asked", "confirmed"])
def test_someone_who_may_not_act_is_refused_never_asked(request, login, draft, actor, status, confirmed,
                                                        member, facilitator, outsider):
    client, before = login(request.getfixturevalue(actor)), _state()

    response = client.post(charter_url("discard", 1), confirmed)

    assert response.status_code == status
    assertNotContains(response, "Discard the draft", status_code=status)
    assert _state() == before


def test_a_button_the_state_refuses_says_why_without_asking(login, leader, team, write_charter):
    write_charter(team, state=Charter.State.RATIFIED)

    response = login(leader).post(charter_url("withdraw", 1), follow=True)

    assertNotContains(response, "Take version 1 back to draft?")
    assertContains(response, "Only a proposed charter can be taken back to draft.")


def test_an_item_removed_with_htmx_is_gone_from_the_section_the_page_had_kept(login, leader, draft):
    """Was a defect: the section came back from the shared-fragment cache under the revision before the
    removal (the view drew it from its own copy of the charter), so the item still showed until a reload."""
    client = login(leader)
    client.get(charter_url("detail"))  # the sections are drawn and kept under this revision
    item = NonNegotiable.objects.get(position=1)

    response = client.post(charter_url("item_action", 1, "non_negotiable", item.pk, "delete"), CONFIRMED, **HTMX)

    assertContains(response, '<section id="non_negotiables"')
    assertNotContains(response, "Non-negotiable 1<")
    assertContains(response, "Non-negotiable 2")


def test_each_asking_button_names_its_question_for_the_dialog(login, leader, proposal):
    response = login(leader).get(charter_url("detail"))

    assertContains(response, 'data-confirm="Take version 1 back to draft?"')
    assertContains(response, 'data-confirm="Remove “Non-negotiable 1”?"')
    assertNotContains(response, "hx-confirm")
