"""The team's row says whether its confidence is falling (`Team.confidence_falling`): kept by the database from the
readings, key results and charters (charters' migration 0017) whatever writes them, so that the organisation map's
"confidence falling" filter reads the teams it lists off an index, however many teams' confidence fell."""

from __future__ import annotations

import importlib
import itertools
import json
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from alignment import selectors as alignment_selectors
from alignment.models import Team
from charters import organisation_map, services
from charters.models import Charter, Goal, KeyResult, KeyResultProgress, confidence_fell
from tests.charters.factories import ratified_charter
from tests.charters.test_organisation_map import in_force, key_results_of, make_team, readings
from tests.charters.test_team_charter_in_force import (
    _StatementsInTheTestsTransaction,
    _team_rows_read,
    planned_with_the_whole_organisation_made_dear,
    triggers_there,
    written,
)
from tests.concurrency import on_postgresql, run_concurrently

KEPT_BY = importlib.import_module("charters.migrations.0017_team_confidence_falling")
ON_TRACK, AT_RISK, OFF_TRACK = (c.value for c in KeyResultProgress.Confidence)


def falling(team: Team) -> bool:
    """What the database says of the team now (not the copy the test holds)."""
    return Team.objects.filter(pk=team.pk).values_list("confidence_falling", flat=True).get()


def test_a_team_falls_and_recovers_with_its_latest_reading(team, leader):
    kr = key_results_of(in_force(team))[0]
    assert not falling(team)
    readings(kr, leader, ON_TRACK)
    assert not falling(team)  # one reading: nothing to fall from
    readings(kr, leader, AT_RISK, start=timedelta(days=20))
    assert falling(team)
    readings(kr, leader, OFF_TRACK, start=timedelta(days=19))
    assert falling(team)  # fell again
    readings(kr, leader, OFF_TRACK, start=timedelta(days=18))
    assert not falling(team)  # steady, however low
    readings(kr, leader, ON_TRACK, start=timedelta(days=17))
    assert not falling(team)


def test_a_reading_dated_before_the_latest_leaves_the_latest_to_say(team, leader):
    kr = key_results_of(in_force(team))[0]
    now = timezone.now()
    services.record_progress(key_result=kr, actor=leader, value=1, confidence=ON_TRACK, recorded_at=now)
    services.record_progress(key_result=kr, actor=leader, value=2, confidence=OFF_TRACK,
                             recorded_at=now - timedelta(days=1))
    assert not falling(team)  # off track, then back on track by time
    services.record_progress(key_result=kr, actor=leader, value=3, confidence=ON_TRACK,
                             recorded_at=now - timedelta(days=2))
    services.record_progress(key_result=kr, actor=leader, value=4, confidence=AT_RISK,
                             recorded_at=now + timedelta(days=1))
    assert falling(team)


def test_one_falling_key_result_of_several_is_enough(team, leader):
    steady, dropping = key_results_of(in_force(team, key_results=2))
    readings(steady, leader, ON_TRACK, ON_TRACK)
    readings(dropping, leader, ON_TRACK, AT_RISK)
    assert falling(team)
    readings(steady, leader, ON_TRACK, start=timedelta(days=10))
    assert falling(team)  # the other one's reading changes nothing
    readings(dropping, leader, ON_TRACK, start=timedelta(days=10))
    assert not falling(team)


def test_the_history_carries_on_across_an_amendment_and_only_the_version_in_force_counts(team, leader):
    first = ratified_charter(team, leader)
    readings(key_results_of(first)[0], leader, ON_TRACK, AT_RISK)
    assert falling(team)
    draft = services.start_amendment(team=team, actor=leader, note="Sharper goals")
    assert falling(team)  # a draft changes nothing
    services.propose(charter=draft, actor=leader)
    amended = services.ratify(charter=draft, actor=leader, despite_gaps=True)
    assert falling(team)  # the same lineage, in force again
    services.record_progress(key_result=key_results_of(amended)[0], actor=leader, value=9, confidence=ON_TRACK)
    assert not falling(team)
    services.record_progress(key_result=key_results_of(amended)[0], actor=leader, value=8, confidence=OFF_TRACK)
    assert falling(team)
    Charter.objects.filter(pk=amended.pk).update(state=Charter.State.SUPERSEDED)
    assert not falling(team)  # no charter in force: nothing of it falls


