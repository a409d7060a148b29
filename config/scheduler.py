"""One beat at a time: Celery's scheduler, sending only while it holds a lease in Redis.

Two `celery -A config beat` processes may run (two machines, `docker compose up --scale beat=2`, or one
started by mistake): each asks Redis for the lease, `SET key holder NX PX lease`; the one that gets it
schedules and renews it every third of its length, the other keeps asking every second. When the holder
dies, even by SIGKILL with nothing cleaned up, its lease runs out and the other takes it: it schedules
within about one and a half `BEAT_LEASE_SECONDS` (under a minute by default). A holder that stops
cleanly gives the lease back at once.

Sending is fenced: before each due task is sent, one Lua script checks that the lease is still this
process's and records the run in Redis (`<lease key>:runs`). A holder that could not renew (Redis
restarted, the lease ran out while the process was paused) therefore sends nothing, even if it has
not noticed yet; and the process that takes over reads those records first, so it neither sends again
what was sent for a due time nor waits a whole interval for an entry that fell due meanwhile. The
entries' `expires` drop what a worker could not run in time. The tasks are idempotent besides (each
reminder is a unique `Delivery`, a cycle closes once), so even an extra run would send nothing twice.

The holder logs, at INFO, `scheduler lease taken by <holder>` and `scheduler lease lost by <holder>`
(also on shutdown, when it hands the lease back), so the logs say who scheduled when. A holder whose key
vanished under it learns so at its next renewal or send, so its "lost" line may follow the next holder's
"taken"; it sends nothing in between (the fence).

Not celery-redbeat, though its wheel allows Celery 5.7: its beat exits when the lock cannot be extended,
waits for the lock before it starts, and keeps the schedule only in Redis, so after a Redis restart
without persistence it schedules nothing until it is restarted.

Without REDIS_URL (SQLite and the filesystem broker, in development) there is no lease: it is Celery's
PersistentScheduler, and exactly one beat must run (bin/run-dev runs it inside its only worker).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import datetime
from functools import cache

import redis
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

# KEYS[1] the lease; ARGV: holder, lease in ms. Taken when free or already ours.
_TAKE = """
local current = redis.call('get', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
# Renewed only while it is still ours: a lease that vanished (Redis restarted) or ran out is lost.
_RENEW = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('pexpire', KEYS[1], ARGV[2])
return 1
"""
# KEYS[2] the runs: entry name -> when it was sent. Recorded only by the holder, in the same step as the check.
_RECORD = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('hset', KEYS[2], ARGV[2], ARGV[3])
return 1
"""
_RELEASE = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('del', KEYS[1])
"""


def process_holder() -> str:
    """This process's name as a holder: host and pid to read in logs, and a random part no restart repeats.

    One per process (beat also makes throw-away schedulers to print its banner), new after a fork.
    """
    return _holder_for(os.getpid())


@cache
def _holder_for(pid: int) -> str:
    return f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}"


class Lease:
    """A lease in Redis that one holder at a time has, for `seconds` unless renewed.

    Every operation is one atomic script (compare, then act), so a holder never renews, records or
    releases a lease that has become someone else's. A Redis error counts as not holding it.
    """

    def __init__(self, client: redis.Redis, key: str, *, seconds: int, holder: str | None = None):
        self.client = client
        self.key = key
        self.runs_key = f"{key}:runs"
        self.seconds = seconds
        self.holder = holder or process_holder()
        self._take, self._renew, self._record, self._release = (
            client.register_script(script) for script in (_TAKE, _RENEW, _RECORD, _RELEASE)
        )

    @classmethod
    def from_url(cls, url: str, key: str, *, seconds: int, holder: str | None = None) -> Lease:
        # Timeouts shorter than a renewal period: an unreachable Redis must not hold up beat past its lease.
        timeout = max(1.0, seconds / 3)
        client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        return cls(client, key, seconds=seconds, holder=holder)

    @property
    def renew_every(self) -> float:
        return self.seconds / 3

    @property
    def ask_every(self) -> float:
        """How often a process without the lease asks for it: soon after it is free, at little cost."""
        return min(1.0, self.renew_every)

    def take(self) -> bool:
        """Take the lease if nobody holds it (or renew it if we still do)."""
        return self._call(self._take, [self.key], [self.holder, self.seconds * 1000])

    def renew(self) -> bool:
        """Extend the lease to a full length from now; False once it is not ours any more."""
        return self._call(self._renew, [self.key], [self.holder, self.seconds * 1000])

    def record_run(self, entry_name: str, at: datetime) -> bool:
        """Write down that `entry_name` is being sent now, if and only if the lease is still ours."""
        return self._call(self._record, [self.key, self.runs_key], [self.holder, entry_name, at.isoformat()])

    def release(self) -> bool:
        return self._call(self._release, [self.key], [self.holder])

    def recorded_runs(self) -> dict[str, datetime]:
        """When each entry was last sent by whichever process held the lease (empty if Redis lost it)."""
        try:
            raw = self.client.hgetall(self.runs_key)
        except redis.RedisError as error:
            logger.warning("scheduler lease: could not read the recorded runs: %s", error)
            return {}
        return {name.decode(): datetime.fromisoformat(at.decode()) for name, at in raw.items()}

    def _call(self, script, keys: list[str], args: list) -> bool:
        try:
            return bool(script(keys=keys, args=args))
        except redis.RedisError as error:
            logger.warning("scheduler lease: Redis did not answer: %s", error)
            return False


class LeaseScheduler(PersistentScheduler):
    """Celery's persistent scheduler, sending only while this process holds the beat lease (see above).

    A process that gets the lease waits one and a half renewal periods, renewing it, before it
    schedules and logs "taken": a previous holder whose key vanished under it (a Redis restart) has
    tried to renew meanwhile and logged "lost", so the logs never show two schedulers at once.
    """

    # A monotonic clock; tests give their own to move time.
    clock = staticmethod(time.monotonic)

    def __init__(self, *args, **kwargs):
        self.lease = self._lease_from_settings()
        self._holding = False
        self._taken_at: float | None = None  # the lease is ours, and we wait before scheduling
        self._next_check = float("-inf")
        super().__init__(*args, **kwargs)

    @staticmethod
    def _lease_from_settings() -> Lease | None:
        if not settings.REDIS_URL:
            return None
        return Lease.from_url(settings.REDIS_URL, settings.BEAT_LEASE_KEY, seconds=settings.BEAT_LEASE_SECONDS)

    def tick(self, *args, **kwargs) -> float:
        if self.lease is None:
            return super().tick(*args, **kwargs)
        until_next_check = self._keep_lease()
        if not self._holding:
            return until_next_check
        return min(super().tick(*args, **kwargs), until_next_check)

    def _keep_lease(self) -> float:
        """Check the lease when it is time to; the seconds until the next check.

        The holder renews every third of the lease; the others ask every second (or that, if shorter).
        """
        now = self.clock()
        if now >= self._next_check:
            self._check_lease(now)
            self._next_check = now + (self.lease.renew_every if self._holding else self.lease.ask_every)
        return max(self._next_check - now, 0.0)

    def _check_lease(self, now: float) -> None:
        if self._holding:
            if not self.lease.renew():
                self._lost()
        elif self._taken_at is not None:
            if not self.lease.renew():
                self._taken_at = None
            elif now - self._taken_at >= 1.5 * self.lease.renew_every:
                self._start_scheduling()
        elif self.lease.take():
            self._taken_at = now

    def _start_scheduling(self) -> None:
        self._holding, self._taken_at = True, None
        logger.info("scheduler lease taken by %s", self.lease.holder)
        self._adopt_recorded_runs()

    def _lost(self, reason: str = "") -> None:
        self._holding, self._taken_at = False, None
        logger.info("scheduler lease lost by %s%s", self.lease.holder, reason)

    def _adopt_recorded_runs(self) -> None:
        """Start from when each entry was really last sent, by whoever held the lease before.

        An entry this process has no record of keeps its own time (first start, or Redis lost the record).
        """
        recorded = self.lease.recorded_runs()
        for entry_name, entry in self.schedule.items():
            if entry_name in recorded:
                entry.last_run_at = recorded[entry_name]
        self._heap = None  # rebuilt from those times at the next tick

    def apply_entry(self, entry, producer=None) -> None:
        # `tick` has reserved the entry already: the schedule holds its new last-run time.
        if self.lease is not None:
            sent_at = self.schedule[entry.name].last_run_at
            if not self.lease.record_run(entry.name, sent_at):
                self._lost(f": not sending {entry.name}")
                return
        super().apply_entry(entry, producer=producer)

    def close(self) -> None:
        if self.lease is not None and (self._holding or self._taken_at is not None) and self.lease.release():
            if self._holding:
                self._lost(" (released on shutdown)")
            self._taken_at = None
        super().close()

    @property
    def info(self) -> str:
        if self.lease is None:
            return super().info + "\n    . lease -> none (no REDIS_URL: run exactly one beat)"
        return super().info + f"\n    . lease -> {self.lease.key} ({self.lease.seconds}s) as {self.lease.holder}"
