"""Who gets what from the routes of organisations, teams, charters, key results and notifications."""

from __future__ import annotations

import pytest

from charters.models import Charter, KeyResult, KeyResultProgress
from notifications.models import Notification
from tests.api.matrix import Matrix, Route, answers, cases

T = "/api/v1/organisations/{org}/teams/{team}"
EVERYONE = answers(200, 200, 200, 200, 200, 200, 200, 401)
IN_ORGANISATION = answers(200, 200, 200, 200, 404, 200, 200, 401)
TEAM_ONLY = answers(200, 200, 200, 404, 404, 404, 404, 401)
PERSONAL = answers(200, 200, 200, 200, 200, 200, 403, 401)

ROUTES = [
    Route("get", "/api/v1/me", EVERYONE),
    Route("get", "/api/v1/organisations", EVERYONE),
    Route("get", "/api/v1/organisations/{org}", IN_ORGANISATION),
    Route("get", "/api/v1/organisations/{org}/teams", IN_ORGANISATION),
    Route("get", T, IN_ORGANISATION),
    Route("get", T + "/people", TEAM_ONLY),
    Route("get", T + "/charter", IN_ORGANISATION),
    Route("get", T + "/charter/versions", IN_ORGANISATION),
    # a proposal is the team's: the rest of the organisation reads ratified versions only
    Route("get", T + "/charter/versions/{number}", TEAM_ONLY, params=lambda w: {"number": w["proposed"]}),
    Route("get", T + "/key-results", IN_ORGANISATION),
    Route("get", T + "/key-results/{key_result_id}/progress", IN_ORGANISATION,
          params=lambda w: {"key_result_id": w["key_result"]}),
    # the leaders record progress; a service token only reads (its scopes have no progress:write)
    Route("post", T + "/key-results/{key_result_id}/progress", answers(201, 403, 403, 404, 404, 404, 403, 401),
          params=lambda w: {"key_result_id": w["key_result"]},
          body=lambda w: {"value": "55", "confidence": "at_risk", "note": "From the API"}),
    Route("get", "/api/v1/notifications", PERSONAL),
    Route("post", "/api/v1/notifications/read", PERSONAL, body=lambda w: {"up_to": w["notification"]}),
]


@pytest.fixture
def world(team, leader, member, facilitator, outsider, stranger, admin, write_charter):
    active = write_charter(team, number=1, state=Charter.State.RATIFIED)
    proposed = write_charter(team, number=2, state=Charter.State.PROPOSED, based_on=active)
    notice = Notification.objects.create(recipient=member, kind="test", subject="Hello", body="", url="/")
    return {"org": team.organisation.slug, "team": team.slug, "proposed": proposed.number,
            "key_result": KeyResult.objects.filter(goal__charter=active).first().pk, "notification": notice.pk}


def state():
    return (list(KeyResultProgress.objects.values_list("pk", flat=True)),
            list(Notification.objects.filter(read_at__isnull=False).values_list("pk", flat=True)))


@pytest.mark.parametrize("route", cases(ROUTES))
def test_each_caller_gets_the_answer_in_the_table(route, world, api_as):
    Matrix(state).check_everyone(api_as, route, world)
