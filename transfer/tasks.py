"""Background work for the organisation's export: thin tasks that take ids and call the services."""

from __future__ import annotations

import logging

from celery import shared_task

from transfer import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)  # idempotent: a try claims the export first, so a rerun builds nothing
def build_organisation_export(export_id: int) -> None:
    """Build a requested export once and tell whoever asked; a failed build waits for its next try."""
    try:
        services.build_organisation_export(export_id)
    except Exception:
        logger.exception("build_organisation_export: export %s failed; it is tried again or marked failed", export_id)


@shared_task(acks_late=True)  # a sweep: what it queues is claimed before it runs
def finish_organisation_exports() -> int:
    """Queue every export build still to do (a lost task, a dead worker, a failed try due again)."""
    return services.queue_unfinished()


@shared_task
def purge_organisation_exports() -> int:
    """Delete the files of expired exports; a second run finds nothing to delete."""
    return services.purge_expired()
