"""Schema changes a release can make while the nodes of the last one go on writing (docs/operations.md, "Expand").

`AddIndexConcurrently` builds an index on a table that already holds rows. A plain `CREATE INDEX` holds every
write to its table for as long as the build takes, minutes on a large table; PostgreSQL's `CREATE INDEX
CONCURRENTLY` lets them go on. It cannot run inside a transaction, so a migration using it says `atomic = False`
(`tests/test_architecture.py` checks both for every migration written since the rule).

Where the concurrent build cannot be had, the plain one is made, which ends the same: on SQLite (a development
database, which has no such build), and inside a transaction that someone else opened (a test walking the
migrations inside one, `tests/migration_history.py`), where the table is held by that transaction in any case.
An index on a table the same migration creates needs none of this: the table is empty.

`create_postgresql_index` builds an index only PostgreSQL can say (`NULLS FIRST`, a partial index in the
organisation map's order), the same way; `drop_postgresql_index` undoes it.

`keep_by_triggers` makes the triggers that keep a column worked out by the database (charters' migrations 0016 and
0017), then fills in the rows there are a batch at a time, with no long hold on the table's rows.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
from django.db import transaction
from django.db.migrations import AddIndex


class AddIndexConcurrently(PostgresAddIndexConcurrently):
    """`AddIndex`, built `CONCURRENTLY` on PostgreSQL outside a transaction (see the module)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _concurrently(schema_editor):
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _concurrently(schema_editor):
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


def _concurrently(schema_editor) -> bool:
    connection = schema_editor.connection
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def create_postgresql_index(schema_editor, name: str, on: str) -> None:
    """`CREATE INDEX name ON on` on PostgreSQL alone, concurrently where it can be (see the module)."""
    if schema_editor.connection.vendor == "postgresql":
        concurrently = "CONCURRENTLY " if _concurrently(schema_editor) else ""
        schema_editor.execute(f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {on}", params=None)


def drop_postgresql_index(schema_editor, name: str) -> None:
    """Undo `create_postgresql_index`."""
    if schema_editor.connection.vendor == "postgresql":
        concurrently = "CONCURRENTLY " if _concurrently(schema_editor) else ""
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}", params=None)


def keep_by_triggers(schema_editor, *, postgresql: str, sqlite: list[str], table: str, fill_in: str,
                     batch: int) -> None:
    """Make the triggers (PostgreSQL's statements, or SQLite's one by one) in one transaction, then write the table's
    rows again, `batch` ids at a time, each batch in a transaction of its own, so that the triggers work out the rows
    there are. `fill_in` writes the rows whose ids are after its first parameter and up to its second.

    Kept from the triggers' making on, the rows are filled in a batch at a time (docs/operations.md, "Expand"): no
    long hold on the table's rows while the nodes of the last release go on writing. Runs in a migration with
    `atomic = False`."""
    connection = schema_editor.connection
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            schema_editor.execute(postgresql, params=None)
        elif connection.vendor == "sqlite":
            for statement in sqlite:
                schema_editor.execute(statement, params=None)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        last = cursor.fetchone()[0] or 0
    for start in range(0, last, batch):
        with transaction.atomic(using=connection.alias):
            schema_editor.execute(fill_in, params=[start, start + batch])


def stop_keeping_by_triggers(schema_editor, *, postgresql: str, sqlite_triggers: list[str]) -> None:
    """Undo `keep_by_triggers`: PostgreSQL's statements that drop the triggers, or SQLite's triggers by name."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql, params=None)
    elif vendor == "sqlite":
        for trigger in sqlite_triggers:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}", params=None)
