"""Reads go to the read replica only for allowlisted pages and tasks, and only when that is safe (config/replica.py).

The replica here is a second connection to the test database (as `TEST: MIRROR` makes it when
DATABASE_REPLICA_URL is set), so the tests write for real (transactional tests) and see which connection read.
A replica that is down is a URL to a closed port; a replica that lags is a lag probe answering a number, with
the clock moved. A real streaming replica is the cluster test's (tests/cluster/).
"""

from __future__ import annotations

import copy
import logging
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from alignment.models import Membership, Team
from alignment.services import remove_member
from config import replica
from config.replica import PRIMARY, REPLICA
from tests.config.test_settings import manage

# Transactional: what the primary's connection writes, the replica's reads. With DATABASE_REPLICA_URL set for the
# whole run, the test case is told of the replica; otherwise the fixtures below add it for the test alone.
on_both = pytest.mark.django_db(transaction=True, databases=[PRIMARY, *([REPLICA] if REPLICA in settings.DATABASES
                                                                       else [])])


@pytest.fixture(autouse=True)
def _health_unknown(monkeypatch):
    """Each test starts with the replica not checked yet in this process."""
    monkeypatch.setattr(replica, "_health", replica._Health())


def add_replica(monkeypatch, django_db_blocker, **changes) -> None:
    """A "replica" alias: the primary's test database through a connection of its own (with `changes`)."""
    if connection.vendor != "postgresql":
        pytest.skip("a read replica is PostgreSQL's: run with DATABASE_URL=postgres://...")
    # Django's test case refuses to open a connection of an alias it did not know when it was set up; this one is
    # added after, for the test alone.
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", django_db_blocker._real_ensure_connection)
    settings_dict = copy.deepcopy(connections.settings[PRIMARY])
    settings_dict["OPTIONS"]["connect_timeout"] = 2
    settings_dict["TEST"]["MIRROR"] = PRIMARY
    settings_dict.update(changes)
    connections.settings[REPLICA] = settings_dict  # also settings.DATABASES: the same dict


@pytest.fixture
def with_replica(transactional_db, monkeypatch, django_db_blocker):
    configured = REPLICA in connections.settings  # DATABASE_REPLICA_URL set for the whole run
    if not configured:
        add_replica(monkeypatch, django_db_blocker)
    yield
    connections[REPLICA].close()
    if not configured:
        del connections[REPLICA]
        del connections.settings[REPLICA]


@pytest.fixture
def with_replica_down(transactional_db, monkeypatch, django_db_blocker):
    if REPLICA in connections.settings:
        pytest.skip("DATABASE_REPLICA_URL names a replica of its own for this run")
    add_replica(monkeypatch, django_db_blocker, HOST="127.0.0.1", PORT=str(closed_port()))
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


class Queries:
    """The queries each connection ran in the block."""

    def __enter__(self):
        self.contexts = {alias: CaptureQueriesContext(connections[alias]) for alias in (PRIMARY, REPLICA)}
        for context in self.contexts.values():
            context.__enter__()
        return self

    def __exit__(self, *exc):
        for context in self.contexts.values():
            context.__exit__(*exc)

    def on(self, alias: str) -> list[str]:
        """The page's or task's own queries on `alias` (not the replica's health check)."""
        return [query["sql"] for query in self.contexts[alias].captured_queries if "_wal_" not in query["sql"]]

    def tables_on(self, alias: str) -> set[str]:
        return {table for sql in self.on(alias) for table in re.findall(r'(?:FROM|JOIN) "(\w+)"', sql)}

    def kept_on_primary(self) -> bool:
        """Whether every table read on the primary is one the router keeps there (who is signed in, deliveries),
        or one that says who may read (alignment/permissions.py reads those where they were last written)."""
        models = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
        return all(not replica._may_read_on_replica(models[table]) or table in WHO_MAY_READ_TABLES
                   for table in self.tables_on(PRIMARY))


# What a person's access is read from: their memberships with their teams and organisations, and admin rows.
WHO_MAY_READ_TABLES = {"alignment_membership", "alignment_team", "alignment_organisation",
                       "alignment_organisation_admins"}


def map_url(organisation) -> str:
    return reverse("organisation", args=[organisation.slug])


def trends_url(team) -> str:
    return reverse("checkins:trends", args=[team.organisation.slug, team.slug])


