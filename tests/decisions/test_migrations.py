"""Decisions decided before their history existed start it with the call in force."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("decisions", "0001_initial")]
AFTER = [("decisions", "0002_outcome_history_and_idempotency_key")]


@pytest.fixture
def migrate():
    """Move the decisions app to a migration and back to the newest when the test ends."""

    def to(target):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(target)
        return executor.loader.project_state(target).apps

    yield to
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_history_starts_with_each_call_already_made(migrate, team, leader):
    old = migrate(BEFORE)
    Decision = old.get_model("decisions", "Decision")
    decided_at = timezone.now()
    fields = {"team_id": team.pk, "purpose_effect": "advances", "metric_effect": "improves", "verdict": "yes"}
    decided = Decision.objects.create(title="Decided", outcome="decline", outcome_reason="No budget",
                                      decided_by_id=leader.pk, decided_at=decided_at, **fields)
    Decision.objects.create(title="Pending", **fields)

    new = migrate(AFTER)

    calls = list(new.get_model("decisions", "DecisionOutcome").objects.values(
        "decision_id", "outcome", "reason", "decided_by_id", "decided_at"))
    assert calls == [{"decision_id": decided.pk, "outcome": "decline", "reason": "No budget",
                      "decided_by_id": leader.pk, "decided_at": decided_at}]
