"""A server a test starts on this machine (a chat's webhook, a chat's API, an SMTP relay): served from a thread
until the test's `with` block ends; `base` is its address."""

from __future__ import annotations

import socket
import threading


def free_port() -> int:
    """A port on this machine that nothing listens on (it was free a moment ago): for a server the test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def closed_port() -> int:
    """A port nothing listens on, for a server that is down."""
    return free_port()


class Loopback:
    """Mixed into the tests' local servers: `serve(server)` at the end of `__enter__`; `__exit__` stops it."""

    server = None

    def serve(self, server):
        server.daemon_threads = True
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"
