"""Small readers for settings from the environment that fail loudly on bad values."""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# Seconds an SMTP relay may stay silent before the try fails (a send is a few round trips; the outboxes'
# leases are ten minutes).
SMTP_TIMEOUT_SECONDS = 30


def _timeout(name: str, url: str, raw: str) -> float:
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds < float("inf"):
        raise ImproperlyConfigured(f"{name}'s timeout must be a number of seconds above 0, got {url!r}")
    return seconds


def parse_email_url(name: str, url: str) -> dict[str, object]:
    """Turn an email URL into a MAILERS entry.

    Accepts smtp:// (STARTTLS), smtps:// (implicit TLS), smtp+plain:// (no TLS, local
    relays only), console://, locmem:// and file:///path. An SMTP relay that stops answering
    fails the try after `?timeout=` seconds (SMTP_TIMEOUT_SECONDS unless given), well within the
    lease a try holds its e-mail for: a hung try never outlives its lease into a second send.
    """
    parts = urlsplit(url)
    backends = {
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
        "smtp+plain": "django.core.mail.backends.smtp.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
    }
    if parts.scheme not in backends:
        raise ImproperlyConfigured(
            f"{name} must start with one of {', '.join(sorted(backends))}://, got {url!r}"
        )
    options: dict[str, object] = {}
    if parts.scheme == "file":
        if not parts.path:
            raise ImproperlyConfigured(f"{name} must name a folder, like file:///tmp/mail, got {url!r}")
        options["file_path"] = unquote(parts.path)
    if parts.scheme.startswith("smtp"):
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"{name} has a malformed port: {url!r}") from None
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name} must name a host, got {url!r}")
        options.update(
            host=parts.hostname,
            port=port or {"smtps": 465, "smtp": 587}.get(parts.scheme, 25),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_ssl=parts.scheme == "smtps",
            use_tls=parts.scheme == "smtp",
            timeout=_timeout(name, url, parse_qs(parts.query).get("timeout", [str(SMTP_TIMEOUT_SECONDS)])[-1]),
        )
    return {"BACKEND": backends[parts.scheme], "OPTIONS": options}
