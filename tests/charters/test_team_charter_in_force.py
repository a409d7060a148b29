"""The team's row says whether it has a charter in force, and since when (`Team.charter_in_force`,
`charter_ratified_at`): kept by the database from the charters' rows (charters' migration 0016) whatever writes
them, so that the organisation map's filters read the teams they list off an index, not every team."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from alignment import selectors as alignment_selectors
from alignment.models import Team
from charters import organisation_map, services
from charters.models import Charter
from tests.charters.factories import ratified_charter
from tests.charters.test_organisation_map import make_team

KEPT_BY = importlib.import_module("charters.migrations.0016_team_charter_in_force")


def row_of(team: Team) -> tuple[bool, object]:
    """What the database says of the team now (not the copy the test holds)."""
    return tuple(Team.objects.filter(pk=team.pk).values_list("charter_in_force", "charter_ratified_at").get())


def test_a_new_team_has_no_charter_in_force(team):
    assert row_of(team) == (False, None)


def test_a_draft_and_a_proposal_are_not_in_force(team, leader):
    charter = services.start_charter(team=team, actor=leader)
    assert row_of(team) == (False, None)
    Charter.objects.filter(pk=charter.pk).update(state=Charter.State.PROPOSED)
    assert row_of(team) == (False, None)


def test_ratifying_puts_the_charter_in_force_with_its_moment(team, leader):
    charter = ratified_charter(team, leader)
    assert row_of(team) == (True, charter.ratified_at)


def test_an_amendment_ratified_brings_its_own_moment(team, leader):
    first = ratified_charter(team, leader)
    amendment = services.start_amendment(team=team, actor=leader)
    assert row_of(team) == (True, first.ratified_at)  # the draft changes nothing
    services.propose(charter=amendment, actor=leader)
    second = services.ratify(charter=amendment, actor=leader, despite_gaps=True)
    assert second.ratified_at > first.ratified_at
    assert row_of(team) == (True, second.ratified_at)


def test_charters_written_straight_into_the_database_are_followed(team, other_team):
    """The bench, an import and the tests write charters without the services: created, in bulk, updated, moved
    to another team, deleted."""
    moment = timezone.now() - timedelta(weeks=10)
    charter = Charter.objects.create(team=team, number=1, state=Charter.State.RATIFIED, ratified_at=moment)
    assert row_of(team) == (True, moment)
    Charter.objects.filter(pk=charter.pk).update(ratified_at=moment + timedelta(days=1))
    assert row_of(team) == (True, moment + timedelta(days=1))
    Charter.objects.filter(pk=charter.pk).update(state=Charter.State.SUPERSEDED)
    assert row_of(team) == (False, None)
    Charter.objects.filter(pk=charter.pk).update(state=Charter.State.RATIFIED)
    assert row_of(team) == (True, moment + timedelta(days=1))
    Charter.objects.filter(pk=charter.pk).update(team=other_team)
    assert (row_of(team), row_of(other_team)) == ((False, None), (True, moment + timedelta(days=1)))
    Charter.objects.filter(pk=charter.pk).delete()
    assert row_of(other_team) == (False, None)
    Charter.objects.bulk_create([Charter(team=team, number=1, state=Charter.State.RATIFIED, ratified_at=moment),
                                 Charter(team=other_team, number=1, state=Charter.State.DRAFT)])
    assert (row_of(team), row_of(other_team)) == ((True, moment), (False, None))


def test_a_charter_in_force_with_no_moment_recorded_is_in_force(team):
    Charter.objects.create(team=team, number=1, state=Charter.State.RATIFIED)
    assert row_of(team) == (True, None)


def test_a_team_saved_from_a_copy_read_before_the_ratification_stays_in_force(team, leader):
    """The admin, a settings form or an import saves every field of a team it loaded earlier: what the copy
    says of its charter is not written over what the database knows."""
    copy = Team.objects.get(pk=team.pk)
    charter = ratified_charter(team, leader)
    assert copy.charter_in_force is False
    copy.name = "Renamed"
    copy.save()
    assert row_of(team) == (True, charter.ratified_at)
    Team.objects.filter(pk=team.pk).update(charter_in_force=False, charter_ratified_at=None)
    assert row_of(team) == (True, charter.ratified_at)


def test_the_triggers_are_there_once_every_migration_has_run(db):
    """On SQLite a table that a later migration rebuilds loses its triggers: if this fails after a new migration,
    that migration must make them again (charters' migration 0016)."""
    expected = ({"alignment_team_charter_in_force", "charters_charter_in_force_changed"}
                if connection.vendor == "postgresql" else set(KEPT_BY.SQLITE_TRIGGERS))
    assert expected <= triggers_there()


def triggers_there() -> set[str]:
    """The names of the triggers the database has (PostgreSQL's own, for its constraints, left out)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        return {name for (name,) in cursor.fetchall()}


def test_the_migration_fills_in_the_teams_there_are(team, other_team, leader, monkeypatch):
    """Teams and charters written before the triggers (as on a database being migrated) are worked out when the
    migration fills in every team, a batch of ids at a time (here one by one)."""
    monkeypatch.setattr(KEPT_BY, "BATCH", 1)
    charter = ratified_charter(team, leader)
    editor = _StatementsInTheTestsTransaction()  # undone with the test's transaction, as the triggers' removal
    KEPT_BY.stop_keeping(None, editor)
    Team.objects.filter(pk__in=[team.pk, other_team.pk]).update(charter_in_force=True,
                                                                   charter_ratified_at=timezone.now())
    assert row_of(other_team)[0] is True  # nothing kept it meanwhile
    KEPT_BY.keep(None, editor)
    assert (row_of(team), row_of(other_team)) == ((True, charter.ratified_at), (False, None))


class _StatementsInTheTestsTransaction:
    """What the migration's functions ask of a schema editor, run in the test's own transaction: SQLite's editor
    cannot be opened inside one."""

    connection = connection

    def execute(self, sql, params=()):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def test_the_filters_and_the_summary_read_the_teams_row(organisation, team, leader):
    now = timezone.now()
    old = make_team(organisation, "Old", review_cadence_weeks=2)
    Charter.objects.create(team=old, number=1, state=Charter.State.RATIFIED, ratified_at=now - timedelta(weeks=5))
    young = make_team(organisation, "Young", review_cadence_weeks=2)
    Charter.objects.create(team=young, number=1, state=Charter.State.RATIFIED, ratified_at=now - timedelta(weeks=3))
    teams = organisation.teams.all()
    assert list(organisation_map.without_ratified_charter(teams, organisation.pk, now, None)) == [team]
    assert set(organisation_map.charter_older_than(teams, organisation.pk, now, "1")) == {old, young}
    assert list(organisation_map.charter_older_than(teams, organisation.pk, now, "2")) == [old]
    assert list(organisation_map.charter_older_than(teams, organisation.pk, now, "3")) == []
    assert organisation_map.organisation_summary(organisation, now).without_charter == 1
    ratified_charter(team, leader)
    assert list(organisation_map.without_ratified_charter(teams, organisation.pk, now, None)) == []


def planned_with_the_whole_organisation_made_dear(query) -> dict:
    """The plan PostgreSQL runs `query` by (with its counts), once the ways of reading the whole organisation (a
    sequential scan, a bitmap of its teams, a sort of them) are made dear: a small table is read whole more cheaply
    than through any index, which an organisation's is not."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE alignment_team")
        for way in ("seqscan", "bitmapscan", "sort"):
            cursor.execute(f"SET LOCAL enable_{way} = off")
    return json.loads(query.explain(analyze=True, format="json"))[0]["Plan"]


def _team_rows_read(plan: dict) -> int:
    """The rows of the teams' table a plan read (returned or filtered out), over every loop."""
    read = 0
    if plan.get("Relation Name") == "alignment_team":
        read += (plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
                 + plan.get("Rows Removed by Index Recheck", 0)) * plan.get("Actual Loops", 1)
    return read + sum(_team_rows_read(child) for child in plan.get("Plans", []))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index that serves it is PostgreSQL's")
def test_no_ratified_charter_can_be_read_off_its_index_alone(organisation):
    """Of 300 teams, 3 have no charter in force: the map's page for the filter can read those 3 rows alone, in the
    map's order, off `team_map_no_charter` (before, it asked each team of the organisation for its charter).

    The plan is asked with the ways that read the whole organisation made dear (a sequential scan, a bitmap of its
    teams, a sort of them): a table this small is read whole more cheaply than through any index, which an
    organisation's is not (on the bench's 1,000 teams the planner takes the index by itself)."""
    now = timezone.now()
    teams = Team.objects.bulk_create(Team(organisation=organisation, name=f"Team {n:03}", slug=f"team-{n:03}")
                                     for n in range(300))
    Charter.objects.bulk_create(Charter(team=team, number=1, state=Charter.State.RATIFIED, ratified_at=now)
                                for team in teams[3:])
    query = alignment_selectors._map_teams(organisation.pk, organisation_map.NO_CHARTER, False, 0, now)
    found = list(query)
    assert [team.name for team in found] == ["Team 000", "Team 001", "Team 002"] and found[0].found == 3
    plan = planned_with_the_whole_organisation_made_dear(query)
    assert "team_map_no_charter" in json.dumps(plan)
    assert _team_rows_read(plan) == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a row's writes are told by PostgreSQL's xmin")
def test_a_version_in_force_saved_whole_unchanged_leaves_its_teams_row_alone(team, leader):
    """A full save of the charter in force (the admin's, say) that changes neither its state, team nor moment does
    not write the team's row: no lock on it is taken behind the charter's (the lock order is team, then charter)."""
    charter = ratified_charter(team, leader)
    with transaction.atomic():  # each write of the row in a transaction of its own, so that xmin tells it
        before = written(team)
    with transaction.atomic():
        charter.amendment_note = "Saved whole"
        charter.save()
    assert written(team) == before
    with transaction.atomic():
        Charter.objects.filter(pk=charter.pk).update(ratified_at=charter.ratified_at - timedelta(days=1))
    assert written(team) != before


def written(team: Team) -> str:
    """Which transaction last wrote the team's row (PostgreSQL's `xmin`): a savepoint has an id of its own."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT xmin::text FROM alignment_team WHERE id = %s", [team.pk])
        return cursor.fetchone()[0]
