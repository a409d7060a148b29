"""Who may open and do what on every check-ins URL.

Anonymous people are sent to log in; someone in another organisation, or in another team of
the same organisation, gets 404 everywhere (a team's check-ins do not leak); members and
facilitators write their own check-in; everyone in the team sees the week's summary and the
trends, leaders and facilitators read the check-ins themselves; the thread under a check-in is
between its author and the leaders; only leaders acknowledge. A blocker is resolved by the leaders,
whoever raised it and whoever it names as who could help. A leader who is only a leader does not
check in (403).

Commitments are the team's to read. Members and facilitators commit themselves, renegotiate,
answer requests and mark done (their own only: someone else's is refused in words); leaders
ask people to commit and decide renegotiations.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkins.models import Blocker, CheckIn, Commitment, KeyResultUpdate, Renegotiation, Reply
from tests.checkins.conftest import MONDAY, at, form_data, url
from tests.matrix import Matrix, assert_no_writes

OK, FOUND, BAD, FORBIDDEN, NOT_FOUND = 200, 302, 400, 403, 404


@dataclass(frozen=True)
class World:
    checkin: CheckIn  # the member's, submitted
    blocker: Blocker
    commitment: Commitment  # the member's, open, with a pending renegotiation
    renegotiation: Renegotiation
    requested: Commitment  # asked of the member by the leader
    facilitator_id: int


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
    # Everyone in the team sees the week's summary; the check-ins' words are for leaders and facilitators.
    Case("team week", "get", lambda w: url("week"), member=OK, facilitator=OK, leader=OK),
    Case("team week by Monday", "get", lambda w: url("week", query="week=2026-11-09"), member=OK,
         facilitator=OK, leader=OK),
    Case("trends", "get", lambda w: url("trends"), member=OK, facilitator=OK, leader=OK),
    Case("own history", "get", lambda w: url("person", w.checkin.author_id), member=OK, facilitator=OK, leader=OK),
    Case("someone else's history", "get", lambda w: url("person", w.facilitator_id), member=FORBIDDEN,
         facilitator=OK, leader=OK),
    Case("check-in", "get", lambda w: url("checkin", w.checkin.pk), member=OK, facilitator=OK, leader=OK),
    # The thread is between the author and the leaders: the facilitator reads the check-in, not the thread.
    Case("reply", "post", lambda w: url("reply", w.checkin.pk), member=FOUND, facilitator=FORBIDDEN, leader=FOUND,
         data=lambda w, user: {"body": "Thanks for this", "token": str(uuid.uuid4())}),
    Case("acknowledge", "post", lambda w: url("acknowledge", w.checkin.pk), member=FORBIDDEN,
         facilitator=FORBIDDEN, leader=FOUND),
    # The member raised it; the facilitator neither raised it nor is named on it; leaders resolve any.
    Case("resolve blocker", "post", lambda w: url("resolve_blocker", w.blocker.pk), member=FOUND,
         facilitator=FORBIDDEN, leader=FOUND, data=lambda w, user: {"resolution": "Sorted"}),
    Case("commitments", "get", lambda w: url("commitments"), member=OK, facilitator=OK, leader=OK),
    Case("commit", "post", lambda w: url("create_commitment"), member=FOUND, facilitator=FOUND, leader=FORBIDDEN,
         data=lambda w, user: {"title": "Write the runbook", "standard": "Reviewed", "due_on": "2026-12-01"}),
    Case("ask to commit", "post", lambda w: url("ask_commitment"), member=FORBIDDEN, facilitator=FORBIDDEN,
         leader=FOUND, data=lambda w, user: {"title": "Rota", "standard": "Published", "due_on": "2026-12-01",
                                             "owner": str(w.commitment.owner_id)}),
    Case("commitment", "get", lambda w: url("commitment", w.commitment.pk), member=OK, facilitator=OK, leader=OK),
    # One renegotiation is already pending, and the facilitator does not own it: refused in words.
    Case("renegotiate", "post", lambda w: url("renegotiate", w.commitment.pk), member=BAD, facilitator=BAD,
         leader=FORBIDDEN, data=lambda w, user: {"kind": "drop", "reason": "No time"}),
    Case("mark done", "post", lambda w: url("mark_done", w.commitment.pk), member=FOUND, facilitator=FOUND,
         leader=FORBIDDEN, data=lambda w, user: {"version": str(w.commitment.version)}),
    Case("answer request", "post", lambda w: url("answer_request", w.requested.pk), member=FOUND,
         facilitator=FOUND, leader=FORBIDDEN, data=lambda w, user: {"answer": "accept"}),
    Case("decide renegotiation", "post", lambda w: url("decide_renegotiation", w.renegotiation.pk),
         member=FORBIDDEN, facilitator=FORBIDDEN, leader=FOUND,
         data=lambda w, user: {"decision": "accept", "comment": "Fine"}),
]


def test_every_checkins_url_is_in_the_matrix():
    """A new URL must be added to CASES above, with its expected status for each role."""
    from checkins.urls import urlpatterns

    covered = {"this_week", "save_draft", "submit", "week", "resolve_blocker", "commitments", "create_commitment",
               "ask_commitment", "commitment", "renegotiate", "mark_done", "answer_request", "decide_renegotiation",
               "trends", "person", "checkin", "reply", "acknowledge"}
    # The mail provider's, not a person's: its secret is the permission (below; tests/checkins/test_inbound_email.py).
    assert {pattern.name for pattern in urlpatterns} == covered | {"inbound_email"}


@pytest.mark.parametrize("role", ["anonymous", "outsider", "member", "facilitator", "leader"])
def test_the_inbound_email_webhook_knows_nobody_without_its_secret(request, client, login, world, settings, role):
    """Signed in or not, a post without the provider's secret is 401 and writes nothing."""
    settings.INBOUND_EMAIL_DOMAIN, settings.INBOUND_EMAIL_SECRET = "reply.charter.example.com", "the-providers"
    if role != "anonymous":
        client = login(request.getfixturevalue(role))
    before = _state()
    with CaptureQueriesContext(connection) as queries:
        assert client.post(reverse("checkins:inbound_email"), b"", content_type="message/rfc822").status_code == 401
    assert _state() == before
    assert_no_writes(queries)


