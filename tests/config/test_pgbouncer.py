"""The app through a real pgbouncer in transaction mode (DATABASE_POOL_MODE=transaction).

The test starts pgbouncer (Debian's 1.18) on a free loopback port in front of the test database, with two server
connections handed out in turn: two transactions in a row land on different server connections, as they do
under load. Then the test client's pages read and write through it, and `alignment/one_query.py`'s kept
statements are read as Django reads them (prepared, they would be looked for on the other server connection).
"""

from __future__ import annotations

import copy
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.db import ProgrammingError, connection
from django.urls import reverse

from alignment import one_query
from alignment.models import Organisation
from config import cache_keys
from tests.config.test_settings import manage
from tests.conftest import PGBOUNCER
from tests.loopback import free_port

# Skipped, saying why, where pgbouncer is not installed; in CI that fails the run (tests/conftest.py).
pytestmark = pytest.mark.pgbouncer


@pytest.fixture(scope="module")
def pgbouncer(django_db_setup, django_db_blocker):
    """The port of a pgbouncer in transaction mode in front of the test's PostgreSQL, with two server connections
    open and handed out in turn (`server_round_robin`)."""
    if connection.vendor != "postgresql":
        pytest.skip("pgbouncer pools PostgreSQL connections: run with DATABASE_URL=postgres://...")
    database = connection.settings_dict
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    folder.chmod(0o777)  # pgbouncer runs as postgres when the tests run as root (it refuses root)
    port = free_port()
    (folder / "users.txt").write_text(f'"{database["USER"] or "postgres"}" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""\
[databases]
* = host={database["HOST"] or "127.0.0.1"} port={database["PORT"] or 5432} connect_query='SET jit = off'
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder}/users.txt
pool_mode = transaction
default_pool_size = 2
server_round_robin = 1
logfile = {folder}/pgbouncer.log
""")
    process = subprocess.Popen([PGBOUNCER, str(folder / "pgbouncer.ini")],
                               user="postgres" if os.geteuid() == 0 else None,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, process)
        with django_db_blocker.unblock():
            open_two_server_connections(port, database)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("pgbouncer did not listen within 10 s")


def open_two_server_connections(port: int, database: dict) -> None:
    """Two clients in a transaction at once make pgbouncer open its two server connections; it keeps them."""
    clients = [psycopg.connect(host="127.0.0.1", port=port, user=database["USER"] or "postgres",
                               dbname=database["NAME"]) for _ in range(2)]
    for client in clients:
        client.execute("SELECT 1")  # each holds its server connection until its transaction ends
    for client in clients:
        client.commit()  # left in a transaction, its server connection would be closed, not kept
        client.close()


@pytest.fixture
def through_pgbouncer(pgbouncer, transactional_db, monkeypatch):
    """The app's connection through pgbouncer, set as DATABASE_POOL_MODE=transaction sets it (config/settings.py)."""
    saved = copy.deepcopy(connection.settings_dict)
    connection.close()
    options = {name: value for name, value in saved["OPTIONS"].items() if name != "options"}  # no startup options
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(pgbouncer), DISABLE_SERVER_SIDE_CURSORS=True,
                                    OPTIONS={**options, "prepare_threshold": None})
    monkeypatch.setattr(one_query, "PLAN_ONCE", False)
    monkeypatch.setattr(one_query, "_preparable", {})
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


def server_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_two_transactions_in_a_row_land_on_different_server_connections(through_pgbouncer):
    assert server_pid() != server_pid()
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")  # off through the pooler's connect_query, not a startup option it would refuse
        assert cursor.fetchone() == ("off",)
        # The time zone Django sets on connecting ("Etc/UTC" is the server's) is set again by pgbouncer on
        # whichever server connection the next transaction gets.
        cursor.execute("SHOW TIME ZONE")
        cursor.execute("SHOW TIME ZONE")
        assert cursor.fetchone() == ("UTC",)


def test_a_statement_prepared_on_one_server_connection_is_missing_on_the_next(through_pgbouncer):
    """Why `PLAN_ONCE` is off behind the pooler: psycopg prepares a statement in one round trip and runs it in the
    next, which the pooler hands to the other server connection. (Two clients could also each find the other's
    statement under the name they gave theirs, and read its rows.)"""
    refused = pytest.raises(ProgrammingError, match=r'prepared statement "\w+" does not exist')
    with refused, one_query._preparing_cursor(connection) as cursor:
        cursor.execute("SELECT %s::int + 1 AS prepared_through_the_pooler", [1])


def test_kept_statements_are_read_as_django_reads_them_through_the_pooler(through_pgbouncer):
    sql = "SELECT %s::int + 1 AS read_through_the_pooler"
    assert [one_query.fetch(connection, sql, [n], planned_once=True) for n in range(4)] == [
        [(1,)], [(2,)], [(3,)], [(4,)]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ["%read_through_the_pooler%"])
        assert cursor.fetchone() == (0,)


def test_pages_read_and_write_through_the_pooler(through_pgbouncer, login, leader, organisation, team, other_team):
    client = login(leader)
    pages = [
        reverse("organisation", args=[organisation.slug]),
        reverse("checkins:week", args=[organisation.slug, team.slug]),
        reverse("checkins:trends", args=[organisation.slug, team.slug]),
        reverse("charters:history", args=[organisation.slug, team.slug]),
        reverse("team", args=[organisation.slug, team.slug]),
    ]
    for _ in range(2):  # the second time through the kept shapes (alignment/one_query.py)
        for page in pages:
            assert client.get(page).status_code == 200, page
    download = client.get(reverse("transfer:export_checkins", args=[organisation.slug, team.slug]))
    assert download.status_code == 200
    b"".join(download.streaming_content)  # read with .iterator(): a plain cursor, not one held across transactions

    created = client.post(reverse("organisation_create"), {"name": "Tidewater Trust", "purpose": "Boats for all."})
    assert created.status_code == 302
    assert Organisation.objects.filter(name="Tidewater Trust").exists()


# What DATABASE_POOL_MODE sets ---------------------------------------------------------------------------------

def test_transaction_mode_sets_no_session_state_and_prepares_nothing(tmp_path):
    code = ("from django.conf import settings; from alignment import one_query; d = settings.DATABASES['default']; "
            "print(d['DISABLE_SERVER_SIDE_CURSORS'], d['OPTIONS']['prepare_threshold'], "
            "'options' in d['OPTIONS'], one_query.PLAN_ONCE)")
    result = manage(tmp_path, "shell", "-c", code, DATABASE_URL="postgres://app@db.example:6432/charter",
                    DATABASE_POOL_MODE="transaction", DATABASE_REPLICA_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["True", "None", "False", "False"]


def test_an_unknown_pool_mode_fails_naming_it(tmp_path):
    result = manage(tmp_path, "check", DATABASE_POOL_MODE="statement")
    assert result.returncode != 0
    assert "DATABASE_POOL_MODE must be session or transaction" in result.stderr


def test_cache_keys_name_the_same_database_through_the_pooler_as_beside_it(through_pgbouncer):
    """A deployment's web nodes reach PostgreSQL through pgbouncer, its workers often directly: both must make the
    same cache keys (config/cache_keys.py), or a worker's new key would never be what a web node reads."""
    through = cache_keys.database_identity()
    name = connection.settings_dict["NAME"]
    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=name) as direct:
        system, = direct.execute("SELECT system_identifier::text FROM pg_control_system()").fetchone()

    assert through == cache_keys._digest(f"{system}/{name}")
