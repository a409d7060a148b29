"""Small readers for settings from the environment that fail loudly on bad values."""

from __future__ import annotations

import os
from urllib.parse import unquote, urlsplit

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


def parse_email_url(name: str, url: str) -> dict[str, object]:
    """Turn an email URL into a MAILERS entry.

    Accepts smtp:// (STARTTLS), smtps:// (implicit TLS), smtp+plain:// (no TLS, local
    relays only), console://, locmem:// and file:///path.
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
        )
    return {"BACKEND": backends[parts.scheme], "OPTIONS": options}
