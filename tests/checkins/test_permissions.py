"""Who may open and do what on every check-ins URL.

Anonymous people are sent to log in; someone in another organisation, or in another team of
the same organisation, gets 404 everywhere (a team's check-ins do not leak); members and
facilitators write their own check-in; leaders and facilitators read the team's week; only
leaders resolve blockers. A leader who is only a leader does not check in (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from checkins.models import Blocker, CheckIn, KeyResultUpdate
from tests.checkins.conftest import MONDAY, at, form_data, url

OK, FOUND, BAD, FORBIDDEN, NOT_FOUND = 200, 302, 400, 403, 404


@dataclass(frozen=True)
class World:
    checkin: CheckIn  # the member's, submitted
    blocker: Blocker


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[World], str]
    member: int
    facilitator: int
    leader: int
    data: Callable[[World, object], dict] = field(default=lambda w, user: {})

    def __str__(self) -> str:
        return self.name


def _typed(world: World, user) -> dict:
    """The writer's form as loaded now: their own check-in's version, or 0 before they have one."""
    version = CheckIn.objects.filter(author=user, week=MONDAY).values_list("version", flat=True).first() or 0
    return form_data(version=str(version))


CASES = [
    # The member's check-in is already submitted: a draft save of it is refused in words (400).
    Case("this week", "get", lambda w: url("this_week"), member=OK, facilitator=OK, leader=FORBIDDEN),
    Case("save draft", "post", lambda w: url("save_draft"), member=BAD, facilitator=FOUND, leader=FORBIDDEN,
         data=_typed),
    Case("submit", "post", lambda w: url("submit"), member=FOUND, facilitator=FOUND, leader=FORBIDDEN,
         data=_typed),
    Case("team week", "get", lambda w: url("week"), member=FORBIDDEN, facilitator=OK, leader=OK),
    Case("team week by Monday", "get", lambda w: url("week", query="week=2026-11-09"), member=FORBIDDEN,
         facilitator=OK, leader=OK),
    Case("resolve blocker", "post", lambda w: url("resolve_blocker", w.blocker.pk), member=FORBIDDEN,
         facilitator=FORBIDDEN, leader=FOUND, data=lambda w, user: {"resolution": "Sorted"}),
]


def test_every_checkins_url_is_in_the_matrix():
    """A new URL must be added to CASES above, with its expected status for each role."""
    from checkins.urls import urlpatterns

    covered = {"this_week", "save_draft", "submit", "week", "resolve_blocker"}
    assert {pattern.name for pattern in urlpatterns} == covered


@pytest.fixture
def world(team, member, facilitator, leader, frozen) -> World:
    frozen(at(2))
    checkin = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                                     progress="Mine only", version=1)
    return World(checkin, Blocker.objects.create(check_in=checkin, what="Staging VPN broken"))


def _state() -> tuple:
    return (
        list(CheckIn.objects.values_list("pk", "state", "version", "progress")),
        list(Blocker.objects.values_list("pk", "what", "resolved_at")),
        list(KeyResultUpdate.objects.values_list("pk", "value")),
    )


def _request(client, case: Case, world: World, user):
    target = case.url(world)
    if case.method == "get":
        return client.get(target)
    return client.post(target, case.data(world, user))


def _assert_refused_without_writing(client, case: Case, world: World, user, status: int) -> None:
    before = _state()
    assert _request(client, case, world, user).status_code == status
    assert _state() == before


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, world, case):
    before = _state()
    response = _request(client, case, world, None)

    assert response.status_code == FOUND
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert _state() == before


@pytest.mark.parametrize("case", CASES, ids=str)
def test_stranger_in_another_organisation_gets_404(login, stranger, world, case):
    _assert_refused_without_writing(login(stranger), case, world, stranger, NOT_FOUND)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_outsider_in_another_team_gets_404(login, outsider, world, case):
    _assert_refused_without_writing(login(outsider), case, world, outsider, NOT_FOUND)


@pytest.mark.parametrize("role", ["member", "facilitator", "leader"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_team_roles(request, login, world, case, role):
    user = request.getfixturevalue(role)
    client = login(user)
    expected = getattr(case, role)
    if expected in (FORBIDDEN, NOT_FOUND):
        _assert_refused_without_writing(client, case, world, user, expected)
    else:
        assert _request(client, case, world, user).status_code == expected


def test_a_member_never_sees_another_members_check_in(login, world, make_user, add_member, team):
    other = make_user("kwame@example.com", "Kwame Mensah")
    add_member(team, other, "member")

    body = login(other).get(url("this_week")).content.decode()

    assert "Mine only" not in body and "Staging VPN broken" not in body


def test_an_archived_team_refuses_check_ins(login, world, member, team):
    from django.utils import timezone

    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])

    assert login(member).get(url("this_week")).status_code == FORBIDDEN
