"""Whether a team's confidence is falling, on the team's row, for the organisation map's "confidence falling" filter.

The column is kept by the database from the readings, key results and charters (triggers made by charters' migration
0017, which also fills it in for the teams there are): here it is only added, with the index the filter reads.

- The column is added as Django's `AddField` adds it on PostgreSQL (a database default, not null), and in the same
  words on SQLite: there `AddField` (and `RemoveField`, undone) would rebuild the teams' table, and a rebuilt table
  loses its triggers (charters' 0016).
- `team_map_falling` (PostgreSQL only, as `team_map_order` of migration 0023 for the same reason): the map's order for
  the teams whose confidence is falling, so that the filter reads those teams alone. Built while writes go on.
"""

from django.db import migrations, models

from alignment.migration_operations import create_postgresql_index, drop_postgresql_index

COLUMN, FALLING_INDEX = "confidence_falling", "team_map_falling"


def add_column(apps, schema_editor):
    kind = "boolean DEFAULT false" if schema_editor.connection.vendor == "postgresql" else "bool DEFAULT 0"
    schema_editor.execute(f'ALTER TABLE "alignment_team" ADD COLUMN "{COLUMN}" {kind} NOT NULL', params=None)


def drop_column(apps, schema_editor):  # SQLite (3.35 on) drops a column without rebuilding the table
    schema_editor.execute(f'ALTER TABLE "alignment_team" DROP COLUMN "{COLUMN}"', params=None)


def create_index(apps, schema_editor):
    create_postgresql_index(schema_editor, FALLING_INDEX,
                            "alignment_team (organisation_id, archived_at ASC NULLS FIRST, name, id) WHERE confidence_falling")


def drop_index(apps, schema_editor):
    drop_postgresql_index(schema_editor, FALLING_INDEX)


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("alignment", "0024_team_charter_in_force"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="team",
                    name="confidence_falling",
                    field=models.BooleanField(db_default=False, default=False, editable=False),
                ),
            ],
            database_operations=[
                migrations.RunPython(add_column, drop_column, elidable=False),
            ],
        ),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
