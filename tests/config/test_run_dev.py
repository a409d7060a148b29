"""`make run HOST=… PORT=…` puts links in emails on the address the server really runs at.

bin/run-dev is run for real, from a copy of the project whose `.venv/bin/python` and
`.venv/bin/celery` are stand-ins that print the SITE_URL they were started with.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

RUN_DEV = Path(settings.BASE_DIR) / "bin" / "run-dev"
STAND_IN = '#!/usr/bin/env bash\necho "{name} SITE_URL=$SITE_URL"\n'
# The web server's stand-in waits for the worker's to have spoken: run-dev stops the worker on exit.
WEB_STAND_IN = (
    '#!/usr/bin/env bash\nfor _ in $(seq 100); do [ -s var/celery.log ] && break; sleep 0.05; done\n'
    'echo "python SITE_URL=$SITE_URL"\n'
)


@pytest.fixture
def project(tmp_path):
    (tmp_path / "bin").mkdir()
    shutil.copy(RUN_DEV, tmp_path / "bin" / "run-dev")
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    for name, script in (("python", WEB_STAND_IN), ("celery", STAND_IN.format(name="celery"))):
        (venv / name).write_text(script)
        (venv / name).chmod(0o755)
    return tmp_path


def run_dev(project: Path, *args: str, **env: str) -> tuple[str, str]:
    """What the web server and the Celery worker were started with."""
    clean = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    result = subprocess.run(
        ["bash", str(project / "bin" / "run-dev"), *args], env={**clean, **env},
        capture_output=True, text=True, timeout=30, check=True,
    )
    web = result.stdout.strip().splitlines()[-1]
    celery = (project / "var" / "celery.log").read_text().strip()
    return web, celery


def test_site_url_follows_host_and_port(project):
    web, celery = run_dev(project, "0.0.0.0", "8123")

    assert web == "python SITE_URL=http://0.0.0.0:8123"
    assert celery == "celery SITE_URL=http://0.0.0.0:8123"


def test_the_defaults_are_the_usual_address(project):
    web, _ = run_dev(project)

    assert web == "python SITE_URL=http://127.0.0.1:8000"


def test_an_ipv6_host_is_bracketed(project):
    web, _ = run_dev(project, "::1", "8000")

    assert web == "python SITE_URL=http://[::1]:8000"


def test_a_site_url_already_set_wins(project):
    web, celery = run_dev(project, "0.0.0.0", "8123", SITE_URL="https://charter.example.org")

    assert web == "python SITE_URL=https://charter.example.org"
    assert celery == "celery SITE_URL=https://charter.example.org"
