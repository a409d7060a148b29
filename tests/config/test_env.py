"""Reading settings from the environment: good values parse, bad ones fail naming the variable."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import SMTP_TIMEOUT_SECONDS, env_bool, env_int, env_list, parse_email_url

SMTP = "django.core.mail.backends.smtp.EmailBackend"


class TestEnvBool:
    @pytest.mark.parametrize(
        "raw, expected",
        [
            ("1", True),
            ("true", True),
            ("Yes", True),
            (" ON ", True),
            ("0", False),
            ("false", False),
            ("No", False),
            ("off", False),
            ("", False),
        ],
    )
    def test_reads_common_spellings(self, raw, expected, monkeypatch):
        monkeypatch.setenv("FEATURE_ON", raw)

        assert env_bool("FEATURE_ON", not expected) is expected

    @pytest.mark.parametrize("default", [True, False])
    def test_unset_gives_the_default(self, default, monkeypatch):
        monkeypatch.delenv("FEATURE_ON", raising=False)

        assert env_bool("FEATURE_ON", default) is default

    @pytest.mark.parametrize("raw", ["maybe", "2", "yess", "truee"])
    def test_malformed_value_fails_naming_the_variable(self, raw, monkeypatch):
        monkeypatch.setenv("FEATURE_ON", raw)

        with pytest.raises(ImproperlyConfigured, match=rf"FEATURE_ON must be a boolean .*{raw!r}"):
            env_bool("FEATURE_ON", False)


class TestEnvInt:
    def test_reads_a_whole_number(self, monkeypatch):
        monkeypatch.setenv("INVITATION_VALID_DAYS", " 7 ")

        assert env_int("INVITATION_VALID_DAYS", 14) == 7

    @pytest.mark.parametrize("raw", [None, "", "   "])
    def test_unset_or_empty_gives_the_default(self, raw, monkeypatch):
        if raw is None:
            monkeypatch.delenv("INVITATION_VALID_DAYS", raising=False)
        else:
            monkeypatch.setenv("INVITATION_VALID_DAYS", raw)

        assert env_int("INVITATION_VALID_DAYS", 14) == 14

    @pytest.mark.parametrize("raw", ["fourteen", "1.5", "14d"])
    def test_malformed_value_fails_naming_the_variable(self, raw, monkeypatch):
        monkeypatch.setenv("INVITATION_VALID_DAYS", raw)

        with pytest.raises(
            ImproperlyConfigured, match=rf"INVITATION_VALID_DAYS must be a whole number.*{raw!r}"
        ):
            env_int("INVITATION_VALID_DAYS", 14)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", " example.com, ,www.example.com,")

    assert env_list("ALLOWED_HOSTS", []) == ["example.com", "www.example.com"]


class TestParseEmailUrl:
    def test_smtp_uses_starttls_on_587_and_decodes_credentials(self):
        mailer = parse_email_url("EMAIL_URL", "smtp://apikey:p%40ss%2Fword@mail.example.com")

        assert mailer == {
            "BACKEND": SMTP,
            "OPTIONS": {
                "host": "mail.example.com",
                "port": 587,
                "username": "apikey",
                "password": "p@ss/word",
                "use_ssl": False,
                "use_tls": True,
                "timeout": SMTP_TIMEOUT_SECONDS,
            },
        }

    def test_a_relay_may_be_given_its_own_timeout(self):
        assert parse_email_url("EMAIL_URL", "smtp://mail.example.com?timeout=4.5")["OPTIONS"]["timeout"] == 4.5

    @pytest.mark.parametrize("raw", ["0", "-1", "soon", "inf", "nan"])
    def test_a_timeout_that_is_no_wait_fails_naming_the_variable(self, raw):
        with pytest.raises(ImproperlyConfigured, match="EMAIL_URL's timeout must be a number of seconds"):
            parse_email_url("EMAIL_URL", f"smtp://mail.example.com?timeout={raw}")

    def test_smtps_uses_implicit_tls_on_465(self):
        options = parse_email_url("EMAIL_URL", "smtps://user:secret@mail.example.com")["OPTIONS"]

        assert (options["port"], options["use_ssl"], options["use_tls"]) == (465, True, False)

    def test_explicit_port_wins(self):
        options = parse_email_url("EMAIL_URL", "smtp://mail.example.com:2525")["OPTIONS"]

        assert options["port"] == 2525
        assert options["username"] == options["password"] == ""

    def test_smtp_plain_is_a_local_relay_without_tls_on_25(self):
        options = parse_email_url("EMAIL_URL", "smtp+plain://localhost")["OPTIONS"]

        assert (options["host"], options["port"], options["use_ssl"], options["use_tls"]) == (
            "localhost",
            25,
            False,
            False,
        )

    def test_console(self):
        assert parse_email_url("EMAIL_URL", "console://") == {
            "BACKEND": "django.core.mail.backends.console.EmailBackend",
            "OPTIONS": {},
        }

    def test_file_writes_to_the_folder_given(self):
        assert parse_email_url("EMAIL_URL", "file:///var/mail/charter%20out") == {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": "/var/mail/charter out"},
        }

    @pytest.mark.parametrize(
        "url, message",
        [
            (
                "sendgrid://key@api",
                "must start with one of console, file, locmem, smtp, smtp+plain, smtps://",
            ),
            ("mail.example.com", "must start with one of"),
            ("file://", "must name a folder"),
            ("smtp://", "must name a host"),
            ("smtp://mail.example.com:port", "malformed port"),
        ],
    )
    def test_bad_url_fails_naming_the_variable(self, url, message):
        with pytest.raises(ImproperlyConfigured, match=r"^EMAIL_URL ") as excinfo:
            parse_email_url("EMAIL_URL", url)

        assert message in str(excinfo.value)
