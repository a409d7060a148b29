"""Settings load from the environment in a fresh process, as they do in production."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"
# Variables that would leak this test run's configuration into the child process.
# (tests/conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; production never does.)
LEAKY = (
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "SECURE_HSTS_SECONDS",
    "CELERY_TASK_ALWAYS_EAGER",
)


def manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in LEAKY}
    # A private SQLite file and var folder: other people's test runs share this checkout.
    clean.update(SQLITE_PATH=str(tmp_path / "db.sqlite3"), VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=clean,
        cwd=MANAGE.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_key() -> str:
    return secrets.token_urlsafe(48)  # 64 characters, as `check --deploy` wants


def test_missing_secret_key_with_debug_off_fails_naming_secret_key(tmp_path):
    result = manage(tmp_path, "check", DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_deploy_check_is_clean_with_debug_off(tmp_path):
    result = manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=production_key(),
        ALLOWED_HOSTS="example.com",
        REDIS_URL="redis://redis.example.com:6379/0",  # the shared cache and broker; the check connects to neither
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_that_without_redis_each_process_keeps_its_own_state(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", DEBUG="false",
                    SECRET_KEY=production_key(), ALLOWED_HOSTS="example.com")

    assert result.returncode != 0
    assert "(config.W001) The cache is each process's own memory" in result.stderr
    assert "a session ended in one" in result.stderr
    assert "(config.W002) Celery's broker is a folder on this machine" in result.stderr


def test_development_is_not_warned_about_a_per_process_cache(tmp_path):
    result = manage(tmp_path, "check", "--deploy", DEBUG="true")

    assert "config.W00" not in result.stdout + result.stderr


def test_malformed_debug_fails_naming_debug(tmp_path):
    result = manage(tmp_path, "check", DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be a boolean (true/false, 1/0), got 'maybe'" in result.stderr


def test_malformed_email_url_fails_naming_it(tmp_path):
    result = manage(tmp_path, "check", EMAIL_URL="sendgrid://key@api")

    assert result.returncode != 0
    assert "EMAIL_URL must start with one of" in result.stderr


@pytest.mark.parametrize("debug, expected", [("true", "console"), ("false", "smtp")])
def test_default_mailer_is_the_console_in_development_and_smtp_in_production(
    tmp_path, debug, expected
):
    result = manage(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.MAILERS)",
        DEBUG=debug,
        SECRET_KEY=production_key(),
        ALLOWED_HOSTS="example.com",
    )

    assert result.returncode == 0, result.stderr
    assert f"django.core.mail.backends.{expected}.EmailBackend" in result.stdout


def test_postgresql_connections_run_without_jit_keeping_the_urls_options(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['options'])"
    url = "postgres://postgres@127.0.0.1:5432/anything?options=-c%20statement_timeout%3D5000"

    result = manage(tmp_path, "shell", "-c", code, DATABASE_URL=url, DEBUG="true")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "-c statement_timeout=5000 -c jit=off"
