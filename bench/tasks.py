"""The scheduler's work at scale (`manage.py bench --tasks`): reminders for everyone, and every cycle rolled over.

Each measure runs in a transaction that is rolled back, so the dataset stays as built and the
measure can run again. Inside it, every team of the measured organisation is made due at once
(teams of other organisations are archived for the moment, so that only the measured ones count):

- reminders: every team's check-in time has just passed this week (in UTC), so everyone who checks
  in and has not submitted this week's check-in is reminded: `checkins.reminders.send_reminders`,
  the body of the `dispatch_due_reminders` task;
- rollovers: every open cycle ended yesterday, so `reviews.rollover.roll_over` (the body of
  `roll_over_due_cycles`) closes each one, opens the next and tells the team.

What is reported: how many were done, the task's time, its SQL queries in all and per batch of
people or cycles. The emails are queued on commit, so the rollback also keeps them from being sent.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from time import perf_counter

from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alignment.models import Team
from alignment.weeks import monday_of
from checkins import reminders
from notifications.models import Delivery, Notification
from reviews import rollover
from reviews.models import CycleCommitment, CycleGoal, CycleKeyResult, ReviewCycle

# Targets of the scheduler (issue: "dispatching reminders for 10,000 people ... ≤ 2 s of task time;
# rolling over 1,000 due cycles ≤ 5 s").
TARGET_SECONDS = {"reminders": 2.0, "rollovers": 5.0}


class _RolledBack(Exception):
    pass


def _measure_rolled_back(prepare: Callable[[], None], run: Callable[[], dict]) -> dict:
    result: dict = {}
    try:
        with transaction.atomic():
            prepare()
            with CaptureQueriesContext(connection) as queries:
                started = perf_counter()
                result.update(run())
                result["seconds"] = round(perf_counter() - started, 3)
            result["queries"] = len(queries)
            raise _RolledBack
    except _RolledBack:
        pass
    return result


def _only(org_slug: str) -> None:
    """Archive every other organisation's teams for the length of the transaction."""
    Team.objects.exclude(organisation__slug=org_slug).filter(archived_at__isnull=True).update(
        archived_at=timezone.now())


def measure_reminders(org_slug: str, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    # Wednesday noon (UTC) of this week: every team's check-in (Wednesday 09:00) is due, its nudge not yet.
    moment = datetime.combine(monday_of(now.astimezone(UTC).date()) + timedelta(days=2), time(12, 0), UTC)

    def prepare() -> None:
        _only(org_slug)
        Team.objects.filter(organisation__slug=org_slug).update(time_zone="UTC", checkin_weekday=2,
                                                                checkin_time=time(9, 0))

    def run() -> dict:
        counts = reminders.send_reminders(now=moment)
        return {"done": counts.sent, "failed": counts.failed,
                "batches": max(1, -(-counts.sent // reminders.BATCH_SIZE)),
                "per": f"batch of {reminders.BATCH_SIZE}"}

    return _measure_rolled_back(prepare, run)


def measure_rollovers(org_slug: str, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    today = now.astimezone(UTC).date()

    def prepare() -> None:
        _only(org_slug)
        Team.objects.filter(organisation__slug=org_slug).update(time_zone="UTC")
        ReviewCycle.objects.filter(team__organisation__slug=org_slug, state=ReviewCycle.State.OPEN).update(
            end_date=today - timedelta(days=1), start_date=Least(F("start_date"), Value(today - timedelta(days=8))))

    def run() -> dict:
        before = ReviewCycle.objects.filter(team__organisation__slug=org_slug,
                                            state=ReviewCycle.State.CLOSED).count()
        counts = rollover.roll_over(now=now)
        rolled = ReviewCycle.objects.filter(team__organisation__slug=org_slug,
                                            state=ReviewCycle.State.CLOSED).count() - before
        return {"done": rolled, "told": counts.sent, "failed": counts.failed,
                "batches": max(1, -(-rolled // rollover.BATCH_SIZE)), "per": f"batch of {rollover.BATCH_SIZE}"}

    return _measure_rolled_back(prepare, run)


def _tidy() -> None:
    """The rolled-back measures leave every team's and cycle's row version behind as dead tuples: vacuum
    them now, or the pages measured next read through them (PostgreSQL; not inside a transaction)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = [model._meta.db_table for model in (Team, ReviewCycle, CycleGoal, CycleKeyResult, CycleCommitment,
                                                 Delivery, Notification)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def measure(org_slug: str) -> dict:
    try:
        results = {"reminders": measure_reminders(org_slug), "rollovers": measure_rollovers(org_slug)}
    finally:
        _tidy()
    for key, result in results.items():
        result["per_batch"] = round(result["queries"] / result["batches"], 1)
        result["target_seconds"] = TARGET_SECONDS[key]
        result["met"] = result["seconds"] <= TARGET_SECONDS[key] and not result["failed"]
    return results


def table(results: dict) -> str:
    rows = [f"{'task':<12}{'done':>8}{'seconds':>10}{'target':>8}{'queries':>10}   queries per", "-" * 72]
    for key, r in results.items():
        rows.append(f"{key:<12}{r['done']:>8,}{r['seconds']:>10.2f}{r['target_seconds']:>8.1f}"
                    f"{r['queries']:>10,}   {r['per_batch']:,} per {r['per']:<16}{'ok' if r['met'] else 'MISS'}")
    return "\n".join(rows)
