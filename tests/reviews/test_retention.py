"""The closed-cycle retention purge (`reviews.retention`): an organisation's closed cycles older than its
retention go, with their retrospectives; open cycles, charter versions and commitments stay. The clock
moves by passing `now=`."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from alignment.models import Organisation, Team
from alignment.weeks import months_before
from charters.models import Charter
from checkins.models import Commitment
from reviews import retention, tasks
from reviews.models import CycleCommitment, RetroCard, RetroPrompt, Retrospective, ReviewCycle
from tests.charters.factories import ratified_charter

NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


@pytest.fixture
def kept_six_months(organisation) -> Organisation:
    Organisation.objects.filter(pk=organisation.pk).update(closed_cycle_retention_months=6)
    return organisation


def cycle(team, number: int, *, closed_at: datetime | None, charter=None) -> ReviewCycle:
    return ReviewCycle.objects.create(
        team=team, number=number, start_date=date(2020, number, 1), end_date=date(2020, number, 28), charter=charter,
        state=ReviewCycle.State.CLOSED if closed_at else ReviewCycle.State.OPEN, closed_at=closed_at)


def with_retrospective(cycle_: ReviewCycle, author) -> Retrospective:
    retro = Retrospective.objects.create(team=cycle_.team, cycle=cycle_)
    prompt = RetroPrompt.objects.create(retrospective=retro, text="What went well?")
    RetroCard.objects.create(retrospective=retro, prompt=prompt, author=author, text="Pairing")
    return retro


def test_months_before_keeps_the_day_or_the_months_last(db):
    assert months_before(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2026, 2, 28, tzinfo=UTC)
    assert months_before(datetime(2026, 3, 15, tzinfo=UTC), 15) == datetime(2024, 12, 15, tzinfo=UTC)


def test_closed_cycles_older_than_the_retention_go_with_their_retrospective(kept_six_months, team, leader):
    charter = ratified_charter(team, leader)
    ReviewCycle.objects.all().delete()  # ratifying opened the team's first cycle: these tests lay out their own
    old = cycle(team, 1, closed_at=datetime(2026, 6, 3, tzinfo=UTC), charter=charter)  # 6 months and a day ago
    recent = cycle(team, 2, closed_at=datetime(2026, 6, 5, tzinfo=UTC), charter=charter)
    cycle(team, 3, closed_at=None, charter=charter)  # open: never purged
    with_retrospective(old, leader)
    newer = with_retrospective(recent, leader)
    Retrospective.objects.filter(pk=newer.pk).update(previous=old.retrospectives.get())
    commitment = Commitment.objects.create(team=team, owner=leader, title="Runbook", due_on=date(2026, 6, 1))
    CycleCommitment.objects.create(cycle=old, commitment=commitment)

    counts = retention.purge_closed_cycles(now=NOW)

    assert counts.cycles == 1 and counts.organisations == {"harbour": 1}
    assert sorted(ReviewCycle.objects.values_list("number", flat=True)) == [2, 3]
    assert Retrospective.objects.count() == 1 and Retrospective.objects.get().previous is None
    assert RetroCard.objects.count() == 1
    assert Charter.objects.filter(pk=charter.pk).exists()
    assert Commitment.objects.filter(pk=commitment.pk).exists()
    assert not CycleCommitment.objects.exists()


def test_the_purge_is_idempotent_and_batched(kept_six_months, team, leader):
    for number in range(1, 6):
        cycle(team, number, closed_at=datetime(2025, 1, number, tzinfo=UTC))

    assert retention.purge_closed_cycles(now=NOW, batch=2).cycles == 5
    assert retention.purge_closed_cycles(now=NOW, batch=2).cycles == 0
    assert not ReviewCycle.objects.exists()


def test_an_organisation_without_retention_keeps_everything(organisation, kept_six_months, leader):
    other = Organisation.objects.create(name="Elsewhere", slug="elsewhere")
    kept = Team.objects.create(organisation=other, name="Ops", slug="ops")
    cycle(kept, 1, closed_at=datetime(2019, 1, 1, tzinfo=UTC))

    assert tasks.purge_closed_cycles.delay().get() == {"cycles": 0, "rows": 0}
    assert ReviewCycle.objects.filter(team=kept).exists()


def test_moving_the_clock_brings_a_cycle_past_the_retention(kept_six_months, team):
    cycle(team, 1, closed_at=datetime(2026, 6, 10, tzinfo=UTC))

    assert retention.purge_closed_cycles(now=NOW).cycles == 0
    assert retention.purge_closed_cycles(now=datetime(2026, 12, 10, 0, 1, tzinfo=UTC)).cycles == 1
