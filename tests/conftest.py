"""The standard cast and the switches for tests that need real services.

Cast: `leader`, `member`, `facilitator` of `team`; `outsider` is a member of
`other_team` in the same organisation; `stranger` is in another organisation; `admin` is an
admin of the organisation who is in none of its teams (the `leader` is an admin too). Each fixture calls
tests/cast.py, which also builds the cast once for a whole module.
"""

from __future__ import annotations

import gc
import os
import shutil
import threading

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer

from tests import cast

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses
# to run there unless told it is safe (it is: the loop does not share connections).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"  # Debian's package puts it outside a user's PATH
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_collection_modifyitems(config, items):
    """Skip service tests visibly when the service is absent; in CI that is a failure instead."""
    missing = {}
    if not os.environ.get("REDIS_URL"):
        missing["redis"] = "REDIS_URL is not set: no real Redis to send Celery tasks through"
    if not shutil.which(CHROMIUM):
        missing["browser"] = f"{CHROMIUM} is missing: apt-get install chromium"
    if not os.path.exists(PGBOUNCER):
        missing["pgbouncer"] = "pgbouncer is not installed: apt-get install pgbouncer"
    if IN_CI:
        if not os.environ.get("DATABASE_URL"):
            raise pytest.UsageError("CI=true but DATABASE_URL is not set: CI must run on PostgreSQL")
        if missing:
            raise pytest.UsageError("CI=true but a required service is missing: " + "; ".join(missing.values()))
        return
    for item in items:
        for marker, reason in missing.items():
            if item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, with one difference on an in-memory SQLite database. There Django hands the
    test's one connection to every request's thread, so two requests at once (a participant's poll and the
    facilitator's press) would use it together: SQLite then refuses the write ("database table is locked"), or
    one request's transaction takes in the other's statements. On it, requests are answered one at a time
    (`OneAnswerAtATime`). On PostgreSQL each thread has a connection of its own and they run together."""
    from pytest_django.live_server_helper import LiveServer

    address = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(address, start=False)
    if server.thread.connections_override:
        server.thread.server_class = OneAnswerAtATime
    server.start()
    yield server
    server.stop()


class OneAnswerAtATime(ThreadedWSGIServer):
    """Reads requests on threads of their own, as Django's live server does, and runs the site for one at a time:
    the answer is drawn, read to its end and closed (which ends the request) before the next one starts."""

    def set_app(self, application):
        turn = threading.Lock()

        def one_at_a_time(environ, start_response):
            with turn:
                response = application(environ, start_response)
                try:
                    return [b"".join(response)]
                finally:
                    if hasattr(response, "close"):
                        response.close()

        super().set_app(one_at_a_time)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test databases, dropped once no connection is left open on them. A thread that used the
    database and ended without closing its connection leaves it to the garbage collector (Django's connection
    objects refer to themselves), which the suite runs seldom (`pytest_collection_finish`): found still open when
    the database is dropped, it made the drop fail ("being accessed by other users") now and then."""
    yield
    gc.collect()


@pytest.fixture(scope="session", autouse=True)
def _tables_emptied_by_delete():
    """After a transactional test, Django empties every table (`manage.py flush`). On PostgreSQL it sends one
    `TRUNCATE` of all ~85 tables, which makes new files for each table and index: about 0.45 s, after each of
    some 300 tests. A `DELETE` of the few rows a test leaves takes about 10 ms. Both run in one transaction
    with the foreign keys checked at its end (Django makes them deferrable), so the order does not matter;
    the audit trail's trigger lets a delete through when the transaction says it purges
    (alignment/migrations/0016_audit_trail.py). Sequences go on counting, as they do after Django's TRUNCATE
    without `reset_sequences`. The content types and permissions stay: the flush's `post_migrate` would write
    the same rows again, one by one (about 0.2 s). With them there, it only reads them all again to find
    nothing to write (76 queries, about 60 ms), so it runs only when a test changed how many there are."""
    from django.core.management.commands import flush
    from django.db import connection

    if connection.vendor != "postgresql":  # SQLite's flush deletes already
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate, post_migrate = DatabaseOperations.sql_flush, flush.emit_post_migrate_signal
    KEPT = {"django_content_type", "auth_permission"}
    counted = f"SELECT {', '.join(f'(SELECT count(*) FROM {table})' for table in sorted(KEPT))}"
    kept_rows: dict[str, tuple] = {}

    def rows_kept(database: str) -> tuple:
        from django.db import connections

        with connections[database].cursor() as cursor:
            cursor.execute(counted)
            return cursor.fetchone()

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["SET CONSTRAINTS ALL DEFERRED", "SET LOCAL charter.audit_purge = 'on'",
                *(f"DELETE FROM {self.quote_name(table)}" for table in tables if table not in KEPT)]

    def post_migrate_if_changed(verbosity, interactive, database, **kwargs):
        found = rows_kept(database)
        if kept_rows.get(database) != found:
            post_migrate(verbosity, interactive, database, **kwargs)
            kept_rows[database] = rows_kept(database)

    DatabaseOperations.sql_flush, flush.emit_post_migrate_signal = sql_flush, post_migrate_if_changed
    yield
    DatabaseOperations.sql_flush, flush.emit_post_migrate_signal = truncate, post_migrate


@pytest.fixture(autouse=True)
def _fast_passwords_and_eager_tasks():
    with cast.as_tests_run():
        yield


@pytest.fixture
def translations_on(settings):
    """The translation machinery on (`USE_I18N`), as a translated Charter would run: the site offers one language
    and runs with it off. Django keeps the functions it chose on first use, so they are chosen again, before and
    after."""
    from django.utils import translation

    translation._trans.__dict__.clear()
    settings.USE_I18N = True
    yield
    settings.USE_I18N = False
    translation._trans.__dict__.clear()


@pytest.fixture
def frozen(monkeypatch):
    """Move the clock: `frozen(moment)` makes `timezone.now()` return it everywhere."""
    from django.utils import timezone

    def set_to(moment) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


@pytest.fixture
def mail_relay(settings):
    """The mail relay, for a test to take down (`mail_relay.down()`: e-mail goes to a port nobody listens on) and
    bring back (`mail_relay.up()`)."""
    from types import SimpleNamespace

    from config.env import parse_email_url
    from tests.loopback import closed_port

    working = settings.MAILERS

    def down() -> None:
        settings.MAILERS = {"default": parse_email_url("EMAIL_URL", f"smtp+plain://127.0.0.1:{closed_port()}")}

    def up() -> None:
        settings.MAILERS = working

    return SimpleNamespace(down=down, up=up)


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of the test's own, on a port of its own, that the test may stop and start again."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server to start a Redis of its own")
    from tests.own_redis import OwnRedis

    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def clock(monkeypatch):
    """allauth's clock for authenticator codes and its limits on tries, moved by the test (tests/authenticator.py)."""
    from tests.authenticator import Clock, move_allauths_time

    clock = Clock()
    move_allauths_time(monkeypatch, clock)
    return clock


@pytest.fixture
def make_user(db):
    return cast.user


@pytest.fixture
def organisation(db):
    return cast.organisation()


@pytest.fixture
def team(organisation):
    return cast.team(organisation)


@pytest.fixture
def other_team(organisation):
    return cast.other_team(organisation)


@pytest.fixture
def add_member():
    return cast.add_member


@pytest.fixture
def leader(team, organisation):
    return cast.leader(team, organisation)


@pytest.fixture
def member(team):
    return cast.member(team)


@pytest.fixture
def kwame(team):
    """A second member of the team, for what one member must not see of another's."""
    return cast.kwame(team)


@pytest.fixture
def facilitator(team):
    return cast.facilitator(team)


@pytest.fixture
def outsider(other_team):
    return cast.outsider(other_team)


@pytest.fixture
def admin(organisation):
    """An admin of the organisation who is in none of its teams."""
    return cast.admin(organisation)


@pytest.fixture
def stranger(db):
    """Someone in a different organisation altogether."""
    return cast.stranger()


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def chat(settings):
    """A chat server on this machine (tests/chat_server.py) that team webhooks may post to."""
    from tests.chat_server import ChatServer, allow_local_chat

    allow_local_chat(settings)
    with ChatServer() as server:
        yield server


@pytest.fixture(scope="module")
def demo_seeded_once(django_db_setup, django_db_blocker):
    """The demo (`manage.py seed_demo`, 3 s), seeded once for the module that asks for it: its tests read it
    (each in a transaction of its own, rolled back), and the database is emptied once the module is done.
    A test that must seed into an empty database comes before the module's first reader of this."""
    from io import StringIO

    from django.core.management import call_command
    from django.test.utils import override_settings

    with django_db_blocker.unblock(), override_settings(DEBUG=True):
        call_command("seed_demo", stdout=StringIO())
    yield
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def pytest_collection_finish(session):
    """What is loaded by now (Django, the project, every test module) lives as long as the run: set it aside from
    the garbage collector's rounds (`gc.freeze`), which otherwise walk all of it again as each test makes and
    drops its objects, and let the youngest objects pile up ten times longer before a round. On the two
    permission matrices this took the time spent collecting from 6.1 s to 3.2 s of about 45."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
