"""Errors reported to Sentry (or a service speaking its protocol), configured by the environment alone.

Optional: settings call `init_sentry` only when SENTRY_DSN is set, and only then is sentry-sdk imported
(`pip install .[sentry]`). A DSN without the SDK installed is a configuration error, not a silent no-op,
so an operator who asked for error reports learns at start-up that none would be sent.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


def traces_rate(raw: str) -> float:
    """SENTRY_TRACES_SAMPLE_RATE as a fraction of requests and tasks traced, 0 to 1."""
    try:
        rate = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1, got {raw!r}") from None
    if not 0 <= rate <= 1:
        raise ImproperlyConfigured(f"SENTRY_TRACES_SAMPLE_RATE must be from 0 to 1, got {raw!r}")
    return rate


def init_sentry(*, dsn: str, environment: str, traces_sample_rate: str) -> None:
    """Report unhandled errors of requests and tasks (and error log lines), without personal data."""
    rate = traces_rate(traces_sample_rate)
    try:
        import sentry_sdk
        from sentry_sdk.integrations.celery import CeleryIntegration
        from sentry_sdk.integrations.django import DjangoIntegration
    except ImportError:
        raise ImproperlyConfigured(
            "SENTRY_DSN is set but sentry-sdk is not installed: pip install '.[sentry]', or unset SENTRY_DSN"
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        traces_sample_rate=rate,
        # No names, e-mail addresses, IP addresses, cookies or request bodies leave for the error service.
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration()],
    )
