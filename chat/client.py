"""Calling a chat's Web API: Slack's (`https://slack.com/api/<method>`) or Mattermost's (`<server>/api/v4/…`).

The address is a team's setting, so it gets the guard team webhooks get (`notifications.webhooks`): https
only and never a private address, except for hosts in `settings.WEBHOOK_ALLOW_HTTP_HOSTS` (a chat server on
this machine; the tests' fake API). The host is resolved once and the connection made to the address that
was checked, no redirect is followed, and the bot's token never appears in an error.

`ChatError.retryable` says whether trying again later may help (the network, a 5xx, a 429 or Slack's
`ratelimited`), which the outbox uses to retry with backoff.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from alignment import sealed
from chat.models import ChatConnection
from notifications.webhooks import guarded_connection, url_refusal

TIMEOUT_SECONDS = 5
USER_AGENT = "Charter-chat/1"
RETRYABLE_SLACK_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


class ChatError(Exception):
    def __init__(self, message: str, *, retryable: bool = False, status: int | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.status = status


def address_refusal(url: str) -> str | None:
    """Why this cannot be a chat's API address, in words; None when it can."""
    refusal = url_refusal(url)
    if refusal is not None:
        return refusal.replace("webhook's address is a secret", "bot's token goes with every call")
    return None


@dataclass(frozen=True)
class Api:
    """A chat's API as one connection reaches it."""

    kind: str
    base_url: str
    token: str

    @classmethod
    def of(cls, connection: ChatConnection) -> Api:
        return cls(connection.kind, connection.api_base_url.rstrip("/"), sealed.unseal(connection.bot_token_sealed))

    def slack(self, method: str, body: dict) -> dict:
        """Call a Slack method; its answer, or `ChatError` when it says `"ok": false`."""
        answer = self._call("POST", f"{self.base_url}/{method}", body)
        if not answer.get("ok"):
            error = str(answer.get("error") or "not ok")
            raise ChatError(f"Slack {method}: {error}", retryable=error in RETRYABLE_SLACK_ERRORS)
        return answer

    def mattermost(self, method: str, path: str, body: object = None) -> dict:
        return self._call(method, f"{self.base_url}/api/v4/{path.lstrip('/')}", body)

    def _call(self, method: str, url: str, body: object) -> dict:
        if not self.token:
            raise ChatError("the bot's token cannot be read here: connect the team again")
        refusal = address_refusal(url)
        if refusal:
            raise ChatError(refusal)
        parts = urlsplit(url)
        host, https = (parts.hostname or "").lower(), parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.token}", "User-Agent": USER_AGENT, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
        connection = None
        try:
            connection = guarded_connection(host, port, https=https, timeout=TIMEOUT_SECONDS)
            if connection is None:
                raise ChatError("refused: the address resolves to a private network")
            connection.request(method, (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), body=data,
                               headers=headers)
            response = connection.getresponse()
            raw = response.read(1_000_000)
        except (http.client.HTTPException, OSError) as error:
            raise ChatError(f"{type(error).__name__}: {error}", retryable=True) from None
        finally:
            if connection is not None:
                connection.close()
        status = response.status
        if status == 429 or status >= 500:
            raise ChatError(f"HTTP {status} {response.reason}", retryable=True, status=status)
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            raise ChatError(f"HTTP {status}: not JSON", status=status) from None
        if not 200 <= status < 300:
            detail = answer.get("message") or answer.get("error") if isinstance(answer, dict) else ""
            raise ChatError(f"HTTP {status} {response.reason}{f': {detail}' if detail else ''}", status=status)
        return answer if isinstance(answer, dict) else {"items": answer}
