"""Compare-and-set saves: a second editor never silently overwrites the first."""

from __future__ import annotations

from copy import copy
from dataclasses import dataclass

from django import forms
from django.db import models
from django.db.models import F
from django.http import QueryDict

from alignment.errors import ConcurrentEditError, ItemRemoved

__all__ = ["Conflict", "ConcurrentEditError", "conflict", "save_if_unchanged"]


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
        current = model._default_manager.filter(pk=instance.pk).first()
        if current is None:
            raise ItemRemoved("Someone removed this while you were editing it. Your text is below: "
                              "copy it, or add it again as a new item.")
        raise ConcurrentEditError(current=current)
    setattr(instance, version_field, expected_version + 1)


@dataclass(frozen=True)
class Conflict:
    """What a compare-and-set editor shows when someone saved first.

    `rows` are (field label, their saved text, what this person typed); `form` holds what
    this person typed, bound to the version now saved, so that a second save, made
    knowingly, goes through. Rendered by `templates/conflict.html`.
    """

    rows: list[tuple[str, str, str]]
    form: forms.BaseForm


def _as_text(field, value) -> str:
    """A field's value as a person reads it: labels for choices, names for people."""
    if value in (None, ""):
        return "—"
    if field.choices:
        return str({str(key): label for key, label in field.flatchoices}.get(str(value), value))
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first() if str(value).isdigit() else None
        return str(related) if related else "—"
    return str(value)


def conflict(form_class: type[forms.ModelForm], *, data: QueryDict, current: models.Model, version: int,
             version_key: str = "version", **form_kwargs) -> Conflict:
    """Their saved text beside what was typed, and the typed form ready for a knowing second save."""
    rows = []
    for name in form_class._meta.fields:
        field = current._meta.get_field(name)
        rows.append((str(field.verbose_name), _as_text(field, getattr(current, field.attname)),
                     _as_text(field, data.get(name, ""))))
    data = data.copy()
    data[version_key] = version
    # Validation copies the typed values onto its instance: give it a copy, so `current` stays theirs.
    form = form_class(data, instance=copy(current), **form_kwargs)
    form.is_valid()
    return Conflict(rows=rows, form=form)
