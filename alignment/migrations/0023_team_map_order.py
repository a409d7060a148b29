"""The organisation map's order as an index, on PostgreSQL only.

The map lists an organisation's teams by `archived_at NULLS FIRST, name, id` (the teams at work first), a
page at a time. With this index its first page is read off the index instead of sorting every team of the
organisation (1,000 at full scale) for 24. SQLite cannot write NULLS FIRST in an index (its NULLs come
first anyway, and it sorts the organisation's teams, as before). Not in `Team.Meta.indexes` for that reason.
"""

from django.db import migrations

INDEX = "team_map_order"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON alignment_team "
                              "(organisation_id, archived_at ASC NULLS FIRST, name, id)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("alignment", "0022_audit_kinds_api_and_import"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
