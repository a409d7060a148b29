"""A mail relay played by a local SMTP server the test starts: it keeps what it was sent, never the internet.

    with SmtpServer(delay=0.05) as relay:            # each message takes 50 ms to accept
        ... EMAIL_URL=relay.email_url ...
        relay.messages                                # [(recipients, message-id, raw bytes)]
        relay.abandoned                               # those whose sender went without a goodbye
        relay.goodbyes                                # when each QUIT arrived (time.monotonic())

    with SmtpServer(hold_goodbye=threading.Event()) as relay:   # QUIT is answered once the test sets it

A worker killed in the middle of a message leaves it unfinished: only messages whose DATA ended
count as sent. A sender that went away after that without saying QUIT (killed, say) may never have
heard that the relay took its message: it is in `abandoned`, and may well come again.
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes

from tests.loopback import Loopback


@dataclass(frozen=True)
class Sent:
    recipients: tuple[str, ...]
    message_id: str
    raw: bytes


@dataclass
class SmtpServer(Loopback):
    delay: float = 0.0  # seconds before a message is accepted
    hold_goodbye: threading.Event | None = None  # QUIT waits for it to be set before its answer
    messages: list[Sent] = field(default_factory=list)
    abandoned: list[Sent] = field(default_factory=list)
    goodbyes: list[float] = field(default_factory=list)

    def __enter__(self) -> SmtpServer:
        relay = self
        lock = threading.Lock()

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")
                self.wfile.flush()

            def handle(self) -> None:
                self.reply("220 relay.test ESMTP")
                taken: list[Sent] = []  # this session's messages, until its sender says goodbye
                with contextlib.suppress(OSError):  # the sender's connection reset
                    self.converse(taken)
                with lock:
                    relay.abandoned.extend(taken)

            def converse(self, taken: list[Sent]) -> None:
                recipients: list[str] = []
                while line := self.rfile.readline():
                    command = line.decode(errors="replace").strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 relay.test")
                    elif verb == "MAIL":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 go ahead")
                        data = bytearray()
                        while (chunk := self.rfile.readline()) and chunk != b".\r\n":
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        if not chunk:
                            return  # the sender died half-way: nothing was sent
                        if relay.delay:
                            time.sleep(relay.delay)
                        parsed = message_from_bytes(bytes(data))
                        sent = Sent(tuple(recipients), parsed["Message-ID"] or "", bytes(data))
                        with lock:
                            relay.messages.append(sent)
                        taken.append(sent)
                        self.reply("250 OK queued")
                    elif verb == "QUIT":
                        relay.goodbyes.append(time.monotonic())
                        taken.clear()
                        if relay.hold_goodbye is not None:
                            relay.hold_goodbye.wait()
                        self.reply("221 bye")
                        return
                    else:  # RSET, NOOP and the rest
                        self.reply("250 OK")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        return self.serve(Server(("127.0.0.1", 0), Handler))

    @property
    def email_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"smtp+plain://{host}:{port}"

    def message_ids_by_recipient(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for sent in list(self.messages):
            for recipient in sent.recipients:
                found.setdefault(recipient, set()).add(sent.message_id)
        return found
