"""Cycles roll over by themselves at their end date in the team's zone: once, carried work intact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from alignment.models import Team
from checkins.models import Commitment
from notifications.models import Delivery, Notification
from reviews import rollover
from reviews.models import CycleCommitment, ReviewCycle
from reviews.tasks import remind_review_sessions, roll_over_due_cycles
from tests.concurrency import on_postgresql, run_concurrently
from tests.reviews.retro_factories import CYCLE_END, LONDON, charter_in_force, open_cycle, session

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(team, leader, member):
    """Cycle 1 ending 16 Nov 2026 (London), with one open commitment marked to carry over."""
    cycle = open_cycle(team, charter_in_force(team))
    kept = Commitment.objects.create(team=team, owner=member, title="Rota export", standard="Merged",
                                     due_on=date(2026, 12, 1))
    CycleCommitment.objects.create(cycle=cycle, commitment=kept, carry_over=True)
    return cycle


def midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), LONDON)


def test_a_close_whose_notices_fail_is_not_kept_and_the_next_tick_tells_everyone(team, cycle, leader, member,
                                                                                  monkeypatch):
    """The close and its notices commit together: a process dying between them leaves neither."""
    from notifications import services as notifications

    real = notifications.deliver_many

    def dies(*args, **kwargs):
        raise ConnectionError("the worker's database connection dropped")  # transient: the task retries

    monkeypatch.setattr(notifications, "deliver_many", dies)
    with pytest.raises(ConnectionError):
        rollover.roll_over(now=midnight(CYCLE_END))
    assert ReviewCycle.objects.get(team=team, number=1).is_open
    assert not Delivery.objects.filter(kind=rollover.ROLLOVER).exists()

    monkeypatch.setattr(notifications, "deliver_many", real)
    counts = rollover.roll_over(now=midnight(CYCLE_END))

    assert counts.sent == 2
    assert not ReviewCycle.objects.get(team=team, number=1).is_open
    assert Delivery.objects.filter(kind=rollover.ROLLOVER).count() == 2


def test_a_cycle_rolls_over_at_its_end_date_in_the_teams_zone(team, cycle, leader, member):
    rollover.roll_over(now=midnight(CYCLE_END) - timedelta(minutes=1))
    assert ReviewCycle.objects.get(team=team, number=1).is_open

    counts = rollover.roll_over(now=midnight(CYCLE_END))

    closed, opened = ReviewCycle.objects.filter(team=team).order_by("number")
    assert (closed.state, closed.closed_by, opened.state) == ("closed", None, "open")
    assert opened.start_date == CYCLE_END
    assert list(CycleCommitment.objects.filter(cycle=opened).values_list("commitment__title", flat=True)) == [
        "Rota export"]
    assert counts.sent == 2
    assert sorted(Notification.objects.filter(kind=rollover.ROLLOVER).values_list("recipient__email", flat=True)) \
        == ["leader@example.com", "member@example.com"]
    assert Delivery.objects.filter(kind=rollover.ROLLOVER).first().key == f"cycle-{closed.pk}"


def test_the_end_date_is_judged_in_each_teams_own_zone(team, cycle):
    team.time_zone = "Pacific/Auckland"  # already the 16th there while London is still on the 15th
    team.save()

    rollover.roll_over(now=datetime(2026, 11, 15, 12, 0, tzinfo=UTC))

    assert ReviewCycle.objects.filter(team=team).count() == 2


def test_rolling_over_twice_opens_one_cycle_and_tells_the_team_once(team, cycle, frozen_now):
    frozen_now(midnight(CYCLE_END) + timedelta(hours=1))
    roll_over_due_cycles()
    roll_over_due_cycles.delay()

    assert ReviewCycle.objects.filter(team=team).count() == 2
    opened = ReviewCycle.objects.get(team=team, state="open")
    assert CycleCommitment.objects.filter(cycle=opened).count() == 1
    assert Delivery.objects.filter(kind=rollover.ROLLOVER).count() == 2


@pytest.fixture
def frozen_now(monkeypatch):
    from django.utils import timezone

    return lambda moment: monkeypatch.setattr(timezone, "now", lambda: moment)


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_rollovers_open_one_cycle_with_carried_work_intact(team, cycle):
    now = midnight(CYCLE_END) + timedelta(hours=1)

    outcomes = run_concurrently(*[lambda: rollover.roll_over(now=now)] * 2)

    assert sum(outcome.unwrap().sent for outcome in outcomes) == 2
    assert ReviewCycle.objects.filter(team=team).count() == 2
    opened = ReviewCycle.objects.get(team=team, state="open")
    assert list(CycleCommitment.objects.filter(cycle=opened).values_list("commitment__title", flat=True)) == [
        "Rota export"]
    assert Notification.objects.filter(kind=rollover.ROLLOVER).count() == 2


def test_an_archived_teams_cycle_is_left_alone(team, cycle):
    team.archived_at = midnight(CYCLE_END)
    team.save()

    rollover.roll_over(now=midnight(CYCLE_END) + timedelta(days=1))

    assert ReviewCycle.objects.filter(team=team).count() == 1


def test_the_team_is_reminded_of_its_retrospective_the_day_before(team, cycle, leader, member, facilitator,
                                                                  frozen_now):
    frozen_now(midnight(CYCLE_END) - timedelta(days=3))
    retro = session(team, facilitator)

    rollover.remind_sessions(now=midnight(CYCLE_END) - timedelta(hours=24, minutes=1))
    assert not Delivery.objects.filter(kind=rollover.SESSION).exists()
    frozen_now(midnight(CYCLE_END) - timedelta(hours=23))
    remind_review_sessions()
    remind_review_sessions()

    told = Delivery.objects.filter(kind=rollover.SESSION)
    assert sorted(told.values_list("recipient__email", flat=True)) == [
        "facilitator@example.com", "leader@example.com", "member@example.com"]
    assert {d.key for d in told} == {f"retro-{retro.pk}"}


def _teams_with_due_cycles(organisation, leader, count: int) -> None:
    from alignment.models import Membership

    for n in range(count):
        other = Team.objects.create(organisation=organisation, name=f"Team {n}", slug=f"team-{n}",
                                    time_zone="Europe/London")
        Membership.objects.create(team=other, user=leader, is_leader=True)
        open_cycle(other, charter_in_force(other))


@pytest.mark.parametrize("teams", [2, 20])
def test_rolling_over_costs_the_same_queries_for_2_or_20_cycles(organisation, leader, teams,
                                                               django_assert_num_queries):
    _teams_with_due_cycles(organisation, leader, teams)

    # 1 the due cycles, 1 the empty next batch. Closing and telling in one transaction: its savepoint and
    # release (2). Closing (reviews.services.close_due_cycles): a savepoint,
    # 1 lock them, 1 charters in force, 1 the cycles' goals, 1 the charters' goals, 1 key results,
    # 1 where each stands, 1 the closed cycles (update), 1 the next cycles (insert), 1 their goals
    # (insert), 1 commitments marked to carry, 1 the teams' webhooks (none wants `cycle closed`: nothing more),
    # the release (these cycles hold no key result yet and
    # carry no commitment: those two inserts are skipped). Telling: 1 the teams' people, 1 already told, 1 what each carried;
    # deliver_many's savepoint, claims made, preferences, savepoint + claims + release,
    # notifications, release.
    with django_assert_num_queries(2 + 2 + 13 + 3 + 8):
        counts = rollover.roll_over(now=midnight(CYCLE_END) + timedelta(hours=1))

    assert counts.sent == teams
    assert ReviewCycle.objects.filter(state="open", number=2).count() == teams