def test_a_key_result_dropped_from_the_charter_in_force_no_longer_counts(organisation, team, leader):
    charter = in_force(team)
    (kr,) = key_results_of(charter)
    readings(kr, leader, ON_TRACK, OFF_TRACK)
    assert falling(team)
    draft_goal = Goal.objects.create(charter=Charter.objects.create(team=team, number=2), position=0, objective="x")
    KeyResult.objects.filter(pk=kr.pk).update(goal=draft_goal)  # moved out of the version in force
    assert not falling(team)
    KeyResult.objects.filter(pk=kr.pk).update(goal=Goal.objects.get(charter=charter))
    assert falling(team)
    Goal.objects.filter(pk=draft_goal.pk).update(charter=charter)  # a goal moved into it changes nothing here
    Goal.objects.filter(charter=charter).exclude(pk=draft_goal.pk).update(charter=draft_goal.charter)
    assert not falling(team)  # the goal holding the falling key result moved out
    KeyResultProgress.objects.all().delete()
    Goal.objects.update(charter=charter)
    assert not falling(team)


def test_a_key_result_added_in_force_to_a_lineage_that_fell_counts_and_removed_stops(team, other_team, leader):
    """A lineage's later version written straight into the charter in force (as an import or the bench does)."""
    old = in_force(other_team)
    (root,) = key_results_of(old)
    readings(root, leader, ON_TRACK, AT_RISK)
    assert falling(other_team)
    Charter.objects.filter(pk=old.pk).update(state=Charter.State.SUPERSEDED)
    assert not falling(other_team)
    goal = Goal.objects.get(charter=in_force(team))
    later = KeyResult.objects.create(goal=goal, position=5, metric="Carried on", lineage=root)
    assert falling(team)
    later.delete()
    assert not falling(team)


def test_readings_written_straight_into_the_database_are_followed(team, leader):
    """The bench, an import and staff write readings without the services: in bulk, changed, deleted."""
    (kr,) = key_results_of(in_force(team))
    now = timezone.now()
    [first, second] = KeyResultProgress.objects.bulk_create([
        KeyResultProgress(key_result=kr, lineage=kr, value=1, confidence=ON_TRACK, recorded_at=now - timedelta(1)),
        KeyResultProgress(key_result=kr, lineage=kr, value=2, confidence=AT_RISK, recorded_at=now,
                          previous_confidence=ON_TRACK, is_latest=True),
    ])
    assert falling(team)
    KeyResultProgress.objects.filter(pk=second.pk).update(confidence=ON_TRACK)
    assert not falling(team)
    KeyResultProgress.objects.filter(pk=second.pk).update(confidence=OFF_TRACK)
    assert falling(team)
    KeyResultProgress.objects.filter(pk=second.pk).update(is_latest=False)
    assert not falling(team)
    KeyResultProgress.objects.filter(pk=second.pk).update(is_latest=True)
    assert falling(team)
    KeyResultProgress.objects.filter(pk=second.pk).delete()
    assert not falling(team)
    KeyResultProgress.objects.filter(pk=first.pk).update(is_latest=True, previous_confidence=ON_TRACK,
                                                          confidence=OFF_TRACK)
    assert falling(team)


@pytest.mark.parametrize("order", list(itertools.permutations(["charter", "goal", "key result", "readings"])),
                         ids=" then ".join)
def test_rows_restored_in_any_order_are_followed(organisation, order):
    """A restore or a fixture writes rows in its own order, the foreign keys checked at the commit: whichever row
    comes last, the team is worked out with it."""
    team = make_team(organisation, "Restored")
    charter_id, goal_id, kr_id = 900001, 900002, 900003
    rows = {
        "charter": lambda: Charter.objects.create(pk=charter_id, team=team, number=1, state=Charter.State.RATIFIED,
                                                  ratified_at=timezone.now()),
        "goal": lambda: Goal.objects.create(pk=goal_id, charter_id=charter_id, position=0, objective="Restored"),
        "key result": lambda: KeyResult.objects.create(pk=kr_id, goal_id=goal_id, position=0, metric="Restored"),
        "readings": lambda: KeyResultProgress.objects.bulk_create([
            KeyResultProgress(key_result_id=kr_id, lineage_id=kr_id, value=1, confidence=ON_TRACK,
                              recorded_at=timezone.now() - timedelta(days=1)),
            KeyResultProgress(key_result_id=kr_id, lineage_id=kr_id, value=2, confidence=AT_RISK,
                              previous_confidence=ON_TRACK, is_latest=True)]),
    }
    for row in order:
        rows[row]()
    assert falling(team)
    Goal.objects.filter(pk=goal_id).delete()  # and removed, the goal first (its key results then go with it)
    assert not falling(team)


