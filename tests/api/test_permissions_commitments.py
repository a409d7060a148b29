"""Who gets what from the commitment and renegotiation routes.

The member holds an open commitment and was asked (by the leader) for another; the facilitator asked to drop
one of theirs. Every write is a button of the commitment's page, answered here as the page's service answers
it: the owner's actions refused to anyone else in words (409), a leader's decision to a non-leader (403).
"""

from __future__ import annotations

from datetime import date

import pytest

from checkins import services
from checkins.models import Commitment, Renegotiation
from tests.api.matrix import Matrix, Route, answers, cases

T = "/api/v1/organisations/{org}/teams/{team}"
C = T + "/commitments/{commitment_id}"
TEAM_ONLY = answers(200, 200, 200, 404, 404, 404, 404, 401)
# The owner acts on their own; the facilitator, who may check in, is refused by the service in words.
OWNERS = answers(403, 200, 409, 404, 404, 404, 403, 401)
DUE = date(2031, 1, 10)
new = {"title": "Write the runbook", "standard": "On-call can follow it", "due_on": DUE.isoformat()}

ROUTES = [
    Route("get", T + "/commitments", TEAM_ONLY),
    Route("get", C, TEAM_ONLY, params=lambda w: {"commitment_id": w["open"]}),
    Route("post", T + "/commitments", answers(403, 201, 201, 404, 404, 404, 403, 401), body=lambda w: new),
    Route("post", T + "/commitments/requests", answers(201, 403, 403, 404, 404, 404, 403, 401),
          body=lambda w: {**new, "owner": w["member"]}),
    Route("post", C + "/answer", OWNERS, params=lambda w: {"commitment_id": w["asked"]},
          body=lambda w: {"accept": True}),
    Route("post", C + "/done", OWNERS, params=lambda w: {"commitment_id": w["open"]},
          body=lambda w: {"version": 0}),
    Route("post", C + "/renegotiations", answers(403, 201, 409, 404, 404, 404, 403, 401),
          params=lambda w: {"commitment_id": w["open"]}, body=lambda w: {"kind": "drop", "reason": "No longer needed"}),
    Route("post", T + "/renegotiations/{renegotiation_id}/decision", answers(200, 403, 403, 404, 404, 404, 403, 401),
          params=lambda w: {"renegotiation_id": w["renegotiation"]}, body=lambda w: {"accept": False}),
]


@pytest.fixture
def world(team, leader, member, facilitator, outsider, stranger, admin):
    made = {"team": team, "title": "A commitment", "standard": "Done", "due_on": DUE}
    open_one = services.create_commitment(owner=member, actor=member, **made)
    asked = services.create_commitment(owner=member, actor=leader, **made)
    theirs = services.create_commitment(owner=facilitator, actor=facilitator, **made)
    dropping = services.ask_to_renegotiate(commitment_id=theirs.pk, team=team, actor=facilitator, kind="drop",
                                           reason="Another team does it")
    return {"org": team.organisation.slug, "team": team.slug, "member": member.pk, "open": open_one.pk,
            "asked": asked.pk, "renegotiation": dropping.pk}


def state():
    return (list(Commitment.objects.values_list("pk", "state", "version", "owner_id", "due_on")),
            list(Renegotiation.objects.values_list("pk", "state", "decided_at")))


@pytest.mark.parametrize("route", cases(ROUTES))
def test_each_caller_gets_the_answer_in_the_table(route, world, api_as):
    Matrix(state).check_everyone(api_as, route, world)
