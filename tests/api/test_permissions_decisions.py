"""Who gets what from the decision log's routes: the team and the organisation's admins read it, the team logs."""

from __future__ import annotations

import pytest

from charters.models import Charter
from decisions import services
from decisions.models import Decision, DecisionOutcome
from tests.api.matrix import Matrix, Route, answers, cases
from tests.decisions.conftest import people, write_charter  # noqa: F401 (fixtures)

T = "/api/v1/organisations/{org}/teams/{team}"
SUMMARY = answers(200, 200, 200, 404, 404, 200, 200, 401)

ROUTES = [
    Route("get", T + "/decisions", SUMMARY),
    Route("get", T + "/decisions/{decision_id}", SUMMARY, params=lambda w: {"decision_id": w["decision"]}),
    # everyone in the team logs a proposal; an admin outside it does not; a service token never writes
    Route("post", T + "/decisions", answers(201, 201, 201, 404, 404, 404, 403, 401),
          body=lambda w: {"title": "Pair on every release", "purpose_effect": "advances", "metric_effect": "neutral"}),
]


@pytest.fixture
def world(team, leader, member, facilitator, outsider, stranger, admin, write_charter):  # noqa: F811
    write_charter(team, state=Charter.State.RATIFIED)
    logged = services.log_decision(team=team, actor=member, title="Drop the Friday demo", purpose_effect="neutral",
                                   metric_effect="neutral")
    return {"org": team.organisation.slug, "team": team.slug, "decision": logged.pk}


def state():
    return (list(Decision.objects.values_list("pk", "outcome", "version")),
            list(DecisionOutcome.objects.values_list("pk")))


@pytest.mark.parametrize("route", cases(ROUTES))
def test_each_caller_gets_the_answer_in_the_table(route, world, api_as):
    Matrix(state).check_everyone(api_as, route, world)
