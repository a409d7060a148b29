"""What `manage.py check --deploy` says about running more than one process: state that must be shared.

Several gunicorn workers, or several web nodes behind a load balancer, must agree on sessions, rate limits
and the cache's versions, and must queue tasks where every worker reads them. Without `REDIS_URL` the cache
is each process's own memory and the broker a folder on this machine: fine for development, wrong as soon
as a second process serves the same site.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs) -> list[Warning]:
    """The cache every process shares holds sessions, rate limits and versions: it must be one cache."""
    if settings.DEBUG or settings.CACHES["default"]["BACKEND"] not in PER_PROCESS_CACHES:
        return []
    return [Warning(
        "The cache is each process's own memory (REDIS_URL is not set).",
        hint="With more than one process (gunicorn workers or web nodes), a session ended in one (signing out, "
             "a deactivation) is still served from another's cache, API and sign-in rate limits are counted "
             "per process, a used two-factor code is accepted again by another, and the organisation map and "
             "the two-factor policy disagree between them. "
             "Set REDIS_URL.",
        id="config.W001",
    )]


@register(deploy=True)
def shared_broker(app_configs, **kwargs) -> list[Warning]:
    """Tasks queued by any web node must reach every worker: not a folder on one machine."""
    if settings.DEBUG or not settings.CELERY_BROKER_URL.startswith("filesystem://"):
        return []
    return [Warning(
        "Celery's broker is a folder on this machine (REDIS_URL is not set).",
        hint=f"Tasks queued here ({settings.VAR_DIR / 'celery'}) are run only by workers on this machine; "
             "web nodes or workers on other machines never see them. Set REDIS_URL.",
        id="config.W002",
    )]
