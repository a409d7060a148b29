"""The team's row says whether it has a charter in force and when that charter was ratified, kept by the database.

`alignment_team.charter_in_force` and `charter_ratified_at` (added by alignment's migration 0024) are worked out
from the team's charters by triggers, so that they hold whatever writes the charters: a ratification, the bench's
or an import's rows written in bulk, a restore, a test's `update()`. Each team row written (inserted or updated) is
worked out again from its charters, so a row saved from a copy loaded before a ratification cannot put back what
it read. A charter inserted, deleted, or changed in its state, team or ratification moment, that is or was in
force, works its team's row out again (a version saved whole with none of those changed does not write it).

On SQLite a table rebuilt by a later migration loses its triggers: `tests/charters/test_team_charter_in_force.py`
checks that they are there once every migration has run.
"""

from django.db import migrations

from alignment.migration_operations import keep_by_triggers, stop_keeping_by_triggers

POSTGRESQL = """
CREATE OR REPLACE FUNCTION alignment_team_charter_in_force() RETURNS trigger AS $$
BEGIN
    SELECT charter.ratified_at INTO NEW.charter_ratified_at
        FROM charters_charter AS charter WHERE charter.team_id = NEW.id AND charter.state = 'ratified';
    NEW.charter_in_force := FOUND;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER alignment_team_charter_in_force
    BEFORE INSERT OR UPDATE ON alignment_team
    FOR EACH ROW EXECUTE FUNCTION alignment_team_charter_in_force();

CREATE OR REPLACE FUNCTION charters_charter_in_force_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.state = OLD.state AND NEW.team_id = OLD.team_id
            AND NEW.ratified_at IS NOT DISTINCT FROM OLD.ratified_at THEN
        RETURN NULL;  -- a version saved whole with none of it changed: its team's row is not written
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.state = 'ratified' THEN
        UPDATE alignment_team SET charter_in_force = charter_in_force WHERE id = OLD.team_id;
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.state = 'ratified'
            AND (TG_OP = 'INSERT' OR OLD.state <> 'ratified' OR OLD.team_id <> NEW.team_id) THEN
        UPDATE alignment_team SET charter_in_force = charter_in_force WHERE id = NEW.team_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER charters_charter_in_force_changed
    AFTER INSERT OR DELETE OR UPDATE OF state, ratified_at, team_id ON charters_charter
    FOR EACH ROW EXECUTE FUNCTION charters_charter_in_force_changed();
"""

POSTGRESQL_UNDONE = """
DROP TRIGGER IF EXISTS charters_charter_in_force_changed ON charters_charter;
DROP FUNCTION IF EXISTS charters_charter_in_force_changed();
DROP TRIGGER IF EXISTS alignment_team_charter_in_force ON alignment_team;
DROP FUNCTION IF EXISTS alignment_team_charter_in_force();
"""

# SQLite's triggers cannot change the row being written: each writes the team rows again after. A trigger does
# not fire itself again from within (SQLite's recursive triggers are off), so the team's own stops there.
_WORKED_OUT = """
UPDATE alignment_team SET
    charter_in_force = EXISTS(SELECT 1 FROM charters_charter AS charter
                              WHERE charter.team_id = alignment_team.id AND charter.state = 'ratified'),
    charter_ratified_at = (SELECT charter.ratified_at FROM charters_charter AS charter
                           WHERE charter.team_id = alignment_team.id AND charter.state = 'ratified')
"""
SQLITE = [
    f"CREATE TRIGGER alignment_team_charter_in_force_insert AFTER INSERT ON alignment_team "
    f"BEGIN {_WORKED_OUT} WHERE id = NEW.id; END",
    f"CREATE TRIGGER alignment_team_charter_in_force_update AFTER UPDATE ON alignment_team "
    f"BEGIN {_WORKED_OUT} WHERE id = NEW.id; END",
    f"CREATE TRIGGER charters_charter_in_force_insert AFTER INSERT ON charters_charter "
    f"WHEN NEW.state = 'ratified' BEGIN {_WORKED_OUT} WHERE id = NEW.team_id; END",
    f"CREATE TRIGGER charters_charter_in_force_delete AFTER DELETE ON charters_charter "
    f"WHEN OLD.state = 'ratified' BEGIN {_WORKED_OUT} WHERE id = OLD.team_id; END",
    f"CREATE TRIGGER charters_charter_in_force_update AFTER UPDATE OF state, ratified_at, team_id "
    f"ON charters_charter WHEN (OLD.state = 'ratified' OR NEW.state = 'ratified') AND (OLD.state IS NOT NEW.state "
    f"OR OLD.team_id IS NOT NEW.team_id OR OLD.ratified_at IS NOT NEW.ratified_at) "
    f"BEGIN {_WORKED_OUT} WHERE id IN (OLD.team_id, NEW.team_id); END",
]
SQLITE_TRIGGERS = ["alignment_team_charter_in_force_insert", "alignment_team_charter_in_force_update",
                   "charters_charter_in_force_insert", "charters_charter_in_force_delete",
                   "charters_charter_in_force_update"]

# The teams' rows written again, a batch of ids at a time, so that the triggers work them out.
FILL_IN = "UPDATE alignment_team SET charter_in_force = charter_in_force WHERE id > %s AND id <= %s"
BATCH = 500


def keep(apps, schema_editor):
    keep_by_triggers(schema_editor, postgresql=POSTGRESQL, sqlite=SQLITE, table="alignment_team", fill_in=FILL_IN,
                     batch=BATCH)


def stop_keeping(apps, schema_editor):
    stop_keeping_by_triggers(schema_editor, postgresql=POSTGRESQL_UNDONE, sqlite_triggers=SQLITE_TRIGGERS)


class Migration(migrations.Migration):

    atomic = False  # the teams are filled in a batch at a time

    dependencies = [
        ("alignment", "0024_team_charter_in_force"),
        ("charters", "0015_key_result_falling_indexes"),
    ]

    operations = [
        migrations.RunPython(keep, stop_keeping, elidable=False),
    ]
