"""The whole cluster, started in order and stopped in reverse: `with running(smtp=..., receiver=...) as cluster:`.

    PostgreSQL primary ──streams──> replica          (the replica: DATABASE_REPLICA_URL, straight)
          ^
      pgbouncer (transaction mode)                   (DATABASE_URL, DATABASE_POOL_MODE=transaction)
          ^
    gunicorn × 3  <── haproxy (round robin, health checks, retries) <── the load
    celery worker: mail queue    celery worker: every other queue    celery beat × 2
          └── Redis of its own (broker, cache, sessions, beat's lease) ──┘

Migrations run once, straight on the primary, before any node starts; the world is seeded from the
bench's generator (`tests.cluster.world seed`). Every process's log is in `cluster.logs.folder`.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from config import queues
from tests.cluster import services
from tests.cluster.services import HOST, Logs, Managed, free_port, port_open, wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
DATABASE = "charter"
WEB_NODES = 3
WORKERS_PER_NODE = 2
BEAT_LEASE_SECONDS = 6
REPLICA_MAX_LAG_SECONDS = 2
# A writer's own pages come from the primary this long after each write; readers who only signed in, sooner.
READ_YOUR_WRITES_SECONDS = 3
READY_PATH = "/health/ready/"


@dataclass
class Cluster:
    """The running cluster: its services, the app's processes, and what the seed made (`world`)."""

    logs: Logs
    env: dict[str, str]
    primary: services.PostgresCluster
    replica: services.PostgresCluster
    redis: Managed
    haproxy_port: int
    nodes: list[Managed] = field(default_factory=list)
    workers: dict[str, Managed] = field(default_factory=dict)
    beats: list[Managed] = field(default_factory=list)
    world: dict = field(default_factory=dict)

    def world_step(self, *args: str) -> dict:
        """A step of tests/cluster/world.py, straight on the primary; its printed JSON."""
        env = {**self.env, "DATABASE_URL": self.primary.url(DATABASE), "DATABASE_POOL_MODE": "session"}
        done = services.run(services.python("-m", "tests.cluster.world", *args), env=env, cwd=BASE_DIR)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def active_beat(self) -> Managed | None:
        """The beat holding the lease now, by its own log: taken, and not lost since."""
        for beat in self.beats:
            events = lease_events(beat)
            if not beat.exited() and events and events[-1][1] == "taken":
                return beat
        return None

    def restart_redis(self) -> None:
        """Redis stopped and started again on its port: every queued task, cached page and lease is gone."""
        self.redis.stop()
        self.redis.start()
        wait_for("Redis after its restart", lambda: _redis_answers(self.redis_port), process=self.redis)

    @property
    def redis_port(self) -> int:
        return int(self.redis.command[self.redis.command.index("--port") + 1])

    def pause_replay(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_pause()")

    def resume_replay(self) -> None:
        self.replica.sql("SELECT pg_wal_replay_resume()")

    def replica_lag_seconds(self) -> float:
        lag = self.replica.sql("SELECT coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)")
        return float(lag or 0)

    def make_due(self, team_id: int) -> None:
        """The team's check-in time passed a minute ago today, and its open review cycle ended yesterday (UTC)."""
        self.primary.sql(
            "UPDATE alignment_team SET checkin_weekday = extract(isodow FROM now() AT TIME ZONE 'UTC')::int - 1, "
            "checkin_time = least((now() AT TIME ZONE 'UTC')::time - interval '1 minute', (now() AT TIME ZONE 'UTC')::time) "
            f"WHERE id = {int(team_id)};"
            "UPDATE reviews_reviewcycle SET end_date = (now() AT TIME ZONE 'UTC')::date - 1, "
            "start_date = least(start_date, (now() AT TIME ZONE 'UTC')::date - 8) "
            f"WHERE team_id = {int(team_id)} AND state = 'open';", database=DATABASE)


def lease_events(beat: Managed) -> list[tuple[float, str]]:
    """(time, "taken" | "lost") from a beat's log lines `scheduler lease taken by …` / `… lost by …`.

    The lines are JSON (config/logs.py) or Celery's plain `[time: LEVEL/process] message`."""
    found = []
    for line in beat.log.read_text(errors="replace").splitlines() if beat.log.exists() else []:
        at, message = _time_and_message(line)
        event = LEASE_MESSAGE.match(message) if at is not None else None
        if event:
            found.append((at, event.group("event")))
    return found


def sends(beat: Managed) -> list[float]:
    """When a beat sent a due task (Celery's `Scheduler: Sending due task …`): what it scheduled, by its own log."""
    found = []
    for line in beat.log.read_text(errors="replace").splitlines() if beat.log.exists() else []:
        at, message = _time_and_message(line)
        if at is not None and message.startswith("Scheduler: Sending due task"):
            found.append(at)
    return found


LEASE_MESSAGE = re.compile(r"scheduler lease (?P<event>taken|lost) by")
PLAIN_LINE = re.compile(r"\[(?P<at>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): \w+/[^\]]*\] (?P<message>.*)")


def _time_and_message(line: str) -> tuple[float | None, str]:
    if line.startswith("{"):
        try:
            entry = json.loads(line)
            return datetime.fromisoformat(entry["time"]).timestamp(), entry.get("message", "")
        except (ValueError, KeyError):
            return None, ""
    plain = PLAIN_LINE.match(line)
    if plain is None:
        return None, ""
    at = datetime.strptime(plain.group("at"), "%Y-%m-%d %H:%M:%S,%f").replace(tzinfo=UTC)
    return at.timestamp(), plain.group("message")


def _redis_answers(port: int) -> bool:
    import redis

    try:
        return redis.Redis(host=HOST, port=port, socket_timeout=1).ping()
    except redis.RedisError:
        return False


def _environment(logs: Logs, *, pooler: int, replica: services.PostgresCluster, redis_port: int, smtp_url: str,
                 haproxy_port: int) -> dict[str, str]:
    """What every app process is given, as a deployment gives it: one secret, one Redis, the pooler and the replica."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "CELERY_TASK_DEFAULT_QUEUE", "WEB_CONCURRENCY", "SQLITE_PATH")}
    return env | {
        "DJANGO_SETTINGS_MODULE": "tests.cluster.settings",
        "PYTHONPATH": str(BASE_DIR),
        "PYTHONUNBUFFERED": "1",
        "TZ": "UTC",
        "DEBUG": "false",
        "SECRET_KEY": "cluster-" + secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SITE_URL": f"http://{HOST}:{haproxy_port}",
        # Plain http on the loopback: no redirect to https, cookies sent without TLS.
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(logs.folder / "static"),
        "VAR_DIR": str(logs.folder / "var"),
        "DATABASE_URL": f"postgres://postgres@{HOST}:{pooler}/{DATABASE}",
        "DATABASE_POOL_MODE": "transaction",
        "DATABASE_REPLICA_URL": replica.url(DATABASE),
        "DATABASE_READS_HEADER": "true",
        "REPLICA_MAX_LAG_SECONDS": str(REPLICA_MAX_LAG_SECONDS),
        "READ_YOUR_WRITES_SECONDS": str(READ_YOUR_WRITES_SECONDS),
        "REDIS_URL": f"redis://{HOST}:{redis_port}/0",
        "EMAIL_URL": smtp_url,
        "WEBHOOK_ALLOW_HTTP_HOSTS": HOST,
        "BEAT_LEASE_SECONDS": str(BEAT_LEASE_SECONDS),
        "LOG_LEVEL": "INFO",
    }


def _node(logs: Logs, env: dict[str, str], n: int) -> Managed:
    port = free_port()
    return Managed(f"web{n}", services.python("-m", "gunicorn", "config.wsgi:application", "--workers",
                                              str(WORKERS_PER_NODE), "--bind", f"{HOST}:{port}", "--log-level",
                                              "warning"),
                   logs.path(f"web{n}"), env=env, cwd=BASE_DIR)


def node_port(node: Managed) -> int:
    return int(node.command[node.command.index("--bind") + 1].rsplit(":", 1)[1])


def _ready(port: int) -> bool:
    import http.client

    try:
        connection = http.client.HTTPConnection(HOST, port, timeout=2)
        connection.request("GET", READY_PATH, headers={"Host": HOST})
        status = connection.getresponse().status
        connection.close()
    except OSError:
        return False
    return status == 200


def _worker(logs: Logs, env: dict[str, str], name: str, kinds: list[str]) -> Managed:
    return Managed(f"worker-{name}", services.celery(
        "worker", "--pool=solo", "-Q", ",".join(queues.names(kinds)), "-n", f"{name}@%h", "-l", "INFO",
        "--without-gossip", "--without-mingle", "--without-heartbeat"), logs.path(f"worker-{name}"), env=env,
        cwd=BASE_DIR)


def _beat(logs: Logs, env: dict[str, str], n: int) -> Managed:
    return Managed(f"beat{n}", services.celery("beat", "-l", "INFO", "-s", str(logs.folder / f"beat{n}-schedule"),
                                               "--pidfile", str(logs.folder / f"beat{n}.pid")),
                   logs.path(f"beat{n}"), env=env, cwd=BASE_DIR)


@contextmanager
def running(*, smtp_url: str, receiver: str, log=print) -> Iterator[Cluster]:
    """Start everything (about half a minute), yield the cluster, stop everything; logs kept until a pass."""
    logs = Logs.new()
    started = time.monotonic()
    try:
        with _started(logs, started, smtp_url=smtp_url, receiver=receiver, log=log) as cluster:
            yield cluster
    except BaseException:
        log(f"The cluster's logs are kept in {logs.folder}; their ends:\n{logs.tails()}")
        raise
    shutil.rmtree(logs.folder, ignore_errors=True)


@contextmanager
def _started(logs: Logs, started: float, *, smtp_url: str, receiver: str, log) -> Iterator[Cluster]:
    """Each service started once the one it needs is up; each stopped (PostgreSQL dropped) on the way out."""

    def step(message: str) -> None:
        log(f"[cluster {time.monotonic() - started:5.1f}s] {message}")

    with ExitStack() as stack:
        primary, replica = services.primary_and_replica(logs)
        stack.callback(replica.drop)
        stack.callback(primary.drop)
        stack.callback(lambda: _keep_postgres_logs(logs, primary, replica))
        primary.create()
        primary.start()
        primary.sql(f"CREATE DATABASE {DATABASE}")
        step(f"PostgreSQL primary on {primary.port}")
        services.make_replica(primary, replica)
        step(f"PostgreSQL replica on {replica.port}, streaming")

        redis_port, pooler_port, haproxy_port = free_port(), free_port(), free_port()
        env = _environment(logs, pooler=pooler_port, replica=replica, redis_port=redis_port, smtp_url=smtp_url,
                           haproxy_port=haproxy_port)
        direct = {**env, "DATABASE_URL": primary.url(DATABASE), "DATABASE_POOL_MODE": "session"}
        services.run(services.python("manage.py", "migrate", "--no-input", "-v", "0"), env=direct, cwd=BASE_DIR)
        step("migrated, straight on the primary")
        services.run(services.python("manage.py", "collectstatic", "--no-input", "-v", "0"), env=direct, cwd=BASE_DIR)
        step("static files collected once")

        redis = services.redis_server(logs, redis_port).start()
        stack.callback(redis.stop)
        wait_for("Redis", lambda: _redis_answers(redis_port), process=redis)
        pooler = services.pgbouncer(logs, primary=primary, database=DATABASE, port=pooler_port).start()
        stack.callback(pooler.stop)
        wait_for("pgbouncer", lambda: port_open(pooler_port), process=pooler)
        cluster = Cluster(logs=logs, env=env, primary=primary, replica=replica, redis=redis,
                          haproxy_port=haproxy_port)
        cluster.world = cluster.world_step("seed", receiver)
        step(f"seeded: {len(cluster.world['people'])} writers, {len(cluster.world['teams'])} teams")

        cluster.nodes = [_node(logs, env, n) for n in range(1, WEB_NODES + 1)]
        for node in cluster.nodes:
            node.start()
            stack.callback(node.stop)
        for node in cluster.nodes:
            wait_for(f"{node.name} ready", lambda node=node: _ready(node_port(node)), process=node)
        step(f"{WEB_NODES} gunicorn nodes ready")
        balancer = services.haproxy(logs, port=haproxy_port, nodes=[node_port(node) for node in cluster.nodes],
                                    check_path=READY_PATH, host_header=HOST).start()
        stack.callback(balancer.stop)
        wait_for("haproxy", lambda: _ready(haproxy_port), process=balancer)

        cluster.workers = {"mail": _worker(logs, env, "mail", ["mail"]),
                           "default": _worker(logs, env, "default", ["default", "webhooks", "schedule", "exports"])}
        cluster.beats = [_beat(logs, env, 1), _beat(logs, env, 2)]
        for process in [*cluster.workers.values(), *cluster.beats]:
            process.start()
            stack.callback(process.stop)
        wait_for("a beat holding the lease", lambda: cluster.active_beat() is not None, seconds=60)
        step(f"workers and beats up; {cluster.active_beat().name} holds the lease")
        yield cluster


def _keep_postgres_logs(logs: Logs, *clusters: services.PostgresCluster) -> None:
    """pg_dropcluster deletes a cluster's log file: keep a copy beside the others."""
    for cluster in clusters:
        if cluster.log_file.exists():
            shutil.copy(cluster.log_file, logs.folder / f"{cluster.log_file.stem}-kept.log")

