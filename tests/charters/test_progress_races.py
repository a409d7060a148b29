"""Progress recorded at the very moment an amendment is ratified, on PostgreSQL.

Either the progress went in while its version was still in force (and, filed under the
lineage, shows on the new version), or it is refused in words: never lost silently,
never a deadlock.
"""

from __future__ import annotations

import pytest

from alignment.errors import ActionRefused
from charters import selectors, services
from charters.models import Charter, KeyResult, KeyResultProgress
from tests.charters.factories import ratified_charter
from tests.concurrency import on_postgresql, run_concurrently

pytestmark = [on_postgresql, pytest.mark.django_db(transaction=True), pytest.mark.parametrize("round_", range(5))]


def test_progress_against_a_ratification_is_kept_or_refused_in_words(round_, team, leader):
    active = ratified_charter(team, leader)
    draft = services.start_amendment(team=team, actor=leader)
    services.propose(charter=draft, actor=leader)
    old = KeyResult.objects.get(goal__charter=active)

    recorded, ratified = run_concurrently(
        lambda: services.record_progress(key_result=old, actor=leader, value=17, confidence="at_risk"),
        lambda: services.ratify(charter=draft, actor=leader, despite_gaps=True),
    )

    assert ratified.unwrap().is_active
    assert Charter.objects.get(pk=active.pk).is_superseded
    new = KeyResult.objects.get(goal__charter=draft)
    if recorded.error is None:
        assert KeyResultProgress.objects.get().key_result_id == old.pk
        selectors.attach_latest_progress([new])
        assert new.latest.progress == recorded.value
    else:
        assert isinstance(recorded.error, ActionRefused)
        assert "superseded" in str(recorded.error)
        assert not KeyResultProgress.objects.exists()
