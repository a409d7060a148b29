"""The team's row says whether its confidence is falling, kept by the database (`alignment_team.confidence_falling`,
added by alignment's migration 0025).

A team's confidence is falling when its charter in force holds a key result whose lineage's latest reading is less
confident than the reading before it (`charters.organisation_map`). The triggers work the team's row out again
whenever that can change, whatever writes the rows (the services, the admin, the bench's or an import's rows written
in bulk, a restore, a test's `update()`):

- a team row written (inserted or updated): worked out from its charters, so that a row saved from a copy loaded
  earlier cannot put back what it read;
- a reading that was or now is the latest of its lineage and fell (inserted, deleted, or changed in its confidence,
  the confidence before it, whether it is the latest, or its lineage): the team whose charter in force holds that
  lineage. A reading that neither was nor is such a reading writes no team row: most readings;
- a key result added to, removed from or moved between charters in force, whose lineage's latest reading fell;
- a goal added to, removed from or moved between charters in force: its key results come and go with it (a restore
  or a fixture may write a goal after its key results, the foreign keys being checked at the commit);
- a charter coming into force or leaving it: its team's row is written already (charters' 0016), and worked out.

On PostgreSQL the team's row is worked out by a trigger on the row itself (BEFORE), after the row is locked and with
a snapshot taken then: two transactions changing one team's readings at once each work it out under the row's lock,
the second seeing what the first committed. The writers lock the team before the charter (`charters.locks`).

On SQLite a table rebuilt by a later migration loses its triggers: `tests/charters/test_team_confidence_falling.py`
checks that they are there once every migration has run.
"""

from django.db import migrations

from alignment.migration_operations import keep_by_triggers, stop_keeping_by_triggers

# A reading less confident than the one before it (on track > at risk > off track): `models.confidence_fell`, in
# the database's words (tests hold the two together).
FELL = ("(({row}.previous_confidence = 'on_track' AND {row}.confidence IN ('at_risk', 'off_track'))"
        " OR ({row}.previous_confidence = 'at_risk' AND {row}.confidence = 'off_track'))")

# Whether the team in `{team}` has a key result in force whose lineage's latest reading fell.
_FALLING = f"""EXISTS (
    SELECT 1 FROM charters_charter AS charter
        JOIN charters_goal AS goal ON goal.charter_id = charter.id
        JOIN charters_keyresult AS key_result ON key_result.goal_id = goal.id
        JOIN charters_keyresultprogress AS reading
            ON reading.lineage_id = COALESCE(key_result.lineage_id, key_result.id) AND reading.is_latest
    WHERE charter.team_id = {{team}} AND charter.state = 'ratified' AND {FELL.format(row="reading")})"""

# The team whose charter in force holds a key result of the lineage `{lineage}` (one at most: a lineage is one
# team's), off `kr_lineage_root`.
_TEAM_OF_LINEAGE = """SELECT charter.team_id FROM charters_keyresult AS key_result
    JOIN charters_goal AS goal ON goal.id = key_result.goal_id
    JOIN charters_charter AS charter ON charter.id = goal.charter_id
    WHERE COALESCE(key_result.lineage_id, key_result.id) = {lineage} AND charter.state = 'ratified'"""

# The team whose charter in force holds the goal `{goal}`.
_TEAM_OF_GOAL = """SELECT charter.team_id FROM charters_goal AS goal
    JOIN charters_charter AS charter ON charter.id = goal.charter_id
    WHERE goal.id = {goal} AND charter.state = 'ratified'"""

# The team whose charter `{charter}` is in force.
_TEAM_OF_CHARTER = "SELECT team_id FROM charters_charter WHERE id = {charter} AND state = 'ratified'"

_LINEAGE_FELL = f"""EXISTS (SELECT 1 FROM charters_keyresultprogress AS reading
    WHERE reading.lineage_id = {{lineage}} AND reading.is_latest AND {FELL.format(row="reading")})"""

# Written again, a team row is worked out by its own trigger (PostgreSQL) or by the statement after (SQLite).
_WRITTEN_AGAIN = "UPDATE alignment_team SET confidence_falling = confidence_falling WHERE id IN ({teams})"

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION alignment_team_confidence_falling() RETURNS trigger AS $$
BEGIN
    NEW.confidence_falling := {_FALLING.format(team="NEW.id")};
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER alignment_team_confidence_falling
    BEFORE INSERT OR UPDATE ON alignment_team
    FOR EACH ROW EXECUTE FUNCTION alignment_team_confidence_falling();

