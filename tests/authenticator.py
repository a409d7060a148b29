"""An authenticator app for the tests: allauth's own TOTP functions, on a clock the test moves.

The `clock` fixture (tests/conftest.py) replaces allauth's time for its codes and its limits on tries (a live
server runs in the test's process, so browser tests share it); `code(secret, clock)` is what the app shows now.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()) // 30 * 30)  # the start of a code's 30 seconds

    def time(self) -> float:
        return self.now

    def move(self, seconds: float) -> None:
        self.now += seconds


def move_allauths_time(monkeypatch, clock: Clock) -> None:
    moved = SimpleNamespace(time=clock.time, monotonic=time.monotonic, sleep=time.sleep)
    monkeypatch.setattr("allauth.mfa.totp.internal.auth.time", moved)
    monkeypatch.setattr("allauth.core.internal.ratelimit.time", moved)


def code(secret: str, clock: Clock) -> str:
    """What an authenticator app shows now."""
    return format_hotp_value(hotp_value(secret, int(clock.now) // 30))
