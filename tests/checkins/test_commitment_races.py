"""Two leaders deciding the same renegotiation at the same instant, each on its own PostgreSQL connection.

The commitment's row lock orders them: one decision is recorded and applied, the other is
told in words who decided first. Never two decisions, never a 500.
"""

from __future__ import annotations

from datetime import date

import pytest

from alignment.errors import ActionRefused
from checkins import services
from checkins.models import Commitment, Renegotiation
from tests.concurrency import on_postgresql, run_concurrently

ROUNDS = 5


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_leaders_deciding_at_once_make_one_decision(team, member, leader, make_user, add_member):
    other_leader = make_user("second@example.com", "Sam Second")
    add_member(team, other_leader, "leader")
    for _ in range(ROUNDS):
        Commitment.objects.all().delete()
        kept = Commitment.objects.create(team=team, owner=member, title="Runbook", standard="Tested",
                                         due_on=date(2026, 12, 1))
        renegotiation = Renegotiation.objects.create(commitment=kept, kind="defer", reason="On call",
                                                     asked_by=member, was_due_on=kept.due_on, was_owner=member,
                                                     proposed_due_on=date(2026, 12, 11))

        outcomes = run_concurrently(*(
            (lambda who=who, accept=accept, pk=renegotiation.pk: services.decide_renegotiation(
                renegotiation_id=pk, team=team, actor=who, accept=accept, comment=who.name))
            for who, accept in [(leader, True), (other_leader, False)]
        ))

        refused = [o.error for o in outcomes if o.error is not None]
        assert len(refused) == 1 and isinstance(refused[0], ActionRefused)
        renegotiation.refresh_from_db()
        winner = renegotiation.decided_by
        assert f"{winner.name} already {renegotiation.get_state_display()}" in str(refused[0])
        assert renegotiation.comment == winner.name
        kept.refresh_from_db()
        assert kept.due_on == (date(2026, 12, 11) if renegotiation.is_accepted else date(2026, 12, 1))