CREATE OR REPLACE FUNCTION charters_reading_falling_changed() RETURNS trigger AS $$
DECLARE
    fell_before boolean := false;
    fell_now boolean := false;
BEGIN
    IF TG_OP <> 'INSERT' THEN
        fell_before := OLD.is_latest AND {FELL.format(row="OLD")};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        fell_now := NEW.is_latest AND {FELL.format(row="NEW")};
    END IF;
    IF TG_OP = 'UPDATE' AND fell_before = fell_now AND OLD.lineage_id = NEW.lineage_id THEN
        RETURN NULL;  -- the lineage falls, or does not, as before
    END IF;
    IF fell_before THEN
        {_WRITTEN_AGAIN.format(teams=_TEAM_OF_LINEAGE.format(lineage="OLD.lineage_id"))};
    END IF;
    IF fell_now THEN
        {_WRITTEN_AGAIN.format(teams=_TEAM_OF_LINEAGE.format(lineage="NEW.lineage_id"))};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER charters_reading_falling_changed
    AFTER INSERT OR DELETE OR UPDATE OF is_latest, confidence, previous_confidence, lineage_id
    ON charters_keyresultprogress
    FOR EACH ROW EXECUTE FUNCTION charters_reading_falling_changed();

CREATE OR REPLACE FUNCTION charters_key_result_falling_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.goal_id = OLD.goal_id AND NEW.lineage_id IS NOT DISTINCT FROM OLD.lineage_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND {_LINEAGE_FELL.format(lineage="COALESCE(OLD.lineage_id, OLD.id)")} THEN
        {_WRITTEN_AGAIN.format(teams=_TEAM_OF_GOAL.format(goal="OLD.goal_id"))};
    END IF;
    IF TG_OP <> 'DELETE' AND {_LINEAGE_FELL.format(lineage="COALESCE(NEW.lineage_id, NEW.id)")} THEN
        {_WRITTEN_AGAIN.format(teams=_TEAM_OF_GOAL.format(goal="NEW.goal_id"))};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER charters_key_result_falling_changed
    AFTER INSERT OR DELETE OR UPDATE OF goal_id, lineage_id ON charters_keyresult
    FOR EACH ROW EXECUTE FUNCTION charters_key_result_falling_changed();

CREATE OR REPLACE FUNCTION charters_goal_falling_changed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.charter_id = OLD.charter_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' THEN
        {_WRITTEN_AGAIN.format(teams=_TEAM_OF_CHARTER.format(charter="OLD.charter_id"))};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {_WRITTEN_AGAIN.format(teams=_TEAM_OF_CHARTER.format(charter="NEW.charter_id"))};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER charters_goal_falling_changed
    AFTER INSERT OR DELETE OR UPDATE OF charter_id ON charters_goal
    FOR EACH ROW EXECUTE FUNCTION charters_goal_falling_changed();
