"""The overload prompt's "Renegotiate this one" keeps what the person was taking on.

An overloaded member committing to something new (or accepting a request) is first asked which open
commitment they would rather renegotiate. Following that link used to throw the new commitment away;
now it is kept for them (in their session, per team) and, once they have asked, they come back to it
as typed, with the overload question answered by the renegotiation.
"""

from __future__ import annotations

from datetime import date

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from alignment.confirm import CONFIRMED
from checkins.models import CheckIn, Commitment, Renegotiation
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db

NEW = {"title": "Alert inventory", "standard": "Every alert has an owner", "due_on": "2026-12-04", "goal": ""}
DEFER = {"kind": "defer", "reason": "On call twice this month", "proposed_due_on": "2026-12-18"}


@pytest.fixture
def overloaded(team, member, frozen):
    frozen(at(2))
    CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                           load="overloaded")


@pytest.fixture
def kept(team, member):
    """The member's open commitment, the one they renegotiate to make room."""
    return Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                                     standard="Tested", due_on=date(2026, 12, 1))


def test_renegotiating_from_the_prompt_comes_back_to_the_new_commitment_as_typed(login, member, overloaded, kept):
    client = login(member)
    client.post(url("create_commitment"), NEW)  # the prompt

    renegotiate_page = client.get(url("commitment", kept.pk), {"come_back": "1"})
    assertContains(renegotiate_page, "After you ask, you go back to your new commitment “Alert inventory”")
    assertContains(renegotiate_page, '<input type="hidden" name="come_back" value="1">', html=True)

    asked = client.post(url("renegotiate", kept.pk), DEFER | {"come_back": "1"})

    assert asked.status_code == 302 and asked["Location"] == url("commitments") + "#new-title"
    assert Renegotiation.objects.get().commitment == kept
    back = client.get(asked["Location"])
    assertContains(back, "You asked to renegotiate “Failover runbook”. Your new commitment is below")
    assertContains(back, 'value="Alert inventory"')
    assertContains(back, "Every alert has an owner</textarea>")
    assertContains(back, 'value="2026-12-04"')
    # The prompt is answered by the renegotiation: said on the form, and not asked again.
    assertContains(back, '<input type="hidden" name="overload_seen" value="1">', html=True)
    assertContains(back, "Asked to renegotiate “Failover runbook” first.</textarea>")
    assert Commitment.objects.count() == 1


def test_the_kept_commitment_is_saved_as_asked_and_then_forgotten(login, member, overloaded, kept):
    client = login(member)
    client.post(url("create_commitment"), NEW)
    client.post(url("renegotiate", kept.pk), DEFER | {"come_back": "1"})

    saved = client.post(url("create_commitment"), NEW | {
        "overload_seen": "1", "overload_note": "Asked to renegotiate “Failover runbook” first."})

    new = Commitment.objects.get(title="Alert inventory")
    assert saved.status_code == 302 and saved["Location"] == new.get_absolute_url()
    assert new.overload_acknowledged_at is not None
    assert new.overload_note == "Asked to renegotiate “Failover runbook” first."
    assertNotContains(client.get(url("commitments")), 'value="Alert inventory"')


def test_a_kept_commitment_waits_on_the_commitments_page_until_discarded(login, member, overloaded, kept):
    client = login(member)
    client.post(url("create_commitment"), NEW)

    waiting = client.get(url("commitments"))
    assertContains(waiting, "Kept for you: the commitment you were taking on, as you typed it.")
    assertContains(waiting, 'value="Alert inventory"')
    assertNotContains(waiting, 'name="overload_seen"')  # not renegotiated: committing asks again

    asked = client.post(url("create_commitment"), {"discard_kept": "1", "title": "Alert inventory"})
    assertContains(asked, "Discard the commitment you had kept?")
    assertContains(asked, '<input type="hidden" name="title" value="Alert inventory">', html=True)
    assertContains(client.get(url("commitments")), 'value="Alert inventory"')  # nothing discarded yet

    discarded = client.post(url("create_commitment"), {"discard_kept": "1", **CONFIRMED}, follow=True)

    assertContains(discarded, "The commitment you had kept is discarded.")
    assertNotContains(discarded, 'value="Alert inventory"')
    assert Commitment.objects.count() == 1


def test_renegotiating_from_the_commitment_page_itself_stays_there(login, member, overloaded, kept):
    client = login(member)
    client.post(url("create_commitment"), NEW)  # kept, but this renegotiation is not the prompt's

    asked = client.post(url("renegotiate", kept.pk), DEFER)

    assert asked["Location"] == kept.get_absolute_url()
    assertNotContains(client.get(url("commitments")), 'name="overload_seen"')


def test_a_renegotiation_refused_keeps_the_way_back(login, member, overloaded, kept):
    client = login(member)
    client.post(url("create_commitment"), NEW)

    refused = client.post(url("renegotiate", kept.pk), {"kind": "defer", "reason": "", "come_back": "1"})

    assert refused.status_code == 400
    assertContains(refused, '<input type="hidden" name="come_back" value="1">', html=True, status_code=400)


def test_accepting_a_request_after_renegotiating_from_the_prompt(login, member, leader, team, overloaded, kept):
    asked = Commitment.objects.create(team=team, owner=member, created_by=leader, title="Rota", standard="Out",
                                      due_on=MONDAY, state="requested")
    client = login(member)
    prompt = client.post(url("answer_request", asked.pk), {"answer": "accept"})
    assertContains(prompt, "After you ask to renegotiate, you come back to this request to answer it.")

    renegotiated = client.post(url("renegotiate", kept.pk), DEFER | {"come_back": "1"})

    assert renegotiated["Location"] == asked.get_absolute_url() + "#answer-title"
    request_page = client.get(asked.get_absolute_url())
    assertContains(request_page, '<input type="hidden" name="overload_seen" value="1">', html=True)
    client.post(url("answer_request", asked.pk), {"answer": "accept", "overload_seen": "1",
                                                  "overload_note": "Asked to renegotiate “Failover runbook” first."})
    asked.refresh_from_db()
    assert asked.is_open and asked.overload_note == "Asked to renegotiate “Failover runbook” first."
    assertNotContains(client.get(asked.get_absolute_url()), 'name="overload_seen"')


def test_the_kept_commitment_is_the_persons_own(login, member, facilitator, overloaded, kept):
    login(member).post(url("create_commitment"), NEW)

    assertNotContains(login(facilitator).get(url("commitments")), 'value="Alert inventory"')