# Allowlisted pages read from the replica --------------------------------------------------------------------

@on_both
def test_the_alignment_map_reads_from_the_replica_all_but_who_may_read_it(
        with_replica, login, leader, organisation, team, other_team, settings):
    settings.DATABASE_READS_HEADER = True
    client = login(leader)
    with Queries() as queries:
        response = client.get(map_url(organisation))
    assert response.status_code == 200
    assert b"Platform" in response.content and b"Growth" in response.content
    assert response["X-Database-Reads"] == "replica"
    assert {"alignment_team", "alignment_membership"} <= queries.tables_on(REPLICA)  # the map's teams and people
    assert queries.kept_on_primary(), queries.tables_on(PRIMARY)


@on_both
def test_every_query_of_the_trends_page_goes_where_the_router_says(with_replica, login, leader, team):
    client = login(leader)
    client.get(trends_url(team))  # learns the page's kept queries (alignment/one_query.py)
    with Queries() as queries:
        response = client.get(trends_url(team))  # reads them through the kept, prepared statements
    assert response.status_code == 200
    assert queries.on(REPLICA)
    assert queries.kept_on_primary(), queries.tables_on(PRIMARY)


@on_both
def test_a_download_streams_its_rows_from_the_replica(with_replica, login, leader, team):
    client = login(leader)
    with Queries() as queries:
        response = client.get(reverse("transfer:export_decisions", args=[team.organisation.slug, team.slug]))
        b"".join(response.streaming_content)
    assert response.status_code == 200
    assert "decisions_decision" in queries.tables_on(REPLICA)
    assert queries.kept_on_primary(), queries.tables_on(PRIMARY)


@on_both
def test_a_page_not_on_the_allowlist_reads_from_the_primary(with_replica, login, leader, team, settings):
    settings.DATABASE_READS_HEADER = True
    client = login(leader)
    with Queries() as queries:
        response = client.get(reverse("checkins:week", args=[team.organisation.slug, team.slug]))
    assert response.status_code == 200
    assert response["X-Database-Reads"] == "primary"
    assert queries.on(REPLICA) == []
    assert "alignment_team" in queries.tables_on(PRIMARY)


@on_both
def test_a_post_to_an_allowlisted_address_reads_from_the_primary(with_replica, login, leader, organisation):
    client = login(leader)
    with Queries() as queries:
        client.post(map_url(organisation))
    assert queries.on(REPLICA) == []


# Who may read is read on the primary ------------------------------------------------------------------------

@contextmanager
def replica_behind(monkeypatch):
    """The replica a moment behind the primary: its connection reads a snapshot taken now, whatever the primary
    commits until the block ends (as a streaming replica that has not replayed those commits yet). The tasks a
    write runs (eagerly here) tidy every connection as they start; the snapshot is the replica's, so it stays."""
    behind = connections[REPLICA]
    monkeypatch.setattr(behind, "close_if_unusable_or_obsolete", lambda: None)
    behind.set_autocommit(False)
    try:
        with behind.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT 1 FROM alignment_membership LIMIT 1")  # the snapshot is taken at the first read
        yield behind
    finally:
        behind.rollback()
        behind.set_autocommit(True)


def removed_but_still_listed(behind, membership: Membership, leader) -> bool:
    """Remove `membership` on the primary; whether the replica behind still lists it."""
    listed = membership.pk
    remove_member(membership=membership, actor=leader)
    with behind.cursor() as cursor:
        cursor.execute("SELECT 1 FROM alignment_membership WHERE id = %s", [listed])
        return cursor.fetchone() is not None


@on_both
def test_someone_removed_a_moment_ago_is_refused_while_the_replica_still_lists_them(
        with_replica, login, leader, member, team, monkeypatch):
    client = login(member)
    assert client.get(trends_url(team)).status_code == 200
    with replica_behind(monkeypatch) as behind:
        assert removed_but_still_listed(behind, Membership.objects.get(team=team, user=member), leader)
        with Queries() as queries:
            assert client.get(trends_url(team)).status_code == 404
    assert "alignment_membership" in queries.tables_on(PRIMARY)


@on_both
def test_someone_taken_out_of_the_organisation_a_moment_ago_no_longer_reads_its_map(
        with_replica, login, leader, member, team, organisation, monkeypatch):
    client = login(member)
    assert client.get(map_url(organisation)).status_code == 200
    with replica_behind(monkeypatch) as behind:
        assert removed_but_still_listed(behind, Membership.objects.get(team=team, user=member), leader)
        assert client.get(map_url(organisation)).status_code == 404


