"""Who may open and do what on every decisions URL.

The decision log is the team's alone. Anonymous people are sent to log in; someone in
another organisation, and someone in the same organisation but another team, get 404
everywhere; a member or facilitator reads the log and logs proposals but gets 403 for
recording the final decision; a leader gets on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

import pytest
from django.urls import reverse

from charters.models import Charter
from decisions.models import Decision
from tests.decisions.conftest import decision_url
from tests.matrix import Matrix

OK, FOUND, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
# The key of the form that logged the world's decision, and of a fresh form.
USED_KEY, FRESH_KEY = UUID(int=1), UUID(int=2)


@dataclass(frozen=True)
class World:
    """The standard team with a ratified charter and one decision, not yet decided, logged with USED_KEY."""

    active: Charter
    decision: Decision


@pytest.fixture
def world(team, leader, member, facilitator, write_charter, log_decisions) -> World:
    active = write_charter(team, state=Charter.State.RATIFIED)
    decision = log_decisions(team, 1)[0]
    # Its review date has come: a leader may mark it reviewed.
    Decision.objects.filter(pk=decision.pk).update(idempotency_key=USED_KEY, review_on=date(2020, 1, 1))
    return World(active=active, decision=decision)


@dataclass(frozen=True)
class Case:
    """One request, and the status each role gets for it."""

    name: str
    method: str
    url: Callable[[World], str]
    member: int
    facilitator: int
    leader: int
    outsider: int = NOT_FOUND
    data: Callable[[World], dict] = field(default=lambda w: {})
    headers: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def the_team(name: str, method: str, url, *, ok: int, data=lambda w: {}, headers=None) -> Case:
    """Everyone in the team may; nobody outside it learns the page exists."""
    return Case(name, method, url, member=ok, facilitator=ok, leader=ok, data=data, headers=headers or {})


def leaders_only(name: str, method: str, url, *, leader: int, data=lambda w: {}) -> Case:
    return Case(name, method, url, member=FORBIDDEN, facilitator=FORBIDDEN, leader=leader, data=data)


CASES = [
    the_team("decision log", "get", lambda w: decision_url("list"), ok=OK),
    the_team("decision log filtered", "get", lambda w: decision_url("list", query="verdict=no"), ok=OK),
    # The empty form is sent to an address carrying its key, so that Back returns to the same form.
    the_team("log a proposal form", "get", lambda w: decision_url("create"), ok=FOUND),
    the_team("log a proposal form with its key", "get", lambda w: decision_url("create", query=f"key={FRESH_KEY}"),
             ok=OK),
    the_team("log a proposal form already submitted", "get",
             lambda w: decision_url("create", query=f"key={USED_KEY}"), ok=OK),
    the_team("verdict preview", "get",
             lambda w: decision_url("create", query="purpose_effect=advances&metric_effect=dents"), ok=OK,
             headers={"HTTP_HX_REQUEST": "true"}),
    the_team("verdict preview without javascript", "get",
             lambda w: decision_url("create", query=f"key={FRESH_KEY}&purpose_effect=advances&metric_effect=dents"),
             ok=OK),
    the_team("log a proposal", "post", lambda w: decision_url("create"), ok=FOUND,
             data=lambda w: {"title": "Weekend rota", "purpose_effect": "advances", "metric_effect": "improves",
                             "idempotency_key": str(FRESH_KEY)}),
    the_team("log the same proposal again", "post", lambda w: decision_url("create"), ok=FOUND,
             data=lambda w: {"title": "Weekend rota", "purpose_effect": "advances", "metric_effect": "improves",
                             "idempotency_key": str(USED_KEY)}),
    the_team("decision", "get", lambda w: decision_url("detail", w.decision.pk), ok=OK),
    leaders_only("record decision outcome", "post", lambda w: decision_url("detail", w.decision.pk), leader=FOUND,
                 data=lambda w: {"outcome": "proceed", "reason": "Worth trying", "version": str(w.decision.version)}),
    leaders_only("mark decision reviewed", "post", lambda w: decision_url("reviewed", w.decision.pk), leader=FOUND,
                 data=lambda w: {"next_review_on": ""}),
]


def test_every_decisions_url_is_in_the_matrix():
    """A new URL must be added to CASES above, with its expected status for each role."""
    from decisions.urls import urlpatterns

    covered = {"list", "create", "detail", "reviewed"}
    assert {pattern.name for pattern in urlpatterns} == covered


def _state() -> list:
    """Everything a decisions request could write, to prove a refused one wrote nothing."""
    return list(Decision.objects.order_by("pk").values_list("pk", "outcome", "outcome_reason", "version", "review_on",
                                                            "reviewed_at"))


MATRIX = Matrix(_state)
_request = MATRIX.send
_assert_refused_without_writing = MATRIX.refused_without_writing


def _assert_role(client, case: Case, world: World, status: int) -> None:
    if status in (FORBIDDEN, NOT_FOUND):
        _assert_refused_without_writing(client, case, world, status)
    else:
        assert _request(client, case, world).status_code == status


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, world, case):
    MATRIX.sent_to_log_in(client, case, world)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_stranger_in_another_organisation_gets_404(login, stranger, world, case):
    _assert_refused_without_writing(login(stranger), case, world, NOT_FOUND)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_outsider_in_another_team_gets_404(login, outsider, world, case):
    _assert_role(login(outsider), case, world, case.outsider)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_member(login, member, world, case):
    _assert_role(login(member), case, world, case.member)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_facilitator_is_a_member_for_the_decision_log(login, facilitator, world, case):
    _assert_role(login(facilitator), case, world, case.facilitator)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_leader(login, leader, world, case):
    _assert_role(login(leader), case, world, case.leader)


def test_the_decision_log_link_is_the_teams_alone(login, member, outsider, world):
    """The team's sub-navigation links to the log for the team, not for the rest of the organisation."""
    link = decision_url("list").encode()

    assert link in login(member).get(reverse("charters:detail", args=["harbour", "platform"])).content
    assert link not in login(outsider).get(reverse("charters:detail", args=["harbour", "platform"])).content


@pytest.mark.parametrize("url", [
    lambda w: decision_url("list"), lambda w: decision_url("create", query=f"key={FRESH_KEY}"),
    lambda w: decision_url("detail", w.decision.pk),
], ids=["list", "create", "detail"])
def test_the_log_link_is_the_current_page_on_every_decision_page(login, member, world, url):
    response = login(member).get(url(world))

    assert f'<a href="{decision_url("list")}" aria-current="page">Decision log</a>'.encode() in response.content
