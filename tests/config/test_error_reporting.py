"""Error reports go to the service SENTRY_DSN names, without personal data; nothing is loaded without it."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from tests.chat_server import ChatServer
from tests.config.test_settings import LEAKY, manage, production_key

REPORT_AN_ERROR = """
import sentry_sdk
try:
    raise RuntimeError("the error being reported")
except RuntimeError as error:
    sentry_sdk.capture_exception(error)
sentry_sdk.flush(timeout=5)
print(sentry_sdk.get_client().options["send_default_pii"], sentry_sdk.get_client().options["environment"])
"""


def envelope_items(body: bytes, encoding: str) -> list[dict]:
    """The JSON lines of a Sentry envelope (header, item header, item, …)."""
    raw = gzip.decompress(body) if encoding == "gzip" else body
    return [json.loads(line) for line in raw.splitlines() if line.strip().startswith(b"{")]


def test_an_error_is_reported_to_the_configured_service_without_personal_data(tmp_path):
    pytest.importorskip("sentry_sdk")
    with ChatServer() as ingest:
        host, port = ingest.server.server_address[:2]
        result = manage(tmp_path, "shell", "-c", REPORT_AN_ERROR, DEBUG="false", SECRET_KEY=production_key(),
                        SENTRY_DSN=f"http://publickey@{host}:{port}/42", SENTRY_ENVIRONMENT="staging")
        deadline = time.monotonic() + 10
        while not ingest.received and time.monotonic() < deadline:
            time.sleep(0.05)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "staging"]
    assert ingest.received, "no report reached the service"
    request = ingest.received[0]
    assert request.path == "/api/42/envelope/"
    items = envelope_items(request.body, request.headers.get("Content-Encoding", ""))
    event = next(item for item in items if "exception" in item)
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["environment"] == "staging"
    assert "user" not in event


def test_a_dsn_without_the_sdk_installed_fails_loudly(tmp_path):
    """`pip install .[sentry]` was forgotten: the process refuses to start rather than report nothing."""
    hide_the_sdk = "import sys; sys.modules['sentry_sdk'] = None; import django; django.setup()"
    env = {key: value for key, value in os.environ.items() if key not in LEAKY}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", SENTRY_DSN="http://publickey@127.0.0.1:9/1",
               SQLITE_PATH=str(tmp_path / "db.sqlite3"), VAR_DIR=str(tmp_path / "var"))

    result = subprocess.run([sys.executable, "-c", hide_the_sdk], env=env, cwd=settings.BASE_DIR,
                            capture_output=True, text=True, timeout=120, check=False)

    assert result.returncode != 0
    assert "SENTRY_DSN is set but sentry-sdk is not installed" in result.stderr


def test_a_malformed_sample_rate_fails_naming_it(tmp_path):
    result = manage(tmp_path, "check", SENTRY_DSN="http://publickey@127.0.0.1:9/1",
                    SENTRY_TRACES_SAMPLE_RATE="often")

    assert result.returncode != 0
    assert "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, got 'often'" in result.stderr


def test_without_a_dsn_the_sdk_is_not_even_imported(tmp_path):
    result = manage(tmp_path, "shell", "-c", "import sys; print('sentry_sdk' in sys.modules)")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "False"
