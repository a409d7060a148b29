"""A retrospective's amendment action becomes a comment on the charter's open amendment: the team's leaders hear of
it once (not the one who agreed it), through their preferences, with a link to the comment."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.core import mail

from charters import services as charter_services
from charters.models import Comment
from notifications import services as notifications
from notifications.models import Notification
from reviews.notices import ACTION_COMMENTED
from reviews.retro import services
from tests.charters.factories import ratified_charter
from tests.reviews.retro_factories import session

pytestmark = pytest.mark.django_db(transaction=True)  # emails go out when the transaction commits


def amendment(retro, team, actor, *, token=None):
    return services.add_action(retrospective_id=retro.pk, team=team, actor=actor, kind="amendment",
                               title="Make the Friday rule a boundary", owner=actor, due_on=date(2026, 12, 11),
                               proposed_change="Move “No Friday deploys” to the boundaries, fixed by the clinics.",
                               section="non_negotiables", token=token or uuid.uuid4())


@pytest.fixture
def retro(team, leader, member, facilitator):
    ratified_charter(team, leader)  # through the services: ratifying opens cycle 1
    mail.outbox.clear()
    Notification.objects.all().delete()
    return session(team, facilitator, phase="actions")


def told(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, kind=ACTION_COMMENTED))


def test_the_leader_hears_once_with_a_link_to_the_comment(retro, team, leader, member, facilitator, login):
    token = uuid.uuid4()
    action = amendment(retro, team, facilitator, token=token)
    amendment(retro, team, facilitator, token=token)  # the same form sent twice: one action, one notice

    comment = Comment.objects.get(charter=action.amendment_charter)
    [notice] = told(leader)
    assert notice.subject == "Platform: the retrospective proposes a change to the charter — “Make the Friday " \
                             "rule a boundary”"
    assert "Fay Facilitator agreed this in the retrospective of cycle 1" in notice.body
    assert "Move “No Friday deploys” to the boundaries" in notice.body
    assert notice.url == action.amendment_charter.get_absolute_url() + f"#comment-{comment.pk}"
    assert told(member) == [] and told(facilitator) == []
    assert Notification.objects.filter(recipient=leader).count() == 1  # not also told of "a comment"
    assert [message.to for message in mail.outbox if "retrospective proposes" in message.subject] == [[leader.email]]
    page = login(leader).get(notice.url.split("#")[0]).content.decode()
    assert f'id="comment-{comment.pk}"' in page


def test_a_second_action_on_the_open_amendment_is_a_second_notice(retro, team, leader, facilitator):
    charter_services.start_amendment(team=team, actor=leader, note="Accessibility")

    amendment(retro, team, facilitator)
    amendment(retro, team, facilitator)

    assert len(told(leader)) == 2


def test_the_leader_agreeing_it_is_not_told_of_their_own_action(retro, team, leader):
    amendment(retro, team, leader)

    assert told(leader) == []


def test_the_leaders_preference_is_respected(retro, team, leader, facilitator):
    notifications.set_preference(user=leader, kind=ACTION_COMMENTED, email=False, in_app=False)

    amendment(retro, team, facilitator)

    assert told(leader) == [] and not [m for m in mail.outbox if "retrospective proposes" in m.subject]


def test_a_commitment_action_is_no_amendment_notice(retro, team, leader, facilitator, member):
    services.add_action(retrospective_id=retro.pk, team=team, actor=facilitator, kind="commitment",
                        title="Write the release checklist", owner=member, due_on=date(2026, 12, 11),
                        standard="Used twice", token=uuid.uuid4())

    assert not Notification.objects.filter(kind=ACTION_COMMENTED).exists()


def test_leaders_of_other_teams_are_never_told(retro, team, facilitator, outsider, stranger):
    amendment(retro, team, facilitator)

    assert not Notification.objects.filter(recipient__in=[outsider, stranger]).exists()