# Read your writes --------------------------------------------------------------------------------------------

@on_both
def test_whoever_just_wrote_reads_from_the_primary_until_the_window_passes(
        with_replica, login, leader, team, frozen, settings):
    settings.READ_YOUR_WRITES_SECONDS = 10
    client = login(leader)
    wrote = timezone.now()
    frozen(wrote)
    refused = client.post(trends_url(team))  # a refused write counts too: it may have written on its way
    assert refused.status_code == 405
    assert replica.COOKIE in refused.cookies

    frozen(wrote + timedelta(seconds=9))
    with Queries() as queries:
        assert client.get(trends_url(team)).status_code == 200
    assert queries.on(REPLICA) == []

    frozen(wrote + timedelta(seconds=11))
    with Queries() as queries:
        assert client.get(trends_url(team)).status_code == 200
    assert queries.on(REPLICA)


@on_both
def test_a_forged_write_cookie_is_ignored(with_replica, login, leader, team):
    client = login(leader)
    client.cookies[replica.COOKIE] = str(timezone.now().timestamp())  # not signed by us
    with Queries() as queries:
        client.get(trends_url(team))
    assert queries.on(REPLICA)


# A replica that is down or lagging: the primary -------------------------------------------------------------

@on_both
def test_a_replica_that_is_down_leaves_the_page_to_the_primary_and_is_logged_once(
        with_replica_down, login, leader, organisation, settings, caplog):
    settings.DATABASE_READS_HEADER = True
    client = login(leader)
    with caplog.at_level(logging.WARNING, logger="config.replica"):
        first = client.get(map_url(organisation))
        second = client.get(map_url(organisation))
    assert first.status_code == second.status_code == 200
    assert b"Platform" in second.content
    assert second["X-Database-Reads"] == "primary"
    assert len([r for r in caplog.records if "read replica down" in r.getMessage()]) == 1


@on_both
def test_a_replica_lost_mid_request_is_marked_down_and_the_page_drawn_from_the_primary(
        with_replica, login, leader, organisation, settings, caplog):
    settings.DATABASE_READS_HEADER = True
    client = login(leader)
    assert client.get(map_url(organisation))["X-Database-Reads"] == "replica"
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])  # the replica's connection dies
    with caplog.at_level(logging.WARNING, logger="config.replica"):
        response = client.get(map_url(organisation))  # the last check is recent: the page goes to the replica
    assert response.status_code == 200
    assert b"Platform" in response.content
    assert response["X-Database-Reads"] == "primary"
    assert not replica._health.usable
    assert [r.getMessage() for r in caplog.records if "read replica failed" in r.getMessage()]
    with Queries() as queries:
        client.get(map_url(organisation))  # still marked down: not checked again so soon
    assert queries.on(REPLICA) == []


@on_both
def test_a_lagging_replica_is_left_until_a_later_check_finds_it_caught_up(
        with_replica, login, leader, organisation, frozen, monkeypatch, settings, caplog):
    settings.REPLICA_MAX_LAG_SECONDS = 5
    lag = {"seconds": 30.0}
    monkeypatch.setattr(replica, "replica_lag", lambda: lag["seconds"])
    client = login(leader)
    start = timezone.now()
    frozen(start)
    with caplog.at_level(logging.WARNING, logger="config.replica"), Queries() as queries:
        client.get(map_url(organisation))
        client.get(map_url(organisation))
    assert queries.on(REPLICA) == []
    assert len([r for r in caplog.records if "lagging 30.0 s" in r.getMessage()]) == 1

    lag["seconds"] = 0.2
    frozen(start + replica.CHECK_EVERY / 2)  # the last answer is kept until it is CHECK_EVERY old
    with Queries() as queries:
        client.get(map_url(organisation))
    assert queries.on(REPLICA) == []

    frozen(start + replica.CHECK_EVERY)
    with Queries() as queries:
        client.get(map_url(organisation))
    assert queries.on(REPLICA)


