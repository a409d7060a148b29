"""Two deployments sharing one Redis database never read each other's kept parts: keys name the database.

A kept part's key is made of ids and versions (`alignment/fragments.py`), which two databases both have. The
shared cache's keys begin with the database's identity (`config/cache_keys.py`): the same for every process of
a deployment, however it reaches PostgreSQL (pgbouncer's tests check it through the pooler), and another for
another database.
"""

from __future__ import annotations

from types import SimpleNamespace

import psycopg
import pytest
from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from config import cache_keys

needs_postgresql = pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                                      reason="a PostgreSQL cluster's identity: run with DATABASE_URL=postgres://...")


@pytest.fixture
def another_database(transactional_db):
    """A second database on the same PostgreSQL, as a second deployment beside this one would have; the default
    connection is pointed at it with `use()` and back at the test's own when the test ends."""
    own = dict(connection.settings_dict)
    name = f"{own['NAME']}_beside"
    admin = psycopg.connect(host=own["HOST"] or "127.0.0.1", port=own["PORT"] or 5432, user=own["USER"] or "postgres",
                            password=own["PASSWORD"] or None, dbname=own["NAME"], autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')

    def use(database: str) -> None:
        connection.close()
        connection.settings_dict["NAME"] = database
        connection.ensure_connection()

    yield SimpleNamespace(name=name, own=own["NAME"], use=use)
    use(own["NAME"])
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.close()


def test_a_key_is_djangos_behind_the_databases_identity(db):
    identity = cache_keys.database_identity()

    assert cache_keys.make_key("charter-section:12:3", "", 1) == f"{identity}::1:charter-section:12:3"
    assert len(identity) == 12 and identity == cache_keys.database_identity()


def test_a_new_connection_to_the_same_database_reads_the_same_identity(db):
    before = cache_keys.database_identity()
    connection.close()

    assert cache_keys.database_identity() == before


@needs_postgresql
def test_a_part_kept_by_one_deployment_is_not_read_by_another_sharing_its_redis(another_database, own_redis):
    """Two deployments, one Redis database: each reads only what it kept, under the same part's name."""
    shared = RedisCache(own_redis.url, {"KEY_FUNCTION": "config.cache_keys.make_key"})
    shared.set("charter-purpose:1:1", "<p>Production's purpose</p>")
    ours = cache_keys.database_identity()

    another_database.use(another_database.name)
    theirs = cache_keys.database_identity()
    assert theirs != ours
    assert shared.get("charter-purpose:1:1") is None  # not production's
    shared.set("charter-purpose:1:1", "<p>Staging's purpose</p>")

    another_database.use(another_database.own)
    assert cache_keys.database_identity() == ours
    assert shared.get("charter-purpose:1:1") == "<p>Production's purpose</p>"


@needs_postgresql
def test_the_identity_is_the_clusters_with_the_databases_name(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT system_identifier::text, current_database() FROM pg_control_system()")
        system, name = cursor.fetchone()

    assert cache_keys.database_identity() == cache_keys._digest(f"{system}/{name}")


def test_on_sqlite_the_identity_is_the_files(tmp_path):
    def identity(path) -> str:
        cache_keys._learn(SimpleNamespace(vendor="sqlite", settings_dict={"NAME": path}))
        return cache_keys._identity

    try:
        first, second = identity(tmp_path / "a.sqlite3"), identity(tmp_path / "b.sqlite3")
        assert first != second
        assert identity(tmp_path / "x" / ".." / "a.sqlite3") == first  # the same file, however it is named
    finally:
        cache_keys._identity = None  # read again from the test's own database at the next key