def test_a_reading_corrected_in_the_admin_keeps_the_team_as_the_readings_now_say(team, leader):
    (kr,) = key_results_of(in_force(team))
    readings(kr, leader, ON_TRACK, AT_RISK)
    latest = KeyResultProgress.objects.get(is_latest=True)
    services.readings_changed_elsewhere(lineages=[kr.lineage_key], change=lambda: latest.delete())
    assert not falling(team)


@pytest.mark.parametrize("before,now", list(itertools.product([""] + [c.value for c in KeyResultProgress.Confidence],
                                                         [c.value for c in KeyResultProgress.Confidence])))
def test_the_databases_words_for_falling_are_the_models(team, before, now):
    """`models.confidence_fell` (what the cards show) and the migration's `FELL` (what the team's row says) agree on
    every pair of confidences."""
    (kr,) = key_results_of(in_force(team))
    KeyResultProgress.objects.create(key_result=kr, lineage=kr, value=1, confidence=now, previous_confidence=before,
                                     is_latest=True)
    assert falling(team) == KeyResultProgress.objects.filter(confidence_fell()).exists()


def test_a_team_saved_from_a_copy_read_before_its_confidence_fell_stays_falling(team, leader):
    """The admin, a settings form or an import saves every field of a team it loaded earlier."""
    copy = Team.objects.get(pk=team.pk)
    readings(key_results_of(in_force(team))[0], leader, ON_TRACK, OFF_TRACK)
    assert copy.confidence_falling is False
    copy.name = "Renamed"
    copy.save()
    assert falling(team)
    Team.objects.filter(pk=team.pk).update(confidence_falling=False)
    assert falling(team)


def test_the_filter_and_the_cards_agree(organisation, team, other_team, leader):
    readings(key_results_of(in_force(team))[0], leader, ON_TRACK, AT_RISK)
    readings(key_results_of(in_force(other_team))[0], leader, AT_RISK, ON_TRACK)
    teams = list(organisation.teams.order_by("name"))
    cards = organisation_map.load_cards(teams)
    listed = organisation_map.confidence_falling(organisation.teams.all(), organisation.pk, timezone.now(), None)
    assert list(listed) == [t for t in teams if cards[t.pk] and cards[t.pk].confidence.falling] == [team]


def test_the_triggers_are_there_once_every_migration_has_run(db):
    """On SQLite a table that a later migration rebuilds loses its triggers: if this fails after a new migration,
    that migration must make them again (charters' migration 0017)."""
    expected = KEPT_BY.POSTGRESQL_TRIGGERS if connection.vendor == "postgresql" else KEPT_BY.SQLITE_TRIGGERS
    assert set(expected) <= triggers_there()


def test_the_migration_fills_in_the_teams_there_are(team, other_team, leader, monkeypatch):
    """Teams and readings written before the triggers (as on a database being migrated) are worked out when the
    migration fills in every team, a batch of ids at a time (here one by one)."""
    monkeypatch.setattr(KEPT_BY, "BATCH", 1)
    readings(key_results_of(in_force(team))[0], leader, ON_TRACK, OFF_TRACK)
    editor = _StatementsInTheTestsTransaction()  # undone with the test's transaction, as the triggers' removal
    KEPT_BY.stop_keeping(None, editor)
    Team.objects.filter(pk=team.pk).update(confidence_falling=False)
    Team.objects.filter(pk=other_team.pk).update(confidence_falling=True)
    assert (falling(team), falling(other_team)) == (False, True)  # nothing kept them meanwhile
    KEPT_BY.keep(None, editor)
    assert (falling(team), falling(other_team)) == (True, False)


# PostgreSQL: the index, the row's writes, the lock order, races ---------------------------------------------------

@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index that serves it is PostgreSQL's")
def test_falling_can_be_read_off_its_index_alone(organisation, leader):
    """Of 300 teams, 3 have a falling key result: the map's page for the filter can read those 3 rows alone, in the
    map's order, off `team_map_falling` (before, it worked out every falling reading of the database and followed
    each to its team). Asked with the ways that read the whole organisation made dear, as
    `test_no_ratified_charter_can_be_read_off_its_index_alone` asks it."""
    now = timezone.now()
    teams = Team.objects.bulk_create(Team(organisation=organisation, name=f"Team {n:03}", slug=f"team-{n:03}")
                                     for n in range(300))
    for team in teams[:3]:
        (kr,) = key_results_of(in_force(team))
        KeyResultProgress.objects.create(key_result=kr, lineage=kr, value=1, confidence=OFF_TRACK,
                                         previous_confidence=ON_TRACK, is_latest=True)
    query = alignment_selectors._map_teams(organisation.pk, organisation_map.FALLING, False, 0, now)
    found = list(query)
    assert [team.name for team in found] == ["Team 000", "Team 001", "Team 002"] and found[0].found == 3
    plan = planned_with_the_whole_organisation_made_dear(query)
    assert "team_map_falling" in json.dumps(plan)
    assert _team_rows_read(plan) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a row's writes are told by PostgreSQL's xmin")
