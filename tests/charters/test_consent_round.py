"""A consent round that means consent: a closing date, confirmation before ratifying over missing
responses, re-confirmation after the text changes, the objector's word on an amendment, and a
record of the round that stays readable on the ratified version."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from alignment.errors import ActionRefused
from charters import services
from charters.models import Charter, ConsentGap, Response
from tests.charters.conftest import charter_url
from tests.charters.factories import complete_charter, ratified_charter

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def proposed(team, leader, member, facilitator) -> Charter:
    charter = complete_charter(team, leader)
    return services.propose(charter=charter, actor=leader)


def _respond(client, charter: Charter, kind: str = "consent", reason: str = ""):
    revision = Charter.objects.get(pk=charter.pk).revision
    return client.post(charter_url("respond", charter.number), {"kind": kind, "reason": reason,
                                                                 "revision": revision})


# Closing date ------------------------------------------------------------------------------------

def test_the_leader_sets_a_closing_date_that_members_see(login, leader, member, team):
    complete_charter(team, leader)
    closes = timezone.localdate() + timedelta(days=7)

    response = login(leader).post(charter_url("propose", 1), {"responses_close_on": closes.isoformat()})

    assertRedirects(response, charter_url("detail"), fetch_redirect_response=False)
    assert Charter.objects.get().responses_close_on == closes
    assertContains(login(member).get(charter_url("detail")), f"Responses close on <strong>{closes:%A} {closes.day} ")


def test_a_closing_date_in_the_past_is_refused_with_the_date_kept(login, leader, team):
    complete_charter(team, leader)
    past = timezone.localdate() - timedelta(days=3)

    response = login(leader).post(charter_url("propose", 1), {"responses_close_on": past.isoformat()})

    assertContains(response, "The closing date for responses is in the past", status_code=400)
    assertContains(response, f'value="{past.isoformat()}"', status_code=400)
    assert Charter.objects.get().is_draft


def test_propose_is_visibly_disabled_with_the_reason_while_checks_fail(login, leader, team):
    charter = services.start_charter(team=team, actor=leader)

    response = login(leader).get(charter_url("detail"))

    assertContains(response, 'disabled aria-describedby="propose-blocked"')
    assertContains(response, "Still needed before you can propose:")
    assert charter.is_draft


# Ratifying over missing responses ----------------------------------------------------------------

def test_ratifying_while_members_have_not_responded_asks_first_and_names_them(login, leader, member, facilitator,
                                                                             proposed):
    _respond(login(facilitator), proposed)

    response = login(leader).post(charter_url("ratify", 1))

    assertContains(response, "Not everyone has given their word on this text.", status_code=409)
    assertContains(response, "Max Member had not responded", status_code=409)
    assertNotContains(response, "Fay Facilitator had not responded", status_code=409)
    assertContains(response, "Ratify anyway", status_code=409)
    assert Charter.objects.get().is_proposed


def test_ratifying_anyway_records_who_had_not_given_their_word(login, leader, member, facilitator, proposed):
    _respond(login(facilitator), proposed)

    response = login(leader).post(charter_url("ratify", 1), {"despite_gaps": "1"})

    assertRedirects(response, charter_url("detail"), fetch_redirect_response=False)
    charter = Charter.objects.get()
    assert charter.is_active and charter.ratified_despite_gaps
    assert list(ConsentGap.objects.values_list("member__email", "kind")) == [
        (member.email, ConsentGap.Kind.NO_RESPONSE),
    ]


def test_the_record_of_the_round_stays_readable_on_the_ratified_version(login, leader, member, facilitator,
                                                                        proposed):
    _respond(login(facilitator), proposed)
    login(leader).post(charter_url("ratify", 1), {"despite_gaps": "1"})

    page = login(member).get(charter_url("version", 1))

    assertContains(page, "The record of this consent round")
    assertContains(page, "knowingly, while not everyone had given their word on the final text")
    assertContains(page, "Max Member had not responded")
    assertContains(page, "<strong>Fay Facilitator</strong>: Consent")


def test_everyone_consenting_ratifies_without_a_question(login, leader, member, facilitator, proposed):
    _respond(login(member), proposed)
    _respond(login(facilitator), proposed)

    response = login(leader).post(charter_url("ratify", 1))

    assertRedirects(response, charter_url("detail"), fetch_redirect_response=False)
    charter = Charter.objects.get()
    assert charter.is_active and not charter.ratified_despite_gaps
    assert not ConsentGap.objects.exists()


# The text changed after someone responded ----------------------------------------------------------

def test_a_response_to_an_earlier_text_asks_the_member_to_confirm(login, leader, member, facilitator, proposed):
    _respond(login(member), proposed)
    _respond(login(facilitator), proposed)
    services.update_people(charter=proposed, expected_version=1, people="We say what we see, kindly.")

    page = login(member).get(charter_url("detail"))
    assertContains(page, "The charter changed after you responded.")
    assertContains(page, "Confirm my response")

    refused = login(leader).post(charter_url("ratify", 1))
    assertContains(refused, "had responded to an earlier text", status_code=409)

    _respond(login(member), proposed)
    _respond(login(facilitator), proposed)
    assertRedirects(login(leader).post(charter_url("ratify", 1)), charter_url("detail"),
                    fetch_redirect_response=False)


# The objector's word on an amendment --------------------------------------------------------------

@pytest.fixture
def amended_objection(login, leader, member, facilitator, proposed) -> Response:
    _respond(login(member), proposed, kind="objection", reason="Carers are missing")
    response = Response.objects.get(member=member)
    services.update_people(charter=proposed, expected_version=1, people="We include carers.")
    _respond(login(facilitator), proposed)  # to the amended text
    return services.answer_objection(response=response, actor=leader, answer=Response.Answer.AMENDED,
                                     text="People now names carers.")


def test_the_objector_is_asked_whether_the_amendment_resolves_it(login, member, amended_objection):
    page = login(member).get(charter_url("detail"))

    assertContains(page, "Does the amendment resolve your objection?")
    assertContains(page, "People now names carers.")


def test_ratifying_before_the_objector_answers_asks_first(login, leader, amended_objection):
    response = login(leader).post(charter_url("ratify", 1))

    assertContains(response, "had not said whether the amendment resolves their objection", status_code=409)


@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "plain"])
def test_the_objector_says_it_resolves_it_and_their_response_becomes_consent(login, leader, member,
                                                                            amended_objection, headers):
    response = login(member).post(charter_url("resolution", 1, amended_objection.pk), {"resolved": "1"}, **headers)

    assert response.status_code == (200 if headers else 302)
    stored = Response.objects.get(pk=amended_objection.pk)
    assert (stored.kind, stored.resolved_by_amendment) == (Response.Kind.CONSENT, True)
    assert stored.revision == Charter.objects.get().revision
    assertRedirects(login(leader).post(charter_url("ratify", 1)), charter_url("detail"),
                    fetch_redirect_response=False)


def test_the_objector_says_it_does_not_and_the_objection_is_open_again(login, leader, member, amended_objection):
    login(member).post(charter_url("resolution", 1, amended_objection.pk), {"resolved": "0"})

    stored = Response.objects.get(pk=amended_objection.pk)
    assert stored.is_open_objection
    refused = login(leader).post(charter_url("ratify", 1), {"despite_gaps": "1"}, follow=True)
    assertContains(refused, "1 objection still needs your answer")
    assert Charter.objects.get().is_proposed


def test_only_the_objector_answers_for_their_objection(amended_objection, facilitator):
    with pytest.raises(ActionRefused):
        services.resolve_amended_objection(response=amended_objection, member=facilitator, resolved=True)


def test_an_unanswered_objection_has_no_resolution_to_give(login, member, proposed):
    _respond(login(member), proposed, kind="objection", reason="Too vague")
    objection = Response.objects.get(member=member)

    response = login(member).post(charter_url("resolution", 1, objection.pk), {"resolved": "1"}, follow=True)

    assertContains(response, "Your objection is no longer waiting for your word")
    assert Response.objects.get(pk=objection.pk).is_open_objection


def test_the_leaders_quorum_form_reads_as_if_drawn_alone(login, leader, team):
    """The leader's form to change the quorum is written into one drawing per shape (`DrawnAlike`): it must read as
    the form drawn on its own, with no quorum and with one."""
    from django.template.loader import render_to_string

    from alignment.drawn_alike import FIELDS
    from charters.forms import QuorumForm

    charter = services.propose(charter=complete_charter(team, leader), actor=leader)
    client = login(leader)
    for quorum in (None, 60):
        charter = services.set_quorum(charter=charter, actor=leader, quorum_percent=quorum)
        page = client.get(charter_url("detail"))
        assertContains(page, render_to_string(FIELDS, {"form": QuorumForm(instance=charter)}))
        assertContains(page, "Change the quorum")
        assertNotContains(page, "stand-in")
    assertContains(page, 'name="quorum_percent" value="60"')


# Amending ----------------------------------------------------------------------------------------

def test_a_steward_is_offered_the_blank_amendment_form_drawn_once_and_others_none(login, leader, member, team):
    """The blank form that starts an amendment shows nothing of the page: it is drawn once for the process
    (`DrawnAlike`) and must read as the form drawn on its own; only a steward of the active version gets it."""
    from django.template.loader import render_to_string

    from alignment.drawn_alike import FIELDS
    from charters.forms import AmendmentForm

    ratified_charter(team, leader)

    page = login(leader).get(charter_url("detail"))
    assertContains(page, render_to_string(FIELDS, {"form": AmendmentForm()}), html=False)
    assertContains(page, "Start an amendment")
    assertNotContains(login(member).get(charter_url("detail")), 'name="note"')


def test_amend_is_not_offered_while_an_amendment_is_open(login, leader, team):
    ratified_charter(team, leader)
    services.start_amendment(team=team, actor=leader)

    page = login(leader).get(charter_url("version", 1))

    assertContains(page, "Version 2 is being amended (draft)")
    assertNotContains(page, "Start an amendment")


def test_a_refused_amendment_keeps_the_note(login, leader, team):
    ratified_charter(team, leader)
    services.start_amendment(team=team, actor=leader)

    response = login(leader).post(charter_url("amend"), {"note": "Add a standard for on-call handover"})

    assertContains(response, "An amendment is already in progress", status_code=409)
    assertContains(response, "Add a standard for on-call handover", status_code=409)
