"""Whether a team has a charter in force, and since when, on the team's row, for the organisation map's filters.

The two columns are kept by the database from the charters' rows (triggers made by charters' migration 0016,
which also fills them in for the teams there are): here they are only added, with the indexes the filters read.

- `team_charter_age`: "charter older than N cycles", per cycle length.
- `team_map_no_charter` (PostgreSQL only, as `team_map_order` of migration 0023 for the same reason): the map's
  order for the teams with no charter in force, so that "no ratified charter yet" reads those teams alone.

Both are built while writes go on (`CREATE INDEX CONCURRENTLY` on PostgreSQL, `atomic = False`).
"""

from django.db import migrations, models

from alignment.migration_operations import AddIndexConcurrently, create_postgresql_index, drop_postgresql_index

NO_CHARTER_INDEX = "team_map_no_charter"


def create_index(apps, schema_editor):
    create_postgresql_index(schema_editor, NO_CHARTER_INDEX,
                            "alignment_team (organisation_id, archived_at ASC NULLS FIRST, name, id) WHERE NOT charter_in_force")


def drop_index(apps, schema_editor):
    drop_postgresql_index(schema_editor, NO_CHARTER_INDEX)


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ("alignment", "0023_team_map_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="charter_in_force",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.AddField(
            model_name="team",
            name="charter_ratified_at",
            field=models.DateTimeField(editable=False, null=True),
        ),
        AddIndexConcurrently(
            model_name="team",
            index=models.Index(fields=["organisation", "review_cadence_weeks", "charter_ratified_at"],
                               name="team_charter_age"),
        ),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
