"""When someone accepts an invitation, the team's leaders are told once, through their preferences, with a link to
the person on the team page. The core sends a signal; notifications listens (the core imports no notifications)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from alignment.errors import ActionRefused
from alignment.models import Membership
from alignment.services import accept_invitation, invite
from notifications import services as notifications
from notifications.joins import MEMBER_JOINED
from notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)  # emails go out when the transaction commits


@pytest.fixture
def omar(make_user):
    return make_user("omar@example.com", "Omar Haddad")


def joined_notices(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, kind=MEMBER_JOINED))


def test_the_leaders_hear_once_that_someone_joined(team, leader, member, facilitator, omar, make_user, add_member):
    second_leader = make_user("lead2@example.com", "Lee Second")
    add_member(team, second_leader, "leader")
    _, token = invite(team=team, email=omar.email, roles=["member"], actor=leader)
    mail.outbox.clear()  # the invitation itself

    membership = accept_invitation(token=token, user=omar)
    with pytest.raises(ActionRefused):
        accept_invitation(token=token, user=omar)  # a second click: already used, nobody told again

    for person in (leader, second_leader):
        [notice] = joined_notices(person)
        assert notice.subject == "Platform: Omar Haddad joined the team"
        assert "joined Platform as member. Lena Leader invited them." in notice.body
        assert notice.url == reverse("team", args=["harbour", "platform"]) + f"#member-{membership.pk}"
    assert joined_notices(member) == [] and joined_notices(facilitator) == [] and joined_notices(omar) == []
    assert sorted(message.to[0] for message in mail.outbox) == [second_leader.email, leader.email]


def test_the_link_lands_on_the_person_in_the_team_page(login, team, leader, omar):
    _, token = invite(team=team, email=omar.email, roles=["member", "facilitator"], actor=leader)
    membership = accept_invitation(token=token, user=omar)

    [notice] = joined_notices(leader)
    page = login(leader).get(notice.url.split("#")[0]).content.decode()
    assert f'id="member-{membership.pk}"' in page and "Omar Haddad" in page


def test_a_leader_who_turned_it_off_is_not_emailed(team, leader, omar):
    notifications.set_preference(user=leader, kind=MEMBER_JOINED, email=False, in_app=True)
    _, token = invite(team=team, email=omar.email, roles=["member"], actor=leader)
    mail.outbox.clear()

    accept_invitation(token=token, user=omar)

    assert len(joined_notices(leader)) == 1 and mail.outbox == []


def test_leaders_of_other_teams_are_never_told(team, leader, outsider, stranger, omar):
    _, token = invite(team=team, email=omar.email, roles=["member"], actor=leader)

    accept_invitation(token=token, user=omar)

    assert not Notification.objects.filter(recipient__in=[outsider, stranger]).exists()


def test_a_refused_acceptance_tells_nobody(team, leader, omar):
    with pytest.raises(ActionRefused):
        accept_invitation(token="not-a-token", user=omar)

    assert not Notification.objects.exists()
    assert not Membership.objects.filter(user=omar).exists()


def test_the_core_does_not_import_notifications_to_do_it():
    import ast
    from pathlib import Path

    source = Path(__file__).resolve().parents[2] / "alignment" / "services.py"
    imported = {node.module for node in ast.walk(ast.parse(source.read_text())) if isinstance(node, ast.ImportFrom)}
    assert not {module for module in imported if module and module.startswith("notifications")}