"""

POSTGRESQL_TRIGGERS = {
    "alignment_team_confidence_falling": "alignment_team",
    "charters_reading_falling_changed": "charters_keyresultprogress",
    "charters_key_result_falling_changed": "charters_keyresult",
    "charters_goal_falling_changed": "charters_goal",
}
POSTGRESQL_UNDONE = "".join(f"DROP TRIGGER IF EXISTS {trigger} ON {table};\nDROP FUNCTION IF EXISTS {trigger}();\n"
                            for trigger, table in POSTGRESQL_TRIGGERS.items())

# SQLite's triggers cannot change the row being written: each works the team rows out after. A trigger does not
# fire itself again from within (SQLite's recursive triggers are off), so the team's own stops there.
_WORKED_OUT = f"UPDATE alignment_team SET confidence_falling = {_FALLING.format(team='alignment_team.id')}"
_CHANGED_READING = "{row}.is_latest AND " + FELL
SQLITE = {
    "alignment_team_confidence_falling_insert":
        f"AFTER INSERT ON alignment_team BEGIN {_WORKED_OUT} WHERE id = NEW.id; END",
    "alignment_team_confidence_falling_update":
        f"AFTER UPDATE ON alignment_team BEGIN {_WORKED_OUT} WHERE id = NEW.id; END",
    "charters_reading_falling_insert":
        f"AFTER INSERT ON charters_keyresultprogress WHEN {_CHANGED_READING.format(row='NEW')} "
        f"BEGIN {_WORKED_OUT} WHERE id IN ({_TEAM_OF_LINEAGE.format(lineage='NEW.lineage_id')}); END",
    "charters_reading_falling_delete":
        f"AFTER DELETE ON charters_keyresultprogress WHEN {_CHANGED_READING.format(row='OLD')} "
        f"BEGIN {_WORKED_OUT} WHERE id IN ({_TEAM_OF_LINEAGE.format(lineage='OLD.lineage_id')}); END",
    "charters_reading_falling_update":
        f"AFTER UPDATE OF is_latest, confidence, previous_confidence, lineage_id ON charters_keyresultprogress "
        f"WHEN ({_CHANGED_READING.format(row='OLD')}) OR ({_CHANGED_READING.format(row='NEW')}) "
        f"BEGIN {_WORKED_OUT} WHERE id IN ({_TEAM_OF_LINEAGE.format(lineage='OLD.lineage_id')}) "
        f"OR id IN ({_TEAM_OF_LINEAGE.format(lineage='NEW.lineage_id')}); END",
    "charters_key_result_falling_insert":
        f"AFTER INSERT ON charters_keyresult "
        f"BEGIN {_WORKED_OUT} WHERE id IN ({_TEAM_OF_GOAL.format(goal='NEW.goal_id')}); END",
    "charters_key_result_falling_delete":
        f"AFTER DELETE ON charters_keyresult "
        f"BEGIN {_WORKED_OUT} WHERE id IN ({_TEAM_OF_GOAL.format(goal='OLD.goal_id')}); END",
    "charters_key_result_falling_update":
        f"AFTER UPDATE OF goal_id, lineage_id ON charters_keyresult "
        f"WHEN OLD.goal_id IS NOT NEW.goal_id OR OLD.lineage_id IS NOT NEW.lineage_id "
        f"BEGIN {_WORKED_OUT} WHERE id IN ({_TEAM_OF_GOAL.format(goal='OLD.goal_id')}) "
        f"OR id IN ({_TEAM_OF_GOAL.format(goal='NEW.goal_id')}); END",
    "charters_goal_falling_insert":
        f"AFTER INSERT ON charters_goal "
        f"BEGIN {_WORKED_OUT} WHERE id IN ({_TEAM_OF_CHARTER.format(charter='NEW.charter_id')}); END",
    "charters_goal_falling_delete":
        f"AFTER DELETE ON charters_goal "
        f"BEGIN {_WORKED_OUT} WHERE id IN ({_TEAM_OF_CHARTER.format(charter='OLD.charter_id')}); END",
    "charters_goal_falling_update":
        f"AFTER UPDATE OF charter_id ON charters_goal WHEN OLD.charter_id IS NOT NEW.charter_id "
        f"BEGIN {_WORKED_OUT} WHERE id IN ({_TEAM_OF_CHARTER.format(charter='OLD.charter_id')}) "
        f"OR id IN ({_TEAM_OF_CHARTER.format(charter='NEW.charter_id')}); END",
}
SQLITE_TRIGGERS = list(SQLITE)

# The teams' rows written again, a batch of ids at a time, so that the triggers work them out.
FILL_IN = "UPDATE alignment_team SET confidence_falling = confidence_falling WHERE id > %s AND id <= %s"
BATCH = 500


def keep(apps, schema_editor):
    keep_by_triggers(schema_editor, postgresql=POSTGRESQL,
                     sqlite=[f"CREATE TRIGGER {trigger} {body}" for trigger, body in SQLITE.items()],
                     table="alignment_team", fill_in=FILL_IN, batch=BATCH)


def stop_keeping(apps, schema_editor):
    stop_keeping_by_triggers(schema_editor, postgresql=POSTGRESQL_UNDONE, sqlite_triggers=SQLITE_TRIGGERS)


class Migration(migrations.Migration):

    atomic = False  # the teams are filled in a batch at a time

    dependencies = [
        ("alignment", "0025_team_confidence_falling"),
        ("charters", "0016_team_charter_in_force"),
    ]

    operations = [
        migrations.RunPython(keep, stop_keeping, elidable=False),
    ]
