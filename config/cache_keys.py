"""Keys in the shared cache name the database their values were drawn from.

A kept part's key is made of its content's ids and versions (`alignment/fragments.py`). Two deployments
pointed at one Redis database (a staging site beside production, say) hold different rows under the
same ids, so without more each would be served the other's parts: one organisation's charter text in
another's page. So every key begins with the database's identity: PostgreSQL's system identifier
(made when its cluster was initialised, and shared by its streaming replicas) with the database's name.
Every process of a deployment finds the same, whichever way it reaches PostgreSQL (through pgbouncer
or not); another cluster, or another database on the same one, finds another. On SQLite it is the
database file's path.

The identity is read when the default connection is made (`connection_created`): once per connection,
through the driver's own cursor, so query logs and query counts never see it. A connection made again
to another database (a test database, a restored one in a new cluster) reads its own.
"""

from __future__ import annotations

import hashlib
import logging
import os

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

_identity: str | None = None


def make_key(key: str, key_prefix: str, version: int) -> str:
    """Django's key (`prefix:version:key`) behind the database's identity (the cache's `KEY_FUNCTION`)."""
    return f"{_identity or database_identity()}:{key_prefix}:{version}:{key}"


def database_identity() -> str:
    """A short digest naming the default database, read on connecting to it (this connects when need be)."""
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    if _identity is None:  # connected before this module was imported: read it now
        _learn(connection)
    return _identity


def _learn(connection) -> None:
    global _identity
    if connection.vendor == "postgresql":
        _identity = _digest(_postgresql_identity(connection))
    else:
        name = str(connection.settings_dict["NAME"])
        _identity = _digest(name if name.startswith((":memory:", "file:")) else os.path.realpath(name))


def _postgresql_identity(connection) -> str:
    with connection.connection.cursor() as cursor:
        try:
            cursor.execute("SELECT system_identifier::text, current_database() FROM pg_control_system()")
        except connection.Database.Error:  # a server that hides its control data (some hosted ones): the name alone
            logger.warning("cache keys: pg_control_system() is not readable; keys name the database alone")
            cursor.execute("SELECT '', current_database()")
        system, name = cursor.fetchone()
    return f"{system}/{name}"


def _digest(what: str) -> str:
    return hashlib.sha256(what.encode()).hexdigest()[:12]


def _on_connecting(sender, connection, **kwargs) -> None:
    if connection.alias == DEFAULT_DB_ALIAS:
        _learn(connection)


connection_created.connect(_on_connecting, dispatch_uid="config.cache_keys")
