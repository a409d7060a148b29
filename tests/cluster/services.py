"""The services of a small cluster, each a real program started on the loopback and stopped afterwards.

PostgreSQL (a primary and a streaming replica, Debian's `pg_createcluster` clusters of their own),
pgbouncer in transaction mode in front of the primary, a Redis of its own, haproxy in front of the
web nodes, and the app's own processes (gunicorn nodes, Celery workers, beats). Every process writes
its log into one folder (`Logs`), whose tails the test prints when it fails.

Nothing here knows about Django: the app's processes get their settings through the environment,
as a deployment gives them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.loopback import free_port

HOST = "127.0.0.1"


def _newest_postgres() -> str:
    """The newest PostgreSQL installed (Debian keeps each major version under /usr/lib/postgresql/)."""
    versions = sorted((path.name for path in Path("/usr/lib/postgresql").glob("*") if path.name.isdigit()), key=int)
    return versions[-1] if versions else "15"


POSTGRES_VERSION = os.environ.get("CLUSTER_POSTGRES_VERSION") or _newest_postgres()
POSTGRES_BIN = Path(f"/usr/lib/postgresql/{POSTGRES_VERSION}/bin")
TOOLS = ("pg_createcluster", "pg_ctlcluster", "pg_dropcluster", "pg_basebackup", "pgbouncer", "haproxy",
         "redis-server", "runuser")
# Fast and unsafe on purpose: the clusters live for one test. Replication still streams as in production.
POSTGRES_CONF = f"""\
listen_addresses = '{HOST}'
wal_level = replica
max_wal_senders = 5
hot_standby = on
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = '32MB'
"""


def missing_tools() -> list[str]:
    """What this machine lacks to run the cluster (the test skips, naming them)."""
    return [tool for tool in TOOLS if shutil.which(tool) is None and not (POSTGRES_BIN / tool).exists()]


def wait_for(what: str, ready: Callable[[], bool], *, seconds: float = 60, process: Managed | None = None) -> None:
    """Poll `ready` until it answers True; fail naming `what` after `seconds` or when `process` exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.exited():
            raise RuntimeError(f"{what}: the process exited with {process.popen.returncode}\n{process.tail()}")
        if ready():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} was not ready within {seconds:.0f}s" + (f"\n{process.tail()}" if process else ""))


def port_open(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    """A short command that must succeed; its output is in the error when it does not."""
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n{done.stdout[-2000:]}"
                           f"\n{done.stderr[-2000:]}")
    return done


@dataclass
class Logs:
    """One folder for every log of the cluster, which the postgres user can reach (PostgreSQL and pgbouncer
    write there too): a folder of its own under the system's temporary folder, not under pytest's private one."""

    folder: Path

    @classmethod
    def new(cls) -> Logs:
        folder = Path(tempfile.mkdtemp(prefix="charter-cluster-"))
        os.chmod(folder, 0o777)  # noqa: S103 - written by root and by postgres, removed after a passing run
        return cls(folder)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def tails(self, lines: int = 30) -> str:
        parts = []
        for log in sorted(self.folder.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"----- {log.name} (last {len(text)} lines) -----\n" + "\n".join(text))
        return "\n".join(parts)


@dataclass
class Managed:
    """A long-running process in a session of its own, so that killing it kills its children too."""

    name: str
    command: list[str]
    log: Path
    env: dict[str, str] | None = None
    cwd: Path | None = None
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    killed_at: list[float] = field(default_factory=list)

    def start(self) -> Managed:
        with self.log.open("ab") as sink:
            self.popen = subprocess.Popen(self.command, stdout=sink, stderr=subprocess.STDOUT, env=self.env,
                                          cwd=self.cwd, start_new_session=True)
        self.started_at = time.time()
        return self

    def exited(self) -> bool:
        return self.popen is None or self.popen.poll() is not None

    def kill(self) -> None:
        """SIGKILL to the whole process group, as a lost machine or the OOM killer: nothing flushed, nothing acked."""
        self.killed_at.append(time.time())
        self._signal(signal.SIGKILL)
        self.popen.wait(timeout=15)

    def stop(self, timeout: float = 15) -> None:
        if self.exited():
            return
        self._signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._signal(signal.SIGKILL)
            self.popen.wait(timeout=15)

    def _signal(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, number)

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(text[-lines:])


# PostgreSQL ---------------------------------------------------------------------------------------------