def test_lag_counts_only_when_the_replica_is_behind_the_primary():
    idle_primary = replica.lag_seconds(in_recovery=True, bytes_behind=0, replay_age=3600)
    behind = replica.lag_seconds(in_recovery=True, bytes_behind=8192, replay_age=7.5)
    never_replayed = replica.lag_seconds(in_recovery=True, bytes_behind=8192, replay_age=None)
    promoted = replica.lag_seconds(in_recovery=False, bytes_behind=None, replay_age=None)
    assert (idle_primary, behind, never_replayed, promoted) == (0.0, 7.5, float("inf"), 0.0)


@on_both
def test_the_lag_probe_runs_on_real_servers(with_replica):
    assert replica.replica_lag() == 0.0  # the mirror is a primary, not in recovery: nothing to replay


# Tasks --------------------------------------------------------------------------------------------------------

@on_both
def test_allowlisted_tasks_read_from_the_replica_and_others_from_the_primary(with_replica, team):
    from checkins.tasks import dispatch_due_reminders, send_due_digests

    with Queries() as queries:
        send_due_digests.apply()
    assert "alignment_team" in queries.tables_on(REPLICA)

    with Queries() as queries:
        dispatch_due_reminders.apply()
    assert queries.on(REPLICA) == []
    assert queries.on(PRIMARY)


@on_both
def test_an_organisation_export_is_claimed_on_the_primary_and_built_from_the_replica(
        with_replica, leader, organisation, team):
    from transfer.models import OrganisationExport
    from transfer.tasks import build_organisation_export

    export = OrganisationExport.objects.create(organisation=organisation, requested_by=leader)
    with Queries() as queries:
        build_organisation_export.apply(args=[export.pk])
    export.refresh_from_db()
    assert export.state == OrganisationExport.State.READY
    assert "alignment_team" in queries.tables_on(REPLICA)
    assert "transfer_organisationexport" not in queries.tables_on(REPLICA)


# The router itself ----------------------------------------------------------------------------------------------

@on_both
def test_a_row_read_on_the_replica_is_saved_on_the_primary(with_replica, team):
    with replica.reading_from_replica():
        read = Team.objects.get(pk=team.pk)
        assert read._state.db == REPLICA
        read.name = "Platform and tools"
        with Queries() as queries:
            read.save(update_fields=["name"])
    assert [sql for sql in queries.on(PRIMARY) if sql.startswith("UPDATE")]
    assert Team.objects.using(PRIMARY).get(pk=team.pk).name == "Platform and tools"


@on_both
def test_reads_inside_a_transaction_on_the_primary_stay_there(with_replica, team):
    from django.db import transaction

    with replica.reading_from_replica(), transaction.atomic():
        assert Team.objects.get(pk=team.pk)._state.db == PRIMARY


def test_with_no_replica_configured_everything_reads_from_the_primary(db, team):
    if REPLICA in connections.settings:
        pytest.skip("DATABASE_REPLICA_URL is set for this run")
    with replica.reading_from_replica() as reads:
        assert not reads.on_replica
        assert Team.objects.get(pk=team.pk)._state.db == PRIMARY


def test_with_no_replica_configured_responses_say_their_reads_went_to_the_primary(
        login, leader, organisation, settings):
    if REPLICA in connections.settings:
        pytest.skip("DATABASE_REPLICA_URL is set for this run")
    settings.DATABASE_READS_HEADER = True
    response = login(leader).get(map_url(organisation))
    assert response.status_code == 200
    assert response["X-Database-Reads"] == "primary"
    assert replica.COOKIE not in login(leader).post(map_url(organisation)).cookies  # nothing to read one's writes from


def test_migrations_never_run_on_the_replica():
    router = replica.ReplicaRouter()
    assert router.allow_migrate(REPLICA, "alignment") is False
    assert router.allow_migrate(PRIMARY, "alignment") is None  # no opinion: migrated as usual
    assert router.allow_relation(object(), object()) is True


# The allowlist names what exists ---------------------------------------------------------------------------------

