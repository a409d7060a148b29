"""Stances hidden until the round ends (`Charter.stances_hidden`, `permissions.stance_visibility`).

While the round runs, the people who respond (members, facilitators) see how many have responded and their
own response, never who said what; the leaders see every objection and whose word is missing, and the
consents only as a count; nobody outside the team sees a proposal at all (an organisation admin in no team
included). Once the round ends (ratified, or closed on its date) the team sees everything, as always.

The cast: the member consents, the facilitator objects, Person 0 has not responded.
"""

from __future__ import annotations

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from charters import notices, services
from charters.models import Charter, Response
from notifications.models import Notification
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter

HTMX = {"HTTP_HX_REQUEST": "true"}
MEMBER, FACILITATOR = "<strong>Max Member</strong>", "<strong>Fay Facilitator</strong>"
REASON = "Carers are left out"


@pytest.fixture
def hidden(team, leader, member, facilitator, people) -> Charter:
    people(team, 1)
    charter = services.propose(charter=complete_charter(team, leader), actor=leader, stances_hidden=True)
    services.respond(charter=charter, member=member, kind=Response.Kind.CONSENT, reason="")
    services.respond(charter=charter, member=facilitator, kind=Response.Kind.OBJECTION, reason=REASON)
    return charter


def ended(charter: Charter, leader) -> Charter:
    objection = Response.objects.get(charter=charter, kind=Response.Kind.OBJECTION)
    services.answer_objection(response=objection, actor=leader, answer="kept", text="Carers are covered")
    return services.ratify(charter=charter, actor=leader, despite_gaps=True)


@pytest.mark.parametrize("who", ["member", "facilitator"])
def test_people_who_respond_see_how_many_responded_and_their_own_word_only(login, hidden, request, who):
    person = request.getfixturevalue(who)
    page = login(person).get(charter_url("detail"))

    assertContains(page, "2 of 3 have responded")
    assertContains(page, "You said: <strong>Consent</strong>" if who == "member" else
                   "You said: <strong>Objection</strong>")
    assertContains(page, "not who said what")
    assertNotContains(page, MEMBER)
    assertNotContains(page, FACILITATOR)
    assertNotContains(page, "Not yet responded")
    assertNotContains(page, "1 consented")
    if who == "member":
        assertNotContains(page, REASON)


def test_the_htmx_panel_after_responding_hides_the_others_as_well(login, hidden, member):
    response = login(member).post(charter_url("respond", 1), {"kind": "consent", "reason": "",
                                                              "revision": hidden.revision}, **HTMX)

    assertContains(response, "2 of 3 have responded")
    assertNotContains(response, FACILITATOR)
    assertNotContains(response, REASON)


def test_leaders_see_every_objection_and_who_is_missing_but_not_who_consented(login, hidden, leader):
    page = login(leader).get(charter_url("detail"))

    assertContains(page, "1 consented · 1 objected · 1 not yet responded")
    assertContains(page, FACILITATOR)
    assertContains(page, REASON)
    assertContains(page, "Not yet responded: Person 0")
    assertContains(page, "but not who consented")
    assertNotContains(page, MEMBER)


@pytest.mark.parametrize("who", ["outsider", "admin"])
def test_nobody_outside_the_team_sees_the_proposal_or_anyone_s_word(login, hidden, leader, request, who):
    client = login(request.getfixturevalue(who))

    assert client.get(charter_url("version", 1)).status_code == 404
    assertNotContains(client.get(charter_url("detail")), "Fay Facilitator")

    ended(hidden, leader)
    page = client.get(charter_url("version", 1))  # the ratified version: the organisation reads it, not the round
    assert page.status_code == 200
    assertNotContains(page, MEMBER)
    assertNotContains(page, REASON)


@pytest.mark.parametrize("who", ["member", "facilitator", "leader"])
def test_once_ratified_the_team_sees_who_said_what(login, hidden, leader, request, who):
    ended(hidden, leader)

    page = login(request.getfixturevalue(who)).get(charter_url("version", 1))

    assertContains(page, MEMBER)
    assertContains(page, FACILITATOR)
    assertContains(page, "1 consented · 1 objected")
    assertNotContains(page, "hidden until the round ends")


def test_a_round_closed_on_its_date_shows_everything_while_it_waits_for_the_leader(login, hidden, member):
    Charter.objects.filter(pk=hidden.pk).update(round_closed_at=timezone.now())

    page = login(member).get(charter_url("detail"))

    assertContains(page, FACILITATOR)
    assertContains(page, "Not yet responded: Person 0")


def test_an_objection_is_told_to_the_leaders_only(hidden):
    assert list(Notification.objects.filter(kind=notices.OBJECTION).values_list("recipient__email", flat=True)) == [
        "leader@example.com"]
