"""Slack's and Mattermost's Web APIs, played by a local HTTP server the test starts: never the internet.

    with ChatApi() as api:
        connection = connect_slack(team, leader, api)        # tests/chat/conftest.py
        ...
        assert api.calls_to("chat.postMessage")[0].json["channel"] == "UMEMBER"

It answers on 127.0.0.1 (a free port) the few methods Charter calls, as the real APIs answer them:
Slack's `auth.test`, `conversations.info`, `chat.postMessage`, `chat.update`, `chat.postEphemeral` and
`views.open` under `/api/`; Mattermost's `users/me`, `channels/<id>`, `channels/direct`, `posts`,
`posts/<id>/patch`, `posts/ephemeral` and `actions/dialogs/open` under `/api/v4/`. A call without the
bot's token is refused as the real ones refuse it. `answers` queues HTTP statuses for the next calls
(then 200), to test retries. `allow_local_chat(settings)` (tests/chat_server.py) lets Charter call it.

It also signs requests as Slack signs them (`slack_headers`), for the tests to post to Charter.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.loopback import Loopback

SLACK_WORKSPACE, SLACK_BOT = "T0CHARTER", "UCHARTERBOT"
SLACK_TOKEN, SLACK_SECRET = "xoxb-test-bot-token-0001", "8f14e45fceea167a5a36dedd4bea2543"
MATTERMOST_TEAM, MATTERMOST_BOT = "mmteam000000000000000000aa", "mmbot0000000000000000000aa"
MATTERMOST_TOKEN, MATTERMOST_COMMAND_TOKEN = "mm-bot-access-token-0001", "mm-slash-command-token-0001"


@dataclass
class Call:
    method: str  # the HTTP method
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body or b"null")

    @property
    def name(self) -> str:
        """Slack's method (`chat.postMessage`) or Mattermost's path after /api/v4/ (`posts`)."""
        return self.path.removeprefix("/api/v4/").removeprefix("/api/")


@dataclass
class ChatApi(Loopback):
    answers: list[int] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def __enter__(self) -> ChatApi:
        api = self
        counter = itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                call = Call(self.command, self.path, dict(self.headers), self.rfile.read(length))
                api.calls.append(call)
                if api.answers:
                    status = api.answers.pop(0)
                    if status != 200:
                        self._answer(status, {"ok": False, "error": "busy"})
                        return
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if self.path.startswith("/api/v4/"):
                    if token != MATTERMOST_TOKEN:
                        self._answer(401, {"id": "api.context.session_expired.app_error", "status_code": 401,
                                           "message": "Invalid or expired session, please login again."})
                        return
                    self._answer(*mattermost(call, next(counter)))
                    return
                if token != SLACK_TOKEN:
                    self._answer(200, {"ok": False, "error": "invalid_auth"})
                    return
                self._answer(200, slack(call, next(counter)))

            do_GET = do_POST = do_PUT = _handle  # noqa: N815  (http.server's names)

            def log_message(self, *args):  # quiet
                pass

        return self.serve(ThreadingHTTPServer(("127.0.0.1", 0), Handler))

    @property
    def slack_url(self) -> str:
        return self.base + "/api"

    def calls_to(self, name: str) -> list[Call]:
        return [call for call in self.calls if call.name == name]


def slack(call: Call, n: int) -> dict:
    body = call.json or {}
    if call.name == "auth.test":
        return {"ok": True, "team_id": SLACK_WORKSPACE, "team": "Harbour Health", "user_id": SLACK_BOT,
                "url": "https://harbour.slack.com/"}
    if call.name == "conversations.info":
        return {"ok": True, "channel": {"id": body.get("channel"), "name": "platform"}}
    if call.name in ("chat.postMessage", "chat.update"):
        channel = body.get("channel", "")
        return {"ok": True, "channel": "D" + channel[1:] if channel.startswith("U") else channel,
                "ts": body.get("ts") or f"1790000000.{n:06d}"}
    if call.name == "chat.postEphemeral":
        return {"ok": True, "message_ts": f"1790000000.{n:06d}"}
    if call.name == "views.open":
        return {"ok": True, "view": {"id": f"V{n:08d}"}}
    return {"ok": False, "error": "unknown_method"}


CHANNEL = re.compile(r"channels/(\w+)")
PATCH = re.compile(r"posts/(\w+)/patch")


def mattermost(call: Call, n: int) -> tuple[int, object]:
    if call.name == "users/me":
        return 200, {"id": MATTERMOST_BOT, "username": "charter"}
    if call.name == "channels/direct":
        return 201, {"id": "dm" + "".join(sorted(call.json))[:24], "type": "D"}
    if found := CHANNEL.fullmatch(call.name):
        return 200, {"id": found[1], "team_id": MATTERMOST_TEAM, "display_name": "Platform", "name": "platform"}
    if call.name == "posts":
        return 201, {"id": f"post{n:022d}", **call.json}
    if found := PATCH.fullmatch(call.name):
        return 200, {"id": found[1], **call.json}
    if call.name == "posts/ephemeral":
        return 201, {"id": f"post{n:022d}"}
    if call.name == "actions/dialogs/open":
        return 200, {"status": "OK"}
    return 404, {"message": "not found"}


def slack_headers(body: bytes, *, secret: str = SLACK_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack signs a request with: for Django's test client (`HTTP_…`)."""
    from django.utils import timezone  # the clock a test may have moved (`frozen`)

    timestamp = int(timezone.now().timestamp()) if timestamp is None else timestamp
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp), "HTTP_X_SLACK_SIGNATURE": signature}
