"""Decisions decided before their history existed start it with the call in force."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.migration_history import rolled_back_migrations

BEFORE = [("decisions", "0001_initial")]
AFTER = [("decisions", "0002_outcome_history_and_idempotency_key")]


@pytest.mark.django_db(transaction=True)  # SQLite's foreign key checks go off outside a transaction
def test_the_history_starts_with_each_call_already_made():
    with rolled_back_migrations() as walk:
        walk.start_empty()  # built forward to decisions 0001 and what it depends on, nothing else
        old = walk.to(BEFORE)
        Organisation, Team, User = (old.get_model("alignment", name) for name in ("Organisation", "Team", "User"))
        team = Team.objects.create(organisation=Organisation.objects.create(name="Harbour Health", slug="harbour"),
                                   name="Platform", slug="platform")
        leader = User.objects.create(email="leader@example.com", password="!")
        Decision = old.get_model("decisions", "Decision")
        decided_at = timezone.now()
        fields = {"team_id": team.pk, "purpose_effect": "advances", "metric_effect": "improves", "verdict": "yes"}
        decided = Decision.objects.create(title="Decided", outcome="decline", outcome_reason="No budget",
                                          decided_by_id=leader.pk, decided_at=decided_at, **fields)
        Decision.objects.create(title="Pending", **fields)

        new = walk.to(AFTER)

        calls = list(new.get_model("decisions", "DecisionOutcome").objects.values(
            "decision_id", "outcome", "reason", "decided_by_id", "decided_at"))
        assert calls == [{"decision_id": decided.pk, "outcome": "decline", "reason": "No budget",
                          "decided_by_id": leader.pk, "decided_at": decided_at}]
