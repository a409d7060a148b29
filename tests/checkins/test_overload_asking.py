"""Overload, from both sides: a leader is warned before asking an overloaded person, and can still ask (the
warning recorded); a member's "taken on while overloaded" tells the team's leaders, once."""

from __future__ import annotations

from datetime import date

import pytest

from checkins import services
from checkins.models import CheckIn, Commitment
from notifications.models import Delivery, Notification
from tests.checkins.conftest import MONDAY, at, url

pytestmark = pytest.mark.django_db

ASK = {"title": "Alert inventory", "standard": "Every alert has an owner", "due_on": "2026-12-04"}


@pytest.fixture
def overloaded(team, member, frozen):
    frozen(at(2))
    CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                           load="overloaded")


def test_a_leader_asking_an_overloaded_member_is_warned_first(login, leader, member, overloaded):
    Commitment.objects.create(team=member.memberships.get().team, owner=member, created_by=member,
                              title="Failover runbook", standard="Tested", due_on=date(2026, 12, 1))

    response = login(leader).post(url("ask_commitment"), ASK | {"owner": str(member.pk)})

    body = response.content.decode()
    assert response.status_code == 200 and "latest check-in says they are <strong>overloaded</strong>" in body
    assert "Failover runbook" in body  # what they carry already
    assert 'value="Alert inventory"' in body and f'name="overload_warned_for" value="{member.pk}"' in body
    assert Commitment.objects.filter(title="Alert inventory").count() == 0
    assert not Delivery.objects.filter(kind=services.COMMITMENT_REQUEST).exists()


def test_asking_anyway_records_the_warning_on_the_request(login, leader, member, overloaded):
    response = login(leader).post(url("ask_commitment"), ASK | {"owner": str(member.pk),
                                                                "overload_warned_for": str(member.pk)})

    asked = Commitment.objects.get(title="Alert inventory")
    assert response.status_code == 302 and asked.is_requested
    assert asked.asked_while_overloaded_at is not None
    assert Delivery.objects.filter(recipient=member, kind=services.COMMITMENT_REQUEST).count() == 1
    page = login(leader).get(asked.get_absolute_url()).content.decode()
    assert "warned that Max Member was overloaded, and asked anyway" in page


def test_a_warning_about_one_person_does_not_cover_another(login, leader, member, facilitator, team, overloaded):
    CheckIn.objects.create(team=team, author=facilitator, week=MONDAY, state="submitted", submitted_at=at(1),
                           load="overloaded")

    response = login(leader).post(url("ask_commitment"), ASK | {"owner": str(facilitator.pk),
                                                                "overload_warned_for": str(member.pk)})

    assert response.status_code == 200 and "Before you ask Fay Facilitator" in response.content.decode()
    assert not Commitment.objects.exists()


def test_no_warning_for_someone_who_is_not_overloaded(login, leader, member, team, frozen):
    frozen(at(2))
    CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                           load="about_right")

    response = login(leader).post(url("ask_commitment"), ASK | {"owner": str(member.pk)})

    asked = Commitment.objects.get()
    assert response.status_code == 302 and asked.asked_while_overloaded_at is None


def test_taking_one_on_while_overloaded_tells_the_leaders_once(login, leader, member, facilitator, overloaded):
    login(member).post(url("create_commitment"), ASK | {"overload_seen": "1",
                                                        "overload_note": "Small, and it unblocks Kwame"})
    login(member).post(url("create_commitment"), ASK | {"overload_seen": "1", "overload_note": "Again"})

    first, second = Commitment.objects.order_by("pk")
    told = Notification.objects.filter(kind=services.COMMITMENT_OVERLOAD)
    # Each commitment once, to the leader only: the facilitator does not answer check-ins, the member acted.
    assert sorted((n.recipient_id, n.url) for n in told) == sorted(
        [(leader.pk, first.get_absolute_url()), (leader.pk, second.get_absolute_url())])
    one = told.get(url=first.get_absolute_url())
    assert "Max Member took on “Alert inventory” while overloaded" in one.subject
    assert "Small, and it unblocks Kwame" in one.body


def test_accepting_a_request_while_overloaded_tells_the_leaders(login, leader, member, team, overloaded):
    asked = services.create_commitment(team=team, owner=member, actor=leader, title="Pager rota",
                                       standard="Published", due_on=date(2026, 12, 4))

    response = login(member).post(url("answer_request", asked.pk), {"answer": "accept", "overload_seen": "1",
                                                                     "overload_note": "It is an hour's work"})
    login(member).post(url("answer_request", asked.pk), {"answer": "accept", "overload_seen": "1"})

    asked.refresh_from_db()
    assert response.status_code == 302 and asked.is_open and asked.agreed_at is not None
    told = Delivery.objects.filter(kind=services.COMMITMENT_OVERLOAD)
    assert [(d.recipient_id, d.key) for d in told] == [(leader.pk, f"commitment:{asked.pk}:overloaded")]
    assert "It is an hour's work" in told.get().body


def test_no_notice_when_nobody_was_overloaded(login, member, leader):
    login(member).post(url("create_commitment"), ASK)

    assert Commitment.objects.get().agreed_at is not None
    assert not Delivery.objects.filter(kind=services.COMMITMENT_OVERLOAD).exists()


def test_an_unanswered_request_reads_asked_not_agreed(login, leader, member, team):
    asked = services.create_commitment(team=team, owner=member, actor=leader, title="Pager rota",
                                       standard="Published", due_on=date(2026, 12, 4))

    page = login(member).get(asked.get_absolute_url()).content.decode()
    listing = login(member).get(url("commitments")).content.decode()

    assert '<span class="badge">asked</span>' in page and "<dt>Agreed</dt>" not in page
    assert "waiting for Max Member’s answer" in page and "<dt>Asked</dt>" in page
    assert '<span class="badge">asked</span>' in listing and ">requested<" not in listing
