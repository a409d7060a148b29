"""Key results written before lineages existed get theirs by walking `origin` back to the first."""

from __future__ import annotations

import pytest

BEFORE = [("charters", "0002_consent_round")]
AFTER = [("charters", "0003_key_result_progress")]


@pytest.mark.django_db(transaction=True)
def test_each_key_result_takes_the_first_of_its_origin_chain_as_lineage(migrate, team, leader):
    old = migrate(BEFORE)
    Charter, Goal, KeyResult = (old.get_model("charters", name) for name in ("Charter", "Goal", "KeyResult"))
    versions = [Charter.objects.create(team_id=team.pk, number=n, state=state)
                for n, state in [(1, "superseded"), (2, "superseded"), (3, "ratified")]]
    goals = [Goal.objects.create(charter=charter, objective="Reliable records") for charter in versions]
    first = KeyResult.objects.create(goal=goals[0], metric="Uptime")
    second = KeyResult.objects.create(goal=goals[1], metric="Uptime", origin=first)
    third = KeyResult.objects.create(goal=goals[2], metric="Uptime", origin=second)
    added_in_v2 = KeyResult.objects.create(goal=goals[1], metric="Bookings")
    copied_from_v2 = KeyResult.objects.create(goal=goals[2], metric="Bookings", origin=added_in_v2)

    new = migrate(AFTER)

    lineage = dict(new.get_model("charters", "KeyResult").objects.values_list("pk", "lineage_id"))
    assert lineage == {
        first.pk: first.pk, second.pk: first.pk, third.pk: first.pk,
        added_in_v2.pk: added_in_v2.pk, copied_from_v2.pk: added_in_v2.pk,
    }
