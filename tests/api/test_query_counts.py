"""The API's reads cost the same number of queries however much there is to read (each query named)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alignment.models import Team
from charters.models import Charter, KeyResult, KeyResultProgress
from notifications.models import Notification

T = "/api/v1/organisations/harbour/teams/platform"


def _world(size: int, *, team, member, write_charter, people):
    Team.objects.bulk_create(Team(organisation=team.organisation, name=f"Team {i}", slug=f"team-{i}")
                             for i in range(size))
    people(team, size)
    charter = write_charter(team, number=1, state=Charter.State.RATIFIED, rows=size)
    for number in range(2, size + 1):  # older versions, each ratified before the next
        Charter.objects.create(team=team, number=number + 100, state=Charter.State.SUPERSEDED, created_by=member)
    key_result = KeyResult.objects.filter(goal__charter=charter).first()
    KeyResultProgress.objects.bulk_create(
        KeyResultProgress(lineage=key_result, key_result=key_result, value=Decimal(i), confidence="on_track",
                          recorded_by=member, is_latest=i == size - 1) for i in range(size))
    Notification.objects.bulk_create(Notification(recipient=member, kind="test", subject=f"Notice {i}", body="",
                                                  url="/") for i in range(size))
    return key_result


# path → (queries, what they are); the token's lookup and the call's audit event are in every count
COUNTS = {
    "/api/v1/organisations/harbour/teams": (4, "token; organisation; a page of teams; audit event"),
    T + "/people": (4, "token; membership and access; a page of the team's people; audit event"),
    T + "/charter": (9, "token; access; version in force; goals with owners; key results; non-negotiables; "
                        "boundaries with tags; latest readings; audit event"),
    T + "/charter/versions": (4, "token; access; a page of versions; audit event"),
    T + "/key-results": (6, "token; access; version in force; key results; latest readings; audit event"),
    T + "/key-results/{kr}/progress": (5, "token; access; the key result; a page of readings; audit event"),
    "/api/v1/notifications": (3, "token; a page of notifications; audit event"),
}


@pytest.mark.parametrize("size", [1, 30])
@pytest.mark.parametrize("path", COUNTS)
def test_reads_are_flat(path, size, api_as, team, member, leader, write_charter, people,
                        django_assert_num_queries):
    key_result = _world(size, team=team, member=member, write_charter=write_charter, people=people)
    api = api_as("member")
    api.get("/api/v1/me")  # the token's last use is written once a minute: not in the counts below

    with django_assert_num_queries(COUNTS[path][0]):
        response = api.get(path.replace("{kr}", str(key_result.pk)))

    assert response.status_code == 200
