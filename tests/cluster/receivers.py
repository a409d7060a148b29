"""The receiving end of the cluster's webhooks: a local HTTP server that counts each delivery it was posted.

The SMTP side is `tests.smtp_server.SmtpServer`; this is its twin for the webhooks, so that both kinds
of delivery are counted where they arrive, not where they were sent from.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.loopback import Loopback


@dataclass
class WebhookReceiver(Loopback):
    """Answers every POST with 204 and counts it by its `Charter-Delivery` header (the delivery's id); `arrivals`
    says when each came (epoch seconds, with the id)."""

    posts: Counter = field(default_factory=Counter)
    arrivals: list[tuple[float, int]] = field(default_factory=list)

    def __enter__(self) -> WebhookReceiver:
        receiver, lock = self, threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                delivery = int(self.headers.get("Charter-Delivery") or 0)
                with lock:
                    receiver.posts[delivery] += 1
                    receiver.arrivals.append((time.time(), delivery))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        return self.serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
