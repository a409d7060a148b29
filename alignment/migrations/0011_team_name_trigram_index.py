"""A trigram index for the organisation map's search by team name, on PostgreSQL only.

The map finds teams by part of their name (`name__icontains`, which PostgreSQL runs as
`UPPER(name::text) LIKE UPPER('%…%')`). A GIN trigram index on that very expression lets a
search of three letters or more look up the teams whose names hold them instead of reading
every team. SQLite has no such index: there the search reads the organisation's teams, as
before. The index is not in `Team.Meta.indexes` because SQLite could not create it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "team_name_trigram"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON alignment_team USING gin (UPPER(name) gin_trgm_ops)")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("alignment", "0010_page_cache_retired"),
    ]

    operations = [
        TrigramExtension(),  # does nothing on other databases
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