@pytest.fixture
def world(team, member, facilitator, leader, frozen) -> World:
    frozen(at(2))
    checkin = CheckIn.objects.create(team=team, author=member, week=MONDAY, state="submitted", submitted_at=at(1),
                                     progress="Mine only", version=1)
    commitment = Commitment.objects.create(team=team, owner=member, title="Failover runbook", standard="Tested",
                                           due_on=MONDAY, created_by=member)
    renegotiation = Renegotiation.objects.create(commitment=commitment, kind="drop", reason="On call",
                                                 asked_by=member, was_due_on=MONDAY, was_owner=member)
    requested = Commitment.objects.create(team=team, owner=member, title="Alert review", standard="Done",
                                          due_on=MONDAY, created_by=leader, state="requested")
    return World(checkin, Blocker.objects.create(check_in=checkin, what="Staging VPN broken"), commitment,
                 renegotiation, requested, facilitator.pk)


def _state() -> tuple:
    return (
        list(CheckIn.objects.values_list("pk", "state", "version", "progress")),
        list(Blocker.objects.values_list("pk", "what", "resolved_at")),
        list(KeyResultUpdate.objects.values_list("pk", "value")),
        list(Commitment.objects.values_list("pk", "state", "owner", "due_on", "version")),
        list(Renegotiation.objects.values_list("pk", "state")),
        list(Reply.objects.values_list("pk", "body")),
        list(CheckIn.objects.values_list("pk", "acknowledged_at")),
    )


MATRIX = Matrix(_state, data_takes_user=True)
_request = MATRIX.send


def _assert_refused_without_writing(client, case, world, user, status: int) -> None:
    MATRIX.refused_without_writing(client, case, world, status, user)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, world, case):
    MATRIX.sent_to_log_in(client, case, world)


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
