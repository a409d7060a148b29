"""Who hears of a charter's proposal, an objection, its answer and a ratification: once each, on commit."""

from __future__ import annotations

import pytest
from django.db import transaction

from charters import notices, services
from charters.models import Response
from notifications.models import Delivery, Notification
from tests.charters.factories import complete_charter, ratified_charter

pytestmark = pytest.mark.django_db


def told(kind: str) -> list[str]:
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


@pytest.fixture
def proposed(team, leader, member, facilitator):
    charter = complete_charter(team, leader)
    return services.propose(charter=charter, actor=leader)


def test_a_proposal_asks_everyone_whose_consent_it_needs(team, leader, member, facilitator, mailoutbox,
                                                        django_capture_on_commit_callbacks):
    charter = complete_charter(team, leader)
    with django_capture_on_commit_callbacks(execute=True):
        services.propose(charter=charter, actor=leader)

    # The leader proposed it: a leader who is only a leader does not consent, and is not told.
    assert told(notices.PROPOSED) == ["facilitator@example.com", "member@example.com"]
    notice = Notification.objects.get(kind=notices.PROPOSED, recipient__email="member@example.com")
    assert notice.url == "/o/harbour/t/platform/charter/v1/"
    assert "proposes the team's charter" in notice.subject
    assert sorted(message.to[0] for message in mailoutbox) == ["facilitator@example.com", "member@example.com"]


def test_proposing_again_after_taking_it_back_asks_again(proposed, leader):
    services.withdraw(charter=proposed, actor=leader)
    services.propose(charter=proposed, actor=leader)

    assert told(notices.PROPOSED) == ["facilitator@example.com"] * 2 + ["member@example.com"] * 2


def test_a_proposal_rolled_back_tells_nobody(team, leader, member, django_capture_on_commit_callbacks):
    charter = complete_charter(team, leader)

    with django_capture_on_commit_callbacks() as emails, pytest.raises(RuntimeError), transaction.atomic():
        services.propose(charter=charter, actor=leader)
        raise RuntimeError("the request failed after proposing")

    assert told(notices.PROPOSED) == []
    assert emails == []


def test_an_objection_goes_to_the_leaders_and_its_answer_to_the_objector(proposed, leader, member):
    response = services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION,
                                reason="Releases on Friday harm on-call.")

    assert told(notices.OBJECTION) == ["leader@example.com"]
    assert Notification.objects.get(kind=notices.OBJECTION).body == "Releases on Friday harm on-call."

    services.answer_objection(response=response, actor=leader, answer=Response.Answer.KEPT,
                              text="Friday releases stay, with a rollback plan.")

    notice = Notification.objects.get(kind=notices.OBJECTION_ANSWERED)
    assert notice.recipient == member
    assert notice.subject == "Platform: Lena Leader answered your objection (kept it, with an explanation)"
    assert notice.url.endswith("#consent")


def test_the_same_objection_sent_again_is_told_once_and_a_changed_one_again(proposed, member):
    for reason in ("Too many goals.", "Too many goals.", "Too many goals, and no owner for the second."):
        services.respond(charter=proposed, member=member, kind=Response.Kind.OBJECTION, reason=reason)

    assert told(notices.OBJECTION) == ["leader@example.com"] * 2


def test_a_consent_tells_nobody(proposed, member):
    services.respond(charter=proposed, member=member, kind=Response.Kind.CONSENT, reason="")

    assert told(notices.OBJECTION) == []


def test_a_ratification_tells_the_whole_team_but_who_ratified(proposed, leader, member, facilitator):
    services.ratify(charter=proposed, actor=leader, despite_gaps=True)

    assert told(notices.RATIFIED) == ["facilitator@example.com", "member@example.com"]
    assert Delivery.objects.filter(kind=notices.RATIFIED).count() == 2


def test_each_kind_can_be_turned_off(team, leader, member):
    from notifications import services as notifications

    notifications.set_preference(user=member, kind=notices.RATIFIED, in_app=False, email=False)
    ratified_charter(team, leader)

    assert told(notices.RATIFIED) == []
    assert Delivery.objects.get(kind=notices.RATIFIED, recipient=member).status == Delivery.Status.SKIPPED
