"""The commitments pages: committing, the overload prompt, renegotiating and deciding, and the history shown."""

from __future__ import annotations

from datetime import date

import pytest

from checkins.models import CheckIn, Commitment, Renegotiation
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db

NEW = {"title": "Alert inventory", "standard": "Every alert has an owner", "due_on": "2026-12-04"}


@pytest.fixture
def overloaded(team, member, frozen):
    frozen(at(2))
    CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                           load="overloaded")


@pytest.fixture
def kept(team, member):
    return Commitment.objects.create(team=team, owner=member, created_by=member, title="Failover runbook",
                                     standard="Tested", due_on=date(2026, 12, 1))


def test_a_member_commits(login, member):
    response = login(member).post(url("create_commitment"), NEW)

    commitment = Commitment.objects.get()
    assert response.status_code == 302 and response["Location"] == commitment.get_absolute_url()
    assert commitment.is_open and commitment.owner == member and commitment.overload_acknowledged_at is None


def test_a_commitment_needs_its_standard(login, member):
    response = login(member).post(url("create_commitment"), NEW | {"standard": ""})

    assert response.status_code == 400 and not Commitment.objects.exists()


def test_an_overloaded_member_is_first_asked_what_to_renegotiate(login, member, overloaded, kept):
    response = login(member).post(url("create_commitment"), NEW)

    body = response.content.decode()
    assert response.status_code == 200 and "Your latest check-in says you are overloaded" in body
    assert "Failover runbook" in body and f"{kept.get_absolute_url()}?come_back=1#renegotiate" in body
    assert 'value="Alert inventory"' in body  # carried to "take it on anyway"
    assert Commitment.objects.count() == 1


def test_declining_the_prompt_is_recorded_on_the_new_commitment(login, member, overloaded, kept):
    response = login(member).post(url("create_commitment"), NEW | {"overload_seen": "1",
                                                                   "overload_note": "Small, and it unblocks Kwame"})

    new = Commitment.objects.get(title="Alert inventory")
    assert response.status_code == 302
    assert new.overload_acknowledged_at is not None and new.overload_note == "Small, and it unblocks Kwame"
    assert "Small, and it unblocks Kwame" in login(member).get(new.get_absolute_url()).content.decode()


def test_accepting_a_request_while_overloaded_prompts_too(login, member, leader, team, overloaded, kept):
    asked = Commitment.objects.create(team=team, owner=member, created_by=leader, title="Rota", standard="Out",
                                      due_on=MONDAY, state="requested")
    client = login(member)

    prompt = client.post(url("answer_request", asked.pk), {"answer": "accept"})
    assert "you are overloaded" in prompt.content.decode()
    asked.refresh_from_db()
    assert asked.is_requested

    client.post(url("answer_request", asked.pk), {"answer": "accept", "overload_seen": "1", "overload_note": ""})
    asked.refresh_from_db()
    assert asked.is_open and asked.overload_acknowledged_at is not None


def test_a_member_not_overloaded_is_not_prompted(login, member, team, frozen, kept):
    frozen(at(2))
    CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                           load="about_right")

    assert login(member).post(url("create_commitment"), NEW).status_code == 302


def test_a_leader_asks_someone(login, leader, member):
    response = login(leader).post(url("ask_commitment"), NEW | {"owner": str(member.pk)})

    asked = Commitment.objects.get()
    assert response.status_code == 302 and asked.is_requested and asked.owner == member


def test_renegotiating_without_a_reason_is_refused(login, member, kept):
    response = login(member).post(url("renegotiate", kept.pk), {"kind": "drop", "reason": ""})

    assert response.status_code == 400 and not Renegotiation.objects.exists()


def test_a_deferral_without_its_date_is_refused_in_words(login, member, kept):
    response = login(member).post(url("renegotiate", kept.pk), {"kind": "defer", "reason": "On call"})

    assert response.status_code == 400 and "give the new date" in response.content.decode()


def test_the_leader_decides_on_the_week_page(login, member, leader, kept, frozen):
    frozen(at(2))
    login(member).post(url("renegotiate", kept.pk), {"kind": "defer", "reason": "On call twice",
                                                     "proposed_due_on": "2026-12-11"})
    client = login(leader)
    week = client.get(url("week")).content.decode()
    assert "Pending renegotiations and requests" in week and "On call twice" in week

    renegotiation = Renegotiation.objects.get()
    response = client.post(url("decide_renegotiation", renegotiation.pk),
                           {"decision": "accept", "comment": "Fine", "next": url("week")})

    assert response.status_code == 302 and response["Location"] == url("week")
    kept.refresh_from_db()
    assert kept.due_on == date(2026, 12, 11)


def test_deciding_twice_is_told_who_decided(login, leader, member, kept):
    renegotiation = Renegotiation.objects.create(commitment=kept, kind="drop", reason="x", asked_by=member,
                                                 was_due_on=kept.due_on, was_owner=member, state="declined",
                                                 decided_by=leader, decided_at=at(1))

    response = login(leader).post(url("decide_renegotiation", renegotiation.pk), {"decision": "accept"},
                                  follow=True)

    assert "Lena Leader already declined this renegotiation." in response.content.decode()


def test_next_never_leaves_the_site(login, leader, member, kept):
    renegotiation = Renegotiation.objects.create(commitment=kept, kind="drop", reason="x", asked_by=member,
                                                 was_due_on=kept.due_on, was_owner=member)

    response = login(leader).post(url("decide_renegotiation", renegotiation.pk),
                                  {"decision": "decline", "next": "https://evil.example.com/"})

    assert response["Location"] == url("week")


def test_the_history_shows_what_it_was_what_it_became_who_agreed(login, member, leader, kept):
    Renegotiation.objects.create(commitment=kept, kind="defer", reason="On call", asked_by=member,
                                 was_due_on=kept.due_on, was_owner=member, proposed_due_on=date(2026, 12, 11),
                                 state="accepted", decided_by=leader, decided_at=at(3), comment="Take the time")

    body = login(member).get(url("commitment", kept.pk)).content.decode()

    assert "Tue 1 Dec 2026 → Fri 11 Dec 2026" in body
    assert "Accepted by Lena Leader" in body and "Take the time" in body


def test_this_week_lists_open_commitments_with_a_link_to_renegotiate(login, member, kept, frozen):
    frozen(at(2))
    body = login(member).get(url("this_week")).content.decode()

    assert "Failover runbook" in body and f"{kept.get_absolute_url()}#renegotiate" in body


def test_a_commitment_of_another_team_is_404(login, member, other_team, outsider):
    elsewhere = Commitment.objects.create(team=other_team, owner=outsider, title="Theirs", standard="x",
                                          due_on=MONDAY)

    assert login(member).get(url("commitment", elsewhere.pk)).status_code == 404
