"""A chat's incoming webhook (or an integration's endpoint for signed JSON webhooks), played by a local HTTP server
the test starts: never the internet. It keeps each request's path, headers and raw body, so a test can check a
signature over the very bytes that arrived.

    with ChatServer() as chat:
        chat.answers = [500, 200]          # the next answers, in order; then 200
        hook = TeamWebhook.objects.create(team=team, url=chat.url, events=[...])
        ...
        assert chat.texts() == ["..."]

The server listens on 127.0.0.1 on a free port; `allow_local_chat(settings)` lets webhooks post to it
over plain http (`WEBHOOK_ALLOW_HTTP_HOSTS`), as the tests' settings override.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.loopback import Loopback

SECRET_PATH = "/services/T0CHARTER/B0HOOKS/s3cr3tWebhookToken9f2c"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class ChatServer(Loopback):
    answers: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering, to test the timeout
    received: list[Received] = field(default_factory=list)
    host: str = "127.0.0.1"  # any loopback address (127.0.0.0/8)
    port: int = 0  # a free one

    def __enter__(self) -> ChatServer:
        chat = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802  (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                chat.received.append(Received(self.path, dict(self.headers), self.rfile.read(length)))
                if chat.delay:
                    time.sleep(chat.delay)
                answer = chat.answers.pop(0) if chat.answers else 200
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Type", "text/plain")
                    self.end_headers()
                    self.wfile.write(b"ok" if status < 300 else b"no")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args):  # quiet
                pass

        return self.serve(ThreadingHTTPServer((self.host, self.port), Handler))

    @property
    def url(self) -> str:
        """A Slack-like webhook address on this server, its last part the secret."""
        return self.base + SECRET_PATH

    def texts(self) -> list[str]:
        return [request.json["text"] for request in self.received]


def allow_local_chat(settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]


def closed_port_url() -> str:
    """An address on this machine where nothing listens: the connection is refused."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{SECRET_PATH}"