def test_a_reading_that_neither_falls_nor_recovers_leaves_the_teams_row_alone(team, leader):
    """Most readings neither start nor end a fall: they write no team row (the services hold it, without writing
    it, for the lock order)."""
    (kr,) = key_results_of(in_force(team))
    with transaction.atomic():  # each write of the row in a transaction of its own, so that xmin tells it
        readings(kr, leader, ON_TRACK)
    with transaction.atomic():
        before = written(team)
    for day, confidence in enumerate([ON_TRACK, ON_TRACK]):  # steady
        with transaction.atomic():
            readings(kr, leader, confidence, start=timedelta(days=9 - day))
    assert written(team) == before
    with transaction.atomic():
        readings(kr, leader, AT_RISK, start=timedelta(days=5))  # fell
    fell = written(team)
    assert fell != before and falling(team)
    with transaction.atomic():
        readings(kr, leader, ON_TRACK, start=timedelta(days=4))  # recovered
    assert written(team) != fell and not falling(team)


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # read afresh, not as first read in this transaction
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock')")
        return cursor.fetchone()[0]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_recording_progress_holds_the_team_before_the_charter(team, leader):
    """The lock order (`charters.locks`): a reading waits on the team's row before it takes the charter's, so that
    a ratification (team, then charter) and a reading that writes the team's row cannot wait on each other."""
    (kr,) = key_results_of(in_force(team))
    charter_id = kr.goal.charter_id
    holding, failed = threading.Event(), []

    def record():
        try:
            holding.wait(10)
            services.record_progress(key_result=kr, actor=leader, value=1, confidence=ON_TRACK)
        except BaseException as exc:  # reported to the test below
            failed.append(exc)
        finally:
            connections.close_all()

    worker = threading.Thread(target=record)
    worker.start()
    try:
        with transaction.atomic():
            Team.objects.select_for_update().get(pk=team.pk)  # as `lock_team`: a ratification's first lock
            holding.set()
            deadline = time.monotonic() + 10
            while not _waiting_on_a_lock():  # until the reading waits on the team's row
                assert not failed and time.monotonic() < deadline, f"the reading never waited on the team's row {failed}"
                threading.Event().wait(0.01)
            with connection.cursor() as cursor:  # the charter is free meanwhile: not taken first
                cursor.execute("SELECT id FROM charters_charter WHERE id = %s FOR UPDATE NOWAIT", [charter_id])
    finally:
        worker.join(10)
    assert not failed
    assert KeyResultProgress.objects.filter(lineage_id=kr.pk).count() == 1


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_two_readings_at_once_leave_the_team_as_both_say(round_, team, leader):
    """One key result recovers while another falls, in two transactions at the same moment: each works the team's
    row out under its lock, the second seeing what the first committed, so the team is falling once both are in."""
    recovering, dropping = key_results_of(in_force(team, key_results=2))
    readings(recovering, leader, ON_TRACK, OFF_TRACK)
    readings(dropping, leader, ON_TRACK)
    assert falling(team)

    outcomes = run_concurrently(
        lambda: services.record_progress(key_result=recovering, actor=leader, value=5, confidence=ON_TRACK),
        lambda: services.record_progress(key_result=dropping, actor=leader, value=5, confidence=AT_RISK),
    )

    assert all(outcome.error is None for outcome in outcomes)
    assert falling(team)


@on_postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_a_falling_reading_against_a_ratification_neither_deadlocks_nor_is_lost(round_, team, leader):
    first = ratified_charter(team, leader)
    (old,) = key_results_of(first)
    readings(old, leader, ON_TRACK)
    draft = services.start_amendment(team=team, actor=leader)
    services.propose(charter=draft, actor=leader)

    recorded, ratified = run_concurrently(
        lambda: services.record_progress(key_result=old, actor=leader, value=1, confidence=OFF_TRACK),
        lambda: services.ratify(charter=draft, actor=leader, despite_gaps=True),
    )

    assert ratified.error is None
    assert falling(team) == (recorded.error is None)  # the lineage fell if the reading went in, on either version
