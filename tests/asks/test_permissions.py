"""Who may open and do what on every asks URL.

Anonymous people are sent to log in. Both teams' people read a request; everyone else in the organisation
(a third team's member, an admin in no team) and strangers get 404. Anyone in a team of the organisation asks
another team (a team's own people are refused in words, 403; so is an admin in no team); the receiving team's
leaders answer; either side adds input; the asker withdraws. A team's list of requests is its people's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from alignment import confirm
from asks.models import Ask, AskComment
from decisions.models import Decision
from notifications.models import Delivery
from tests.asks.conftest import ORG, TODAY, ask_url
from tests.matrix import Matrix

OK, FOUND, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = 200, 302, 403, 404, 405
PEOPLE = ["member", "leader", "growth_member", "growth_leader", "bystander", "admin", "stranger"]


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable[[Ask], str]
    answers: dict[str, int]
    data: Callable[[Ask, object], dict] = field(default=lambda ask, user: {})

    def __str__(self) -> str:
        return self.name


def _everyone(**answers: int) -> dict[str, int]:
    """The answers for each person; a third team's member, an admin in no team and a stranger get 404 unless said."""
    return {"bystander": NOT_FOUND, "admin": NOT_FOUND, "stranger": NOT_FOUND, **answers}


def _asked(ask: Ask, user) -> dict:
    """The ask form as `user` fills it, from their own team (any, for someone in none)."""
    boundary = ask.receiving_team.charters.get().boundaries.get(label="fixed")
    mine = user and user.memberships.exclude(team=ask.receiving_team).values_list("team_id", flat=True).first()
    return {"asking_team": str(mine or ask.asking_team_id), "kind": "help", "title": "Lend us a designer",
            "body": "", "boundary": str(boundary.pk), "due_on": TODAY.isoformat()}


CASES = [
    Case("list", "get", lambda a: ask_url("list", team="platform"), _everyone(
        member=OK, leader=OK, growth_member=NOT_FOUND, growth_leader=NOT_FOUND)),
    Case("list of the receiving team", "get", lambda a: ask_url("list"), _everyone(
        member=NOT_FOUND, leader=NOT_FOUND, growth_member=OK, growth_leader=OK)),
    # Anyone in another team of the organisation may ask; Growth's people are told to raise it inside.
    # With its key: without one, the form first sends the reader to its own address with a fresh key.
    Case("ask form", "get", lambda a: ask_url("create") + "?key=6f1c2d3e-0000-4000-8000-000000000001", _everyone(
        member=OK, leader=OK, growth_member=FORBIDDEN, growth_leader=FORBIDDEN, bystander=OK, admin=FORBIDDEN)),
    Case("ask", "post", lambda a: ask_url("create"), _everyone(
        member=FOUND, leader=FOUND, growth_member=FORBIDDEN, growth_leader=FORBIDDEN, bystander=FOUND,
        admin=FORBIDDEN), data=_asked),
    Case("request", "get", lambda a: ask_url("detail", a), _everyone(
        member=OK, leader=OK, growth_member=OK, growth_leader=OK)),
    Case("answer", "post", lambda a: ask_url("answer", a), _everyone(
        member=FORBIDDEN, leader=FORBIDDEN, growth_member=FORBIDDEN, growth_leader=FOUND),
        data=lambda a, u: {"state": "accepted", "answer": "Yes"}),
    Case("answer by GET", "get", lambda a: ask_url("answer", a), {p: NOT_ALLOWED for p in PEOPLE}),
    Case("input", "post", lambda a: ask_url("comment", a), _everyone(
        member=FOUND, leader=FOUND, growth_member=FOUND, growth_leader=FOUND), data=lambda a, u: {"body": "Thoughts"}),
    Case("input by GET", "get", lambda a: ask_url("comment", a), {p: NOT_ALLOWED for p in PEOPLE}),
    Case("withdraw", "post", lambda a: ask_url("withdraw", a), _everyone(
        member=FOUND, leader=FORBIDDEN, growth_member=FORBIDDEN, growth_leader=FORBIDDEN),
        data=lambda a, u: dict(confirm.CONFIRMED)),
    Case("withdraw by GET", "get", lambda a: ask_url("withdraw", a), {p: NOT_ALLOWED for p in PEOPLE}),
]


def state() -> tuple:
    return (list(Ask.objects.order_by("pk").values()), list(AskComment.objects.values()),
            list(Decision.objects.values()), Delivery.objects.count())


matrix = Matrix(state, data_takes_user=True)


@pytest.fixture
def ask(cast, send, clinical) -> Ask:
    return send("consult")


def test_every_asks_url_is_in_the_matrix(ask):
    from django.urls import resolve

    from asks import urls

    named = {pattern.name for pattern in urls.urlpatterns}
    in_matrix = {resolve(case.url(ask).split("?")[0]).url_name for case in CASES}
    assert named <= in_matrix, f"add to CASES: {sorted(named - in_matrix)}"


@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("person", PEOPLE)
def test_matrix(client, cast, ask, case, person):
    client.force_login(cast[person])
    expected = case.answers[person]
    if expected in (OK, FOUND) and case.method == "post" or expected == OK:
        response = matrix.send(client, case, ask, cast[person])
        assert response.status_code == expected, response.content.decode()[:2000]
    else:
        matrix.refused_without_writing(client, case, ask, expected, cast[person])


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, cast, ask, case):
    if case.answers["member"] == NOT_ALLOWED:
        return  # the method is refused before anyone is asked who they are
    matrix.sent_to_log_in(client, case, ask)


def test_the_org_slug_is_checked(client, cast, ask):
    """A request is found under its own organisation and receiving team only."""
    from django.urls import reverse

    client.force_login(cast["member"])
    assert client.get(reverse("asks:detail", args=[ORG, "platform", ask.pk])).status_code == NOT_FOUND
