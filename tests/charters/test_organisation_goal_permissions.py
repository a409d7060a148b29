"""Who may open and do what on every organisation-goal URL.

Anonymous people are sent to log in; someone in another organisation gets 404 everywhere; anyone in the
organisation reads its goals: a member, a plain leader (a leader who is no admin), and an outsider (in
another team of it); every write is 403 for them. The organisation's admins (`admin`, in no team, and
the cast's `leader`, who is an admin too) set the goals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse

from alignment.confirm import CONFIRMED
from charters import services
from charters.models import OrganisationGoal, OrganisationKeyResult, OrganisationKeyResultReading
from tests.matrix import Matrix

OK, FOUND, FORBIDDEN, NOT_FOUND = 200, 302, 403, 404
ORG = "harbour"


@dataclass
class World:
    goal: OrganisationGoal
    key_result: OrganisationKeyResult


@pytest.fixture
def world(organisation) -> World:
    goal = services.create_organisation_goal(organisation=organisation, actor=None, objective="Care within a day",
                                             purpose_part="outcome")
    return World(goal=goal, key_result=services.add_organisation_key_result(goal=goal, metric="Visits within a day"))


@pytest.fixture
def plain_leader(make_user, team, add_member):
    """A leader of the team who is no admin of the organisation."""
    user = make_user("plain.leader@example.com", "Pat Plainleader")
    add_member(team, user, "leader")
    return user


@dataclass(frozen=True)
class Case:
    """One request, and the status an admin gets for it (everyone else in the organisation: `reader`)."""

    name: str
    method: str
    url: Callable[[World], str]
    admin: int
    reader: int = FORBIDDEN
    data: Callable[[World], dict] = field(default=lambda w: {})

    def __str__(self) -> str:
        return self.name


def _u(name: str, *args):
    return lambda w: reverse(f"charters:{name}", args=[ORG, *(arg(w) if callable(arg) else arg for arg in args)])


def _goal(w: World) -> int:
    return w.goal.pk


def _kr(w: World) -> int:
    return w.key_result.pk


GOAL = {"objective": "Care within a day, everywhere", "purpose_part": "serves"}

CASES = [
    Case("goals page", "get", _u("org_goals"), admin=OK, reader=OK),
    Case("closed goals page", "get", lambda w: _u("org_goals")(w) + "?show=closed", admin=OK, reader=OK),
    Case("goal page", "get", _u("org_goal", _goal), admin=OK, reader=OK),
    Case("new goal form", "get", _u("org_goal_add"), admin=OK),
    Case("new goal", "post", _u("org_goal_add"), admin=FOUND, data=lambda w: GOAL),
    Case("edit goal form", "get", _u("org_goal_edit", _goal), admin=OK),
    Case("edit goal", "post", _u("org_goal_edit", _goal), admin=FOUND, data=lambda w: {**GOAL, "version": "1"}),
    Case("close goal", "post", _u("org_goal_action", _goal, "close"), admin=FOUND, data=lambda w: CONFIRMED),
    Case("reopen goal", "post", _u("org_goal_action", _goal, "reopen"), admin=FOUND),
    Case("move goal up", "post", _u("org_goal_action", _goal, "up"), admin=FOUND),
    Case("move goal down", "post", _u("org_goal_action", _goal, "down"), admin=FOUND),
    Case("new key result form", "get", _u("org_key_result_add", _goal), admin=OK),
    Case("new key result", "post", _u("org_key_result_add", _goal), admin=FOUND,
         data=lambda w: {"metric": "Referrals on time", "target_value": "95"}),
    Case("edit key result form", "get", _u("org_key_result_edit", _goal, _kr), admin=OK),
    Case("edit key result", "post", _u("org_key_result_edit", _goal, _kr), admin=FOUND,
         data=lambda w: {"metric": "Visits within a day", "version": "1", "target_value": "90"}),
    Case("record reading", "post", _u("org_reading", _goal, _kr), admin=FOUND,
         data=lambda w: {"value": "70", "confidence": "at_risk"}),
]

URL_NAMES = {"org_goals", "org_goal", "org_goal_add", "org_goal_edit", "org_goal_action", "org_key_result_add",
             "org_key_result_edit", "org_reading"}


def test_every_organisation_goal_url_is_in_the_matrix():
    """A new organisation-goal URL (charters' names starting `org_`) must be added to CASES above."""
    from charters.urls import urlpatterns

    assert {p.name for p in urlpatterns if p.name.startswith("org_")} == URL_NAMES
    assert {case.url(World(goal=OrganisationGoal(pk=1), key_result=OrganisationKeyResult(pk=1)))
            .split("/")[3] for case in CASES} == {"goals"}


def _state() -> tuple:
    """Everything an organisation-goal request could write."""
    return (
        list(OrganisationGoal.objects.values_list("pk", "objective", "purpose_part", "position", "version",
                                                  "closed_at")),
        list(OrganisationKeyResult.objects.values_list("pk", "metric", "target_value", "version", "current_value")),
        list(OrganisationKeyResultReading.objects.values_list("pk", "value")),
    )


MATRIX = Matrix(_state)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_anonymous_is_sent_to_log_in(client, world, case):
    MATRIX.sent_to_log_in(client, case, world)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_stranger_in_another_organisation_gets_404(login, stranger, world, case):
    MATRIX.refused_without_writing(login(stranger), case, world, NOT_FOUND)


@pytest.mark.parametrize("person", ["member", "facilitator", "plain_leader", "outsider"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_everyone_else_in_the_organisation_reads_and_may_not_write(request, login, world, case, person):
    client = login(request.getfixturevalue(person))
    if case.reader == OK:
        assert MATRIX.send(client, case, world).status_code == OK
    else:
        MATRIX.refused_without_writing(client, case, world, case.reader)


@pytest.mark.parametrize("person", ["admin", "leader"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_organisations_admins_set_the_goals(request, login, world, case, person):
    assert MATRIX.send(login(request.getfixturevalue(person)), case, world).status_code == case.admin


def test_a_goal_of_another_organisation_is_404_even_to_an_admin(login, admin, stranger):
    from alignment.models import Organisation

    elsewhere = services.create_organisation_goal(organisation=Organisation.objects.get(slug="elsewhere"),
                                                  actor=None, objective="Theirs", purpose_part="serves")

    assert login(admin).get(reverse("charters:org_goal", args=[ORG, elsewhere.pk])).status_code == NOT_FOUND
    assert login(admin).get(reverse("charters:org_goal_edit", args=[ORG, elsewhere.pk])).status_code == NOT_FOUND
