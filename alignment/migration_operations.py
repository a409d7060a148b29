"""Schema changes a release can make while the nodes of the last one go on writing (docs/operations.md, "Expand").

`AddIndexConcurrently` builds an index on a table that already holds rows. A plain `CREATE INDEX` holds every
write to its table for as long as the build takes, minutes on a large table; PostgreSQL's `CREATE INDEX
CONCURRENTLY` lets them go on. It cannot run inside a transaction, so a migration using it says `atomic = False`
(`tests/test_architecture.py` checks both for every migration written since the rule).

Where the concurrent build cannot be had, the plain one is made, which ends the same: on SQLite (a development
database, which has no such build), and inside a transaction that someone else opened (a test walking the
migrations inside one, `tests/migration_history.py`), where the table is held by that transaction in any case.
An index on a table the same migration creates needs none of this: the table is empty.
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
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
