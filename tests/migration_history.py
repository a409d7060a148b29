"""Walk the test database through its migrations inside one transaction that is rolled back.

For the data migrations' tests: migrate to an old state, write rows through the historical models, migrate on
(or back) and read what the migrations made of them. Moving today's schema back is what costs: Django renders
the project's models again for every step it undoes, and every new migration adds to it. So a walk can
`start_empty()` and build forward only what its targets depend on (a database of that time), and a test
module walks once, each scenario on rows of its own. Nothing is migrated forward again afterwards: both
databases roll back schema changes, so rolling back leaves the fully migrated, empty database the next test
expects, even when a step fails half-way.

Inside the transaction on_commit callbacks never run, and foreign keys are checked at once (PostgreSQL: a
table with pending deferred checks cannot be altered) or, on SQLite, by each migration as it ends: SQLite
turns its own checks off for a migration only outside a transaction, so they are off for the whole walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

Targets = list[tuple[str, str | None]]


class MigrationWalk:
    def __init__(self, connection) -> None:
        self.connection = connection

    def to(self, targets: Targets | None) -> StateApps:
        """Migrate to `targets` (None: every app's latest) and return the models as of those migrations.

        An app's target None unapplies all of it; the models returned are those the other targets (and
        what they depend on) describe, which is all a scenario there may use.
        """
        executor = MigrationExecutor(self.connection)
        targets = targets or executor.loader.graph.leaf_nodes()
        executor.migrate(targets)
        return executor.loader.project_state([t for t in targets if t[1] is not None]).apps

    def start_empty(self) -> None:
        """Drop every table, so that `to` builds only what its targets need, forward from nothing.

        A database of that time, with only the apps the migrations under test depend on: far cheaper than
        moving today's whole schema back, which renders the project's models again for every step.
        """
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                # The schema, not just its tables: migrations also make functions (alignment 0016, 0020) and
                # extensions (0011), which would be there already when they make them again.
                cursor.execute("SELECT current_schema()")
                schema = self.connection.ops.quote_name(cursor.fetchone()[0])
                cursor.execute(f"DROP SCHEMA {schema} CASCADE; CREATE SCHEMA {schema}")
            else:
                for table in self.connection.introspection.table_names(cursor):
                    cursor.execute(f"DROP TABLE {self.connection.ops.quote_name(table)}")
        ContentType.objects.clear_cache()

    def latest_of(self, *app_labels: str) -> Targets:
        """The newest migration of each of these apps: on to their latest state and no further."""
        leaves = MigrationExecutor(self.connection).loader.graph.leaf_nodes()
        return [leaf for leaf in leaves if leaf[0] in app_labels]


@contextmanager
def rolled_back_migrations(using: str = DEFAULT_DB_ALIAS) -> Iterator[MigrationWalk]:
    """A walk through the migrations whose every step, and every row written on the way, is rolled back."""
    connection = connections[using]
    sqlite = connection.vendor == "sqlite"
    if sqlite and not connection.disable_constraint_checking():
        raise RuntimeError("SQLite's foreign key checks can only be turned off outside a transaction: "
                           "mark the test django_db(transaction=True)")
    try:
        with transaction.atomic(using):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            yield MigrationWalk(connection)
            transaction.set_rollback(True, using)
    finally:
        if sqlite:
            connection.enable_constraint_checking()
        # Content types written or moved on the way are gone again.
        ContentType.objects.clear_cache()