@dataclass
class PostgresCluster:
    """A Debian PostgreSQL cluster of its own (`pg_createcluster`), trust auth on the loopback, dropped after."""

    name: str
    port: int
    logs: Logs

    @property
    def data_dir(self) -> Path:
        return Path(f"/var/lib/postgresql/{POSTGRES_VERSION}/{self.name}")

    @property
    def log_file(self) -> Path:
        return self.logs.path(f"postgres-{self.name}")

    def create(self) -> None:
        self.log_file.touch()
        shutil.chown(self.log_file, "postgres", "postgres")
        run(["pg_createcluster", POSTGRES_VERSION, self.name, "--port", str(self.port), "--start-conf", "manual",
             "--logfile", str(self.log_file), "--", "--auth-local=trust", "--auth-host=trust", "--no-sync"])
        # Debian's postgresql.conf reads conf.d/ last: these win over its defaults.
        (Path(f"/etc/postgresql/{POSTGRES_VERSION}/{self.name}/conf.d") / "cluster-test.conf").write_text(POSTGRES_CONF)

    def start(self) -> None:
        run(["pg_ctlcluster", "--skip-systemctl-redirect", POSTGRES_VERSION, self.name, "start"])
        wait_for(f"PostgreSQL {self.name}", lambda: self.sql("SELECT 1", check=False) == "1", seconds=60)

    def drop(self) -> None:
        subprocess.run(["pg_dropcluster", "--stop", POSTGRES_VERSION, self.name], capture_output=True)

    def sql(self, statement: str, *, database: str = "postgres", check: bool = True) -> str:
        done = subprocess.run([str(POSTGRES_BIN / "psql"), "-h", HOST, "-p", str(self.port), "-U", "postgres",
                               "-d", database, "-XtAc", statement], capture_output=True, text=True)
        if check and done.returncode:
            raise RuntimeError(f"psql on port {self.port}: {statement}\n{done.stderr}")
        return done.stdout.strip()

    def url(self, database: str) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"


def primary_and_replica(logs: Logs) -> tuple[PostgresCluster, PostgresCluster]:
    """A primary, and a hot standby streaming from it (`pg_basebackup -R`); both created, neither started."""
    run_id = uuid.uuid4().hex[:8]
    primary = PostgresCluster(f"charter_{run_id}_primary", free_port(), logs)
    replica = PostgresCluster(f"charter_{run_id}_replica", free_port(), logs)
    return primary, replica


def make_replica(primary: PostgresCluster, replica: PostgresCluster) -> None:
    """The replica's data directory replaced by a base backup of the running primary, set up to stream (-R)."""
    replica.create()
    for entry in replica.data_dir.iterdir():  # emptied, not removed: postgres may not make it again
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    run(["runuser", "-u", "postgres", "--", str(POSTGRES_BIN / "pg_basebackup"), "-h", HOST, "-p",
         str(primary.port), "-U", "postgres", "-D", str(replica.data_dir), "-R", "-X", "stream", "-c", "fast"])
    replica.start()


# pgbouncer, Redis, haproxy ----------------------------------------------------------------------------


def pgbouncer(logs: Logs, *, primary: PostgresCluster, database: str, port: int) -> Managed:
    """pgbouncer in transaction mode in front of the primary: a server connection per transaction, not per client."""
    folder = logs.folder / "pgbouncer"
    folder.mkdir()
    (folder / "users.txt").write_text('"postgres" ""\n')
    (folder / "pgbouncer.ini").write_text(f"""\
[databases]
{database} = host={HOST} port={primary.port} dbname={database}

[pgbouncer]
listen_addr = {HOST}
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {folder / "users.txt"}
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
""")
    shutil.chown(folder, "postgres", "postgres")
    for file in folder.iterdir():
        shutil.chown(file, "postgres", "postgres")
    return Managed("pgbouncer", ["pgbouncer", "-u", "postgres", str(folder / "pgbouncer.ini")],
                   logs.path("pgbouncer"))


def redis_server(logs: Logs, port: int) -> Managed:
    """A Redis of the test's own, nothing kept on disk: a restart loses every queued task and every lease."""
    return Managed("redis", ["redis-server", "--bind", HOST, "--port", str(port), "--save", "", "--appendonly",
                             "no", "--dir", str(logs.folder)], logs.path("redis"))


def haproxy(logs: Logs, *, port: int, nodes: list[int], check_path: str, host_header: str) -> Managed:
    """haproxy, round robin over the web nodes; a node that refuses its checks is out of the pool within a second.

    A request that found a dead node (refused, or no answer) is sent to another (`retry-on`,
    `redispatch`), so a node's death costs the clients nothing but the requests it was in the middle of.
    """
    servers = "\n".join(f"    server node{n} {HOST}:{node_port} check" for n, node_port in enumerate(nodes, 1))
    config = logs.folder / "haproxy.cfg"
    config.write_text(f"""\
global
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 30s
    timeout http-keep-alive 30s
    # A busy node's sync workers answer its check after the requests before it; a dead node refuses at once.
    timeout check 3s
    retries 3
    option redispatch
    retry-on conn-failure empty-response response-timeout

frontend web
    bind {HOST}:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk
    http-check send meth GET uri {check_path} ver HTTP/1.1 hdr Host {host_header}
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{servers}
""")
    run(["haproxy", "-c", "-q", "-f", str(config)])
    return Managed("haproxy", ["haproxy", "-db", "-f", str(config)], logs.path("haproxy"))


# The app's own processes -------------------------------------------------------------------------------


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def celery(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("celery")), "-A", "config", *args]
