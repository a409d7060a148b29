"""Log lines are one JSON object each, carrying the id of the request they were written for."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.conf import settings

from config import logs
from tests.config.test_settings import manage, production_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The real JSON logging configuration, its handler writing to a buffer; the settings' one restored after."""
    buffer = io.StringIO()
    config = logs.logging_config(json_lines=True, level="INFO")
    config["handlers"]["console"]["stream"] = buffer
    logging.config.dictConfig(config)

    def lines() -> list[dict]:
        return [json.loads(line) for line in buffer.getvalue().splitlines()]

    yield lines
    logging.config.dictConfig(settings.LOGGING)


def test_a_requests_log_lines_are_json_with_its_id(client, json_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a9c1e2d")

    assert response.status_code == 404
    not_found = [line for line in json_lines() if line["logger"] == "django.request"]
    assert len(not_found) == 1
    assert not_found[0]["message"] == "Not Found: /no-such-page/"
    assert not_found[0]["level"] == "WARNING"
    assert not_found[0]["request_id"] == "lb-7f3a9c1e2d" == response["X-Request-ID"]
    assert not_found[0]["time"].endswith("+00:00")


def test_each_request_logs_its_own_id(client, json_lines):
    first = client.get("/no-such-page/")
    second = client.get("/no-such-page/")

    ids = [line["request_id"] for line in json_lines() if line["logger"] == "django.request"]
    assert ids == [first["X-Request-ID"], second["X-Request-ID"]]
    assert ids[0] != ids[1]


def test_an_exception_is_in_its_line_and_a_newline_cannot_start_another(json_lines):
    token = logs.request_id.set("task-0000000042")
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("charter.test").exception("failed for\n{\"forged\": true}")
    finally:
        logs.request_id.reset(token)
    logging.getLogger("charter.test").info("outside any request")

    failed, outside = json_lines()  # two records, two lines
    assert failed["message"] == "failed for\n{\"forged\": true}"
    assert failed["request_id"] == "task-0000000042"
    assert failed["level"] == "ERROR"
    assert "Traceback" in failed["exception"] and "ValueError: boom" in failed["exception"]
    assert outside["request_id"] == "-"
    assert "exception" not in outside


# A fresh process with the production defaults: DEBUG off writes JSON unless told otherwise.

LOG_A_LINE = "import logging; logging.getLogger('charter.test').warning('written at start-up')"


def test_json_is_the_default_with_debug_off(tmp_path):
    result = manage(tmp_path, "shell", "-c", LOG_A_LINE, DEBUG="false", SECRET_KEY=production_key())

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]
    assert {"logger": "charter.test", "message": "written at start-up", "level": "WARNING",
            "request_id": "-"}.items() <= lines[-1].items()


def test_text_is_the_default_while_developing_and_can_be_asked_for(tmp_path):
    developing = manage(tmp_path, "shell", "-c", LOG_A_LINE, DEBUG="true")
    asked = manage(tmp_path, "shell", "-c", LOG_A_LINE, DEBUG="false", SECRET_KEY=production_key(),
                   LOG_FORMAT="text")

    for result in (developing, asked):
        assert result.returncode == 0, result.stderr
        assert result.stderr.splitlines()[-1].endswith("WARNING charter.test [-] written at start-up")


def test_an_unknown_log_format_fails_naming_it(tmp_path):
    result = manage(tmp_path, "check", LOG_FORMAT="xml")

    assert result.returncode != 0
    assert "LOG_FORMAT must be json or text, got 'xml'" in result.stderr
