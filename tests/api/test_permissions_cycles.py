"""Who gets what from the cycle and retrospective routes (all read only).

A cycle is read as its page is: by the team and the organisation's admins (and so a service token). A
retrospective is the team's own: its list and a closed session's summary are 404 to anyone outside the team.
"""

from __future__ import annotations

import pytest

from reviews.models import RetroCard, Retrospective, ReviewCycle
from tests.api.matrix import Matrix, Route, answers, cases
from tests.reviews.retro_factories import charter_in_force, open_cycle, session, write_card

T = "/api/v1/organisations/{org}/teams/{team}"
SUMMARY = answers(200, 200, 200, 404, 404, 200, 200, 401)
TEAM_ONLY = answers(200, 200, 200, 404, 404, 404, 404, 401)

ROUTES = [
    Route("get", T + "/cycles", SUMMARY),
    Route("get", T + "/cycles/{number}", SUMMARY, params=lambda w: {"number": w["cycle"]}),
    Route("get", T + "/retrospectives", TEAM_ONLY),
    Route("get", T + "/retrospectives/{retro_id}/summary", TEAM_ONLY, params=lambda w: {"retro_id": w["retro"]}),
]


@pytest.fixture
def world(team, leader, member, facilitator, outsider, stranger, admin):
    cycle = open_cycle(team, charter_in_force(team))
    retro = session(team, facilitator, phase="closed")
    write_card(retro, member, "Deploys felt calmer")
    return {"org": team.organisation.slug, "team": team.slug, "cycle": cycle.number, "retro": retro.pk}


def state():
    return (list(ReviewCycle.objects.values_list("pk", "state")),
            list(Retrospective.objects.values_list("pk", "phase")), RetroCard.objects.count())


@pytest.mark.parametrize("route", cases(ROUTES))
def test_each_caller_gets_the_answer_in_the_table(route, world, api_as):
    Matrix(state).check_everyone(api_as, route, world)
