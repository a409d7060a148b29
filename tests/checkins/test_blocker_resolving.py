"""Resolving a blocker: the leaders, whoever raised it, or the person it names as who could help; whoever raised it
and who could help hear of it, with the note, each once, unless they resolved it. Everyone else is refused, and
nothing is written."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from checkins import services
from checkins.models import Blocker, CheckIn
from notifications import services as notifications
from notifications.models import Notification
from tests.checkins.conftest import MONDAY, at, url
from tests.matrix import Matrix

pytestmark = pytest.mark.django_db(transaction=True)  # emails go out when the transaction commits


@pytest.fixture
def blocker(team, member, facilitator, frozen) -> Blocker:
    """The member's submitted blocker, naming the facilitator as who could help."""
    frozen(at(2))
    checkin = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1))
    return Blocker.objects.create(check_in=checkin, what="Staging VPN broken", who_could_help=facilitator,
                                  opened_at=at(1))


def resolutions(person) -> list[Notification]:
    return list(Notification.objects.filter(recipient=person, kind=services.BLOCKER_RESOLVED))


def test_the_person_named_resolves_it_and_the_raiser_hears_how(login, blocker, member, facilitator):
    client = login(facilitator)

    body = client.get(url("week")).content.decode()
    assert f'id="resolution-{blocker.pk}"' in body  # the form is there for them
    response = client.post(url("resolve_blocker", blocker.pk), {"resolution": "IT reset the certificate"})

    assert response.status_code == 302
    blocker.refresh_from_db()
    assert (blocker.resolved_by, blocker.resolution) == (facilitator, "IT reset the certificate")
    [notice] = resolutions(member)
    assert notice.subject == "Platform: Fay Facilitator resolved your blocker “Staging VPN broken”"
    assert notice.body.startswith("You raised this in your check-in for the week of 16 Nov 2026:")
    assert "How: IT reset the certificate" in notice.body
    assert notice.url == url("checkin", blocker.check_in_id) + f"#blocker-{blocker.pk}"
    assert [email.to for email in mail.outbox] == [[member.email]]
    # The link opens for the raiser, on their check-in, showing it resolved.
    page = login(member).get(notice.url.split("#")[0]).content.decode()
    assert "resolved by Fay Facilitator" in page and "IT reset the certificate" in page


def test_the_raiser_resolves_their_own_blocker_and_only_the_person_named_is_told(login, blocker, member,
                                                                                 facilitator):
    client = login(member)

    page = client.get(url("checkin", blocker.check_in_id)).content.decode()
    assert f'action="{url("resolve_blocker", blocker.pk)}"' in page
    response = client.post(url("resolve_blocker", blocker.pk),
                           {"resolution": "Found a workaround", "next": url("checkin", blocker.check_in_id)})

    assert response["Location"] == url("checkin", blocker.check_in_id)
    blocker.refresh_from_db()
    assert blocker.resolved_by == member and not blocker.is_open
    assert resolutions(member) == []  # they resolved it themselves
    [notice] = resolutions(facilitator)
    assert notice.subject == "Platform: Max Member resolved their own blocker “Staging VPN broken”"
    assert notice.body.startswith("Max Member raised this in their check-in for the week of 16 Nov 2026, naming "
                                  "you as who could help:")
    assert "How: Found a workaround" in notice.body
    assert notice.url == url("week")  # the raiser's check-in may be closed to them; the team's week is not
    assert login(facilitator).get(notice.url).status_code == 200
    assert [email.to for email in mail.outbox] == [[facilitator.email]]


def test_the_person_named_resolving_it_is_not_told_of_their_own_resolution(blocker, team, member, facilitator):
    services.resolve_blocker(blocker_id=blocker.pk, team=team, actor=facilitator, resolution="Reset it")

    assert len(resolutions(member)) == 1 and resolutions(facilitator) == []


