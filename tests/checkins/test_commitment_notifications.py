"""People hear when a commitment needs them: the person asked to commit, the leaders asked to
renegotiate, and the owner when the leader answers. Each once, in the centre and by email."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail

from checkins import services
from checkins.models import Commitment
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)  # emails go out when the transaction commits


def test_the_person_asked_to_commit_hears_of_it_once(team, leader, member):
    commitment = services.create_commitment(team=team, owner=member, actor=leader, title="Alert review",
                                            standard="Every alert has an owner", due_on=date(2026, 12, 1))

    told = Notification.objects.get(recipient=member)
    assert told.kind == services.COMMITMENT_REQUEST and "Alert review" in told.subject
    assert told.url.endswith(f"/commitments/{commitment.pk}/")
    assert [message.to for message in mail.outbox] == [[member.email]]


def test_committing_oneself_tells_nobody(team, member):
    services.create_commitment(team=team, owner=member, actor=member, title="Runbook", standard="Done",
                               due_on=date(2026, 12, 1))

    assert not Notification.objects.exists() and mail.outbox == []


def test_a_renegotiation_goes_to_the_leaders_and_the_answer_to_the_owner(team, leader, member, facilitator):
    commitment = Commitment.objects.create(team=team, owner=member, title="Runbook", standard="Done",
                                           due_on=date(2026, 12, 1))
    asked = services.ask_to_renegotiate(commitment_id=commitment.pk, team=team, actor=member, kind="defer",
                                        reason="On call twice this month", due_on=date(2026, 12, 11))

    assert list(Notification.objects.values_list("recipient", flat=True)) == [leader.pk]  # not the facilitator

    services.decide_renegotiation(renegotiation_id=asked.pk, team=team, actor=leader, accept=True, comment="Fine")

    answer = Notification.objects.get(recipient=member)
    assert answer.kind == services.RENEGOTIATION and "accepted" in answer.subject and answer.body == "Fine"


def test_a_hand_over_accepted_asks_the_new_owner(team, leader, member, facilitator):
    commitment = Commitment.objects.create(team=team, owner=member, title="Runbook", standard="Done",
                                           due_on=date(2026, 12, 1))
    asked = services.ask_to_renegotiate(commitment_id=commitment.pk, team=team, actor=member, kind="hand_over",
                                        reason="Kwame knows it better", new_owner=facilitator)

    services.decide_renegotiation(renegotiation_id=asked.pk, team=team, actor=leader, accept=True)

    assert Notification.objects.filter(recipient=facilitator, kind=services.COMMITMENT_REQUEST).count() == 1
