"""Querysets of different models read in one query: a `UNION ALL` of their rows, each part given back as
instances of its own model.

A page that gathers a little from many apps (My week: check-ins, commitments, requests, decisions...)
would otherwise pay a round trip per app. Each part names the model fields it needs (a foreign key by
its name, read as its id) and any `extras` (name → expression, such as an `Exists` or an `F()` across
a join), set on each instance as attributes. Columns are lined up by kind (whole numbers, text,
moments, days, yes/no): every part fills the columns of each kind it needs and leaves the rest a NULL
of that type, so the parts of the union agree in number and type of columns on PostgreSQL and SQLite.

Each part is compiled by Django as it would be alone (`with_col_aliases`), and the union is written
around them: `SELECT <part number>, <its columns in their places, NULLs elsewhere> FROM (<part>) part`,
joined by `UNION ALL`. Values pass through the converters Django would apply to each part's columns.
A part that cannot match a row (filtered on an empty list) is left out. Instances hold only the fields
named: reading another would cost a query, which the pages' query-count tests would catch. The union has
no order; each part is sorted in Python by its `order`.

    checkins, people = one_query([
        Rows(CheckIn.objects.filter(...), ("team", "author", "week", "state"), order=("submitted_at", "pk")),
        Rows(Membership.objects.filter(...), ("team", "is_leader"), {"email": F("user__email")}),
    ])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from django.core.exceptions import EmptyResultSet
from django.db import connections, models
from django.db.models import F
from django.db.models.expressions import Expression

# The kinds of column, and the field a NULL stands for in a part that leaves a column of that kind empty.
KINDS: dict[str, type[models.Field]] = {
    "int": models.BigIntegerField,
    "text": models.TextField,
    "moment": models.DateTimeField,
    "day": models.DateField,
    "flag": models.BooleanField,
}
_KIND_OF_TYPE = {
    "AutoField": "int", "BigAutoField": "int", "SmallAutoField": "int", "IntegerField": "int",
    "BigIntegerField": "int", "SmallIntegerField": "int", "PositiveIntegerField": "int",
    "PositiveSmallIntegerField": "int", "PositiveBigIntegerField": "int", "ForeignKey": "int",
    "OneToOneField": "int", "CharField": "text", "TextField": "text", "EmailField": "text", "SlugField": "text",
    "DateTimeField": "moment", "DateField": "day", "BooleanField": "flag",
}


@dataclass(frozen=True)
class Rows:
    """One part: `queryset`'s rows as its model's instances holding `fields` (and the primary key), with
    `extras` set as attributes, sorted by `order` (attribute names)."""

    queryset: models.QuerySet
    fields: Sequence[str]
    extras: dict[str, Expression | F] = field(default_factory=dict)
    order: Sequence[str] = ()


@dataclass
class _Part:
    rows: Rows
    sql: str
    params: tuple
    columns: list[tuple[str, str, str]]  # (attribute, kind, its alias in the part's SQL), in the part's order
    attnames: list[str]  # the model fields' attribute names, in the model's order, as `from_db` takes them
    converters: dict[int, tuple]  # column index -> (converters, expression), as Django's compiler gives them
    slots: list[int] = field(default_factory=list)  # each column's place in the union's row

    def build(self, row: tuple, connection) -> models.Model:
        values = {}
        for index, (name, _, _) in enumerate(self.columns):
            value = row[self.slots[index]]
            if index in self.converters:
                converters, expression = self.converters[index]
                for converter in converters:
                    value = converter(value, expression, connection)
            values[name] = value
        model = self.rows.queryset.model
        instance = model.from_db(self.rows.queryset.db, self.attnames, [values[a] for a in self.attnames])
        for name in self.rows.extras:
            setattr(instance, name, values[name])
        return instance


def one_query(parts: Iterable[Rows]) -> list[list[models.Model]]:
    """Each part's instances, in the parts' order, read in one query (none when there are no parts or all
    are empty)."""
    parts = [_compiled(rows) for rows in parts]
    found: list[list[models.Model]] = [[] for _ in parts]
    asked = [(number, part) for number, part in enumerate(parts) if part is not None]
    if not asked:
        return found
    connection = connections[asked[0][1].rows.queryset.db]
    width = {kind: max(sum(1 for _, k, _ in part.columns if k == kind) for _, part in asked) for kind in KINDS}
    start, offset = {}, 1  # column 0 says which part a row comes from
    for kind in KINDS:
        start[kind], offset = offset, offset + width[kind]
    selects, params = [], []
    for number, part in asked:
        filled = dict.fromkeys(KINDS, 0)
        by_slot = {}
        for _, kind, alias in part.columns:
            part.slots.append(start[kind] + filled[kind])
            by_slot[part.slots[-1]] = f"part.{connection.ops.quote_name(alias)}"
            filled[kind] += 1
        columns = [str(number)]
        for kind, field_class in KINDS.items():
            null = f"CAST(NULL AS {field_class().db_type(connection)})"
            columns += [by_slot.get(slot, null) for slot in range(start[kind], start[kind] + width[kind])]
        selects.append(f"SELECT {', '.join(columns)} FROM ({part.sql}) part")
        params += part.params
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)  # query: every part's rows
        for row in cursor.fetchall():
            found[row[0]].append(parts[row[0]].build(row, connection))
    for part, instances in zip(parts, found, strict=True):
        if part is not None and part.rows.order:
            instances.sort(key=_order_key(part.rows.order))
    return found


def _order_key(names: Sequence[str]):
    """Ascending by each attribute, an empty one last (as PostgreSQL orders NULLs)."""
    getters = [attrgetter(name) for name in names]
    return lambda instance: [(value is None, value) for value in (get(instance) for get in getters)]


def _compiled(rows: Rows) -> _Part | None:
    """The part's SQL, its columns aliased col1, col2..., or None when it cannot match a row."""
    meta = rows.queryset.model._meta
    wanted = {meta.pk.attname} | {meta.get_field(name).attname for name in rows.fields if name != "pk"}
    attnames = [f.attname for f in meta.concrete_fields if f.attname in wanted]
    queryset = rows.queryset.order_by().annotate(**rows.extras).values(*attnames, *rows.extras)
    compiler = queryset.query.get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql(with_col_aliases=True)
    except EmptyResultSet:
        return None
    selected = [expression for expression, _, _ in compiler.select]
    aliases = [alias for _, _, alias in compiler.select]
    names = [*attnames, *rows.extras]
    if len(selected) != len(names) or aliases[len(attnames):] != list(rows.extras):
        raise ValueError(f"one_query: the part selects {aliases} for {names}")
    columns = [(name, _kind(expression.output_field), alias)
               for name, expression, alias in zip(names, selected, aliases, strict=True)]
    return _Part(rows, sql, tuple(params), columns, attnames, compiler.get_converters(selected))


def _kind(model_field: models.Field) -> str:
    try:
        return _KIND_OF_TYPE[model_field.get_internal_type()]
    except KeyError:
        raise TypeError(f"one_query reads no column of type {model_field.get_internal_type()}") from None