def test_a_leader_resolving_it_tells_the_raiser_and_the_person_named_once_each(blocker, team, member, facilitator,
                                                                              leader):
    services.resolve_blocker(blocker_id=blocker.pk, team=team, actor=leader, resolution="Escalated to IT")
    with pytest.raises(services.ActionRefused):
        services.resolve_blocker(blocker_id=blocker.pk, team=team, actor=leader, resolution="again")

    [to_raiser], [to_helper] = resolutions(member), resolutions(facilitator)
    assert to_raiser.subject == "Platform: Lena Leader resolved your blocker “Staging VPN broken”"
    assert to_helper.subject == "Platform: Lena Leader resolved Max Member’s blocker “Staging VPN broken”"
    assert "How: Escalated to IT" in to_helper.body
    assert resolutions(leader) == []
    assert sorted(email.to[0] for email in mail.outbox) == sorted([member.email, facilitator.email])


def test_a_blocker_naming_its_raiser_tells_nobody_twice(team, member, leader, frozen):
    frozen(at(2))
    checkin = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1))
    own = Blocker.objects.create(check_in=checkin, what="Finish the audit", who_could_help=member, opened_at=at(1))

    services.resolve_blocker(blocker_id=own.pk, team=team, actor=leader, resolution="")

    assert len(resolutions(member)) == 1


def test_the_raiser_is_told_once_and_through_their_preferences(blocker, team, member, facilitator, leader):
    notifications.set_preference(user=member, kind=services.BLOCKER_RESOLVED, email=False, in_app=True)

    services.resolve_blocker(blocker_id=blocker.pk, team=team, actor=leader, resolution="")
    with pytest.raises(services.ActionRefused):
        services.resolve_blocker(blocker_id=blocker.pk, team=team, actor=leader, resolution="again")

    [notice] = resolutions(member)
    assert "Lena Leader left no note on how." in notice.body
    assert [email.to for email in mail.outbox] == [[facilitator.email]]  # the raiser chose no e-mail


def test_someone_neither_raising_nor_named_nor_leading_may_not_resolve(login, blocker, make_user, add_member, team):
    kwame = make_user("kwame@example.com", "Kwame Mensah")
    add_member(team, kwame, "member")
    client = login(kwame)

    assert "Resolve</button>" not in client.get(url("week")).content.decode()
    MATRIX.refused_without_writing(client, CASE, blocker, 403)


def test_outsiders_get_404_and_anonymous_people_log_in(client, login, blocker, outsider, stranger):
    MATRIX.sent_to_log_in(client, CASE, blocker)
    MATRIX.refused_without_writing(login(outsider), CASE, blocker, 404)
    MATRIX.refused_without_writing(login(stranger), CASE, blocker, 404)
    assert not Notification.objects.filter(recipient__in=[outsider, stranger]).exists()


def test_a_blocker_of_another_team_is_404_even_for_its_raiser(login, team, other_team, outsider, leader, frozen):
    frozen(at(2))
    theirs = CheckIn.objects.create(team=other_team, author=outsider, week=MONDAY, state="submitted",
                                    submitted_at=at(1))
    blocker = Blocker.objects.create(check_in=theirs, what="Theirs")

    assert login(leader).post(url("resolve_blocker", blocker.pk), {"resolution": "x"}).status_code == 404


def test_a_drafts_blocker_is_not_resolved_by_anyone_else(login, team, member, leader, frozen):
    frozen(at(2))
    draft = CheckIn.objects.create(team=team, author=member, week=MONDAY)
    blocker = Blocker.objects.create(check_in=draft, what="Still deciding")

    assert login(leader).post(url("resolve_blocker", blocker.pk), {"resolution": "x"}).status_code == 403
    blocker.refresh_from_db()
    assert blocker.is_open


def test_an_archived_team_refuses_even_the_raiser(login, blocker, member, team):
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])

    MATRIX.refused_without_writing(login(member), CASE, blocker, 403)


class _Case:
    method = "post"

    @staticmethod
    def url(blocker):
        return reverse("checkins:resolve_blocker", args=["harbour", "platform", blocker.pk])

    @staticmethod
    def data(blocker):
        return {"resolution": "Sorted"}


CASE = _Case()
MATRIX = Matrix(lambda: list(Blocker.objects.values_list("pk", "resolved_at", "resolution")))
