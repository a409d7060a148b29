"""Who gets what from the check-in routes: the team's week, one check-in, and one's own check-in.

The facilitator submitted last week's check-in; nobody has written one this week. The leader is only a leader
(no check-in of their own to write); the member reads the week's summary and their own check-ins, not the
facilitator's (the team keeps check-ins closed to it). A save refused by the check-in's state (a stale version,
a closed week) is tested in test_checkins.py: its compare-and-set UPDATE matches no row, which the matrix's
"no write sent" check cannot tell from a write.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from checkins.models import Blocker, CheckIn, KeyResultUpdate
from tests.api.matrix import Matrix, Route, answers, cases
from tests.checkins.conftest import MONDAY, at, charter  # noqa: F401 (a fixture)

T = "/api/v1/organisations/{org}/teams/{team}"
W = T + "/checkins/weeks/{week}"
SUMMARY = answers(200, 200, 200, 404, 404, 200, 200, 401)
TEAM_ONLY = answers(200, 200, 200, 404, 404, 404, 404, 401)
WRITERS = answers(403, 200, 200, 404, 404, 404, 404, 401)
# Members and facilitators write their own; a service token never writes.
SAVING = answers(403, 200, 200, 404, 404, 404, 403, 401)
week = {"week": MONDAY.isoformat()}

ROUTES = [
    Route("get", W, SUMMARY, params=lambda w: week),
    Route("get", W + "/checkins", TEAM_ONLY, params=lambda w: week),
    # the facilitator's own; the leader reads the team's check-ins; the member does not
    Route("get", T + "/checkins/{checkin_id}", answers(200, 403, 200, 404, 404, 404, 404, 401),
          params=lambda w: {"checkin_id": w["checkin"]}),
    Route("get", W + "/mine", WRITERS, params=lambda w: week),
    Route("post", W + "/mine/draft", SAVING, params=lambda w: week,
          body=lambda w: {"version": 0, "progress": "Half-way"}),
    Route("post", W + "/mine/submit", SAVING, params=lambda w: week,
          body=lambda w: {"version": 0, "progress": "Shipped it", "load": "light"}),
]


@pytest.fixture
def world(team, leader, member, facilitator, outsider, stranger, admin, charter, frozen):  # noqa: F811
    frozen(at(2))
    last_week = MONDAY - timedelta(weeks=1)
    submitted = CheckIn.objects.create(team=team, author=facilitator, week=last_week, state="submitted",
                                       submitted_at=at(1, monday=last_week), version=1, progress="Rota done",
                                       load="light")
    return {"org": team.organisation.slug, "team": team.slug, "checkin": submitted.pk}


def state():
    return (list(CheckIn.objects.values_list("pk", "state", "version", "progress", "load")),
            list(Blocker.objects.values_list("pk", "what")), list(KeyResultUpdate.objects.values_list("pk")))


@pytest.mark.parametrize("route", cases(ROUTES))
def test_each_caller_gets_the_answer_in_the_table(route, world, api_as):
    Matrix(state).check_everyone(api_as, route, world)
