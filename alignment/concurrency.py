"""Compare-and-set saves: a second editor never silently overwrites the first."""

from __future__ import annotations

from django.db import models
from django.db.models import F


class ConcurrentEditError(Exception):
    """Someone else saved this object after the editor loaded it."""

    def __init__(self, current: models.Model):
        super().__init__("This was changed by someone else while you were editing.")
        self.current = current


def save_if_unchanged(instance: models.Model, *, expected_version: int, fields: list[str],
                      version_field: str = "version") -> None:
    """Write `fields` of `instance` only if its row still has `expected_version`.

    Bumps the version on success. On a conflict, raises ConcurrentEditError carrying
    the row as it now is, so the view can show both texts. A model with several
    independently edited sections keeps one version field per section.
    """
    model = type(instance)
    values = {name: getattr(instance, name) for name in fields}
    changed = model._default_manager.filter(pk=instance.pk, **{version_field: expected_version}).update(
        **{version_field: F(version_field) + 1}, **values
    )
    if changed != 1:
        raise ConcurrentEditError(current=model._default_manager.get(pk=instance.pk))
    setattr(instance, version_field, expected_version + 1)
