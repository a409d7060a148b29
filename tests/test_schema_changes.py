"""Migrations make their schema changes as docs/operations.md's zero-downtime release needs them ("Expand").

An index on a table that already holds rows is built while writes go on: `CREATE INDEX CONCURRENTLY` on
PostgreSQL (`alignment.migration_operations.AddIndexConcurrently`, in a migration with `atomic = False`). The
migrations written before the rule built theirs plainly; they have run wherever the project is deployed, and
stay as they are.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.db.migrations import AddIndex, CreateModel
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState

from alignment.migration_operations import AddIndexConcurrently

# The project's migrations that built an index on an existing table before the rule: each has been applied.
BUILT_BEFORE_THE_RULE = {
    ("alignment", "0020_account_erasure"),
    ("charters", "0009_organisation_goals"),
    ("checkins", "0006_blocker_team"),
    ("decisions", "0003_log_pages_and_investments_due"),
    ("decisions", "0005_decision_reviewed"),
    ("notifications", "0002_email_outbox"),
    ("notifications", "0003_centre_and_unread_indexes"),
    ("reviews", "0003_cycle_open_by_end"),
}


def _indexes_on_existing_tables():
    """Each project migration with the `AddIndex` operations it makes on a model it did not create itself."""
    ours = {config.label for config in apps.get_app_configs() if Path(config.path).parent == Path(settings.BASE_DIR)}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in ours:
            continue
        created = {op.name_lower for op in migration.operations if isinstance(op, CreateModel)}
        added = [op for op in migration.operations if isinstance(op, AddIndex) and op.model_name_lower not in created]
        if added:
            yield (app, name), migration, added


def test_an_index_on_a_table_that_holds_rows_is_built_while_writes_go_on():
    wrong = []
    for named, migration, added in _indexes_on_existing_tables():
        if named in BUILT_BEFORE_THE_RULE:
            continue
        plain = [op.index.name for op in added if type(op) is not AddIndexConcurrently]
        if plain:
            wrong.append(f"{'.'.join(named)}: {', '.join(plain)} with AddIndex, not "
                         "alignment.migration_operations.AddIndexConcurrently")
        elif migration.atomic:
            wrong.append(f"{'.'.join(named)}: builds its indexes concurrently, so it needs `atomic = False`")
    assert not wrong, "\n".join(wrong)


def test_the_rule_finds_the_migrations_built_before_it():
    """The list of earlier migrations names only migrations that are there and build such an index (a name
    mistyped there would let a new migration by that name through)."""
    found = {named for named, _, added in _indexes_on_existing_tables()
             if any(type(op) is not AddIndexConcurrently for op in added)}
    assert found == BUILT_BEFORE_THE_RULE


def _sql_of_a_new_index() -> list[str]:
    """The statements the operation makes for an index on the key results' table, collected, not run."""
    operation = AddIndexConcurrently("keyresult", models.Index(fields=["metric"], name="kr_metric_probe"))
    state = ProjectState.from_apps(apps)
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        operation.database_forwards("charters", editor, state, state)
        operation.database_backwards("charters", editor, state, state)
    return editor.collected_sql


@pytest.mark.django_db(transaction=True)
def test_the_index_is_built_concurrently_on_postgresql_outside_a_transaction():
    made, dropped = _sql_of_a_new_index()
    if connection.vendor == "postgresql":
        assert made.startswith('CREATE INDEX CONCURRENTLY "kr_metric_probe"')
        assert dropped.startswith('DROP INDEX CONCURRENTLY IF EXISTS "kr_metric_probe"')
    else:  # SQLite has no concurrent build: the plain index
        assert made.startswith('CREATE INDEX "kr_metric_probe"')
        assert dropped.startswith("DROP INDEX ") and "CONCURRENTLY" not in dropped


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite builds the plain index in any case")
@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_plain_index_is_built():
    """A migration walked inside a transaction (tests/migration_history.py) cannot build concurrently: it builds
    the plain index, which its transaction holds the table for in any case, rather than failing."""
    with transaction.atomic():
        made, dropped = _sql_of_a_new_index()
    assert made.startswith('CREATE INDEX "kr_metric_probe"')
    assert dropped.startswith("DROP INDEX ") and "CONCURRENTLY" not in dropped