def url_names(resolver=None, prefix: str = ""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from url_names(pattern, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif pattern.name:
            yield prefix + pattern.name


def test_every_allowlisted_page_and_task_exists():
    assert replica.REPLICA_VIEWS - set(url_names()) == set()
    for name in replica.REPLICA_TASKS:
        module, function = name.rsplit(".", 1)
        assert getattr(import_module(module), function).name == name


# Settings ---------------------------------------------------------------------------------------------------------

def test_a_replica_url_adds_a_replica_that_tests_read_as_the_primary(tmp_path):
    code = ("from django.conf import settings; r = settings.DATABASES['replica']; "
            "print(r['HOST'], r['TEST']['MIRROR'], r['OPTIONS']['connect_timeout'], r['OPTIONS']['options'])")
    result = manage(tmp_path, "shell", "-c", code, DATABASE_URL="postgres://app@primary.example/charter",
                    DATABASE_REPLICA_URL="postgres://app@replica.example/charter", DATABASE_POOL_MODE="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "replica.example default 2 -c jit=off"


def test_a_replica_needs_postgresql(tmp_path):
    result = manage(tmp_path, "check", DATABASE_REPLICA_URL="postgres://app@replica.example/charter")
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL needs PostgreSQL" in result.stderr


# The lag probe on a real streaming replica ---------------------------------------------------------------------

PG_BIN = Path("/usr/lib/postgresql/15/bin")


@pytest.fixture(scope="module")
def streaming_pair():
    """A tiny PostgreSQL primary and its streaming replica (`pg_basebackup -R`), in a temporary folder on free
    loopback ports, stopped and removed after. Yields the two ports."""
    if not (PG_BIN / "pg_basebackup").exists():
        pytest.skip(f"PostgreSQL's server programs are not in {PG_BIN}: apt-get install postgresql-15")
    folder = Path(tempfile.mkdtemp(prefix="replica-"))
    folder.chmod(0o777)  # the servers run as postgres when the tests run as root (PostgreSQL refuses root)
    ports = {"primary": closed_port(), "standby": closed_port()}
    started = []

    def run(*args: str) -> None:
        subprocess.run([str(PG_BIN / args[0]), *args[1:]], check=True, capture_output=True, timeout=60,
                       user="postgres" if os.geteuid() == 0 else None)

    def start(name: str) -> None:
        with (folder / name / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {ports[name]}\nlisten_addresses = '127.0.0.1'\n"
                       f"unix_socket_directories = '{folder}'\nfsync = off\n")
        run("pg_ctl", "-D", str(folder / name), "-l", str(folder / f"{name}.log"), "-w", "start")
        started.append(name)

    try:
        run("initdb", "-D", str(folder / "primary"), "-U", "postgres", "--auth=trust", "--no-sync")
        start("primary")
        run("pg_basebackup", "-h", "127.0.0.1", "-p", str(ports["primary"]), "-U", "postgres",
            "-D", str(folder / "standby"), "-R", "-X", "stream")
        start("standby")
        yield ports
    finally:
        for name in reversed(started):
            run("pg_ctl", "-D", str(folder / name), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def server(port: int, alias: str) -> BaseDatabaseWrapper:
    from django.db.backends.postgresql.base import DatabaseWrapper

    settings_dict = copy.deepcopy(connections.settings[PRIMARY])
    settings_dict.update(NAME="postgres", USER="postgres", PASSWORD="", HOST="127.0.0.1", PORT=str(port))
    return DatabaseWrapper(settings_dict, alias)


def one(server: BaseDatabaseWrapper, sql: str):
    with server.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() if cursor.description else None


def until(condition, what: str):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within 20 s: {what}")


def test_the_lag_probe_on_a_streaming_replica_paused_and_resumed(streaming_pair, django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("a read replica is PostgreSQL's: run with DATABASE_URL=postgres://...")
    primary, standby = server(streaming_pair["primary"], "lag_primary"), server(streaming_pair["standby"], "lag_standby")
    with django_db_blocker.unblock():
        try:
            assert one(standby, "SELECT pg_is_in_recovery()") == (True,)
            one(primary, "CREATE TABLE written (at timestamptz DEFAULT now())")
            until(lambda: replica.replica_lag(primary, standby) == 0.0, "the replica catches up")

            one(standby, "SELECT pg_wal_replay_pause()")
            one(primary, "INSERT INTO written DEFAULT VALUES")
            lag = until(lambda: replica.replica_lag(primary, standby), "the replica falls behind")
            assert 0 < lag < 60  # the age of the last transaction it replayed: the table's creation

            one(standby, "SELECT pg_wal_replay_resume()")
            until(lambda: replica.replica_lag(primary, standby) == 0.0, "the replica catches up again")
            assert one(standby, "SELECT count(*) FROM written") == (1,)
        finally:
            primary.close()
            standby.close()
