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

Building and compiling the parts costs far more than running the union (a person's week: ~11 parts, most of
the page's time). A part that is read again and again is given as `Shaped(build, inputs)`: `build(**inputs)`
makes its `Rows`, and its SQL is compiled once per *shape* (which function, and each input's kind, or its
length for a list) and kept in the process; later calls only put the new inputs in the parameters. To learn
where each input lands, a new shape is compiled with two sets of stand-in values (a parameter that follows
them is an input, one that stays is a constant of the SQL) and once with the real inputs, which must give
the same SQL and parameters; a shape that does not (a builder that derives a value from an input, or whose
SQL changes with a value) is compiled every time. So a builder takes every value as it is to be compared
(compute `today + 7 days` before, pass ids rather than rows) and reads no clock.

A page's own queries are kept the same way with `read_shaped(build, **inputs)`: `build` returns a whole queryset
(joins, annotations, `values()`, prefetching), whose SQL and what Django needs to make its rows are kept per
shape, and `read_shaped` gives `list(build(**inputs))` without building or compiling it again.

    checkins, people = one_query([
        Rows(CheckIn.objects.filter(...), ("team", "author", "week", "state"), order=("submitted_at", "pk")),
        Rows(Membership.objects.filter(...), ("team", "is_leader"), {"email": F("user__email")}),
    ])
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, DataError, NotSupportedError, ProgrammingError, connections, models
from django.db.models import F
from django.db.models.expressions import Expression
from django.db.models.sql.constants import MULTI

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


@dataclass(frozen=True)
class Shaped:
    """A part made by `build(**inputs)` and compiled once per shape (see the module's docstring).

    Inputs are whole numbers, text, days, moments, or lists of one of those; True, False and None are part
    of the shape. `build` is a module-level function of its inputs alone.
    """

    build: Callable[..., Rows]
    inputs: dict[str, Any]


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


def one_query(parts: Iterable[Rows | Shaped]) -> list[list[models.Model]]:
    """Each part's instances, in the parts' order, read in one query (none when there are no parts or all
    are empty)."""
    parts = list(parts)
    kept = [isinstance(part, Shaped) for part in parts]
    parts = [_shaped(part) if isinstance(part, Shaped) else _compiled(part) for part in parts]
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
        for kind in KINDS:
            null = _null(kind, connection)
            columns += [by_slot.get(slot, null) for slot in range(start[kind], start[kind] + width[kind])]
        selects.append(f"SELECT {', '.join(columns)} FROM ({part.sql}) part")
        params += part.params
    # query: every part's rows
    for row in fetch(connection, " UNION ALL ".join(selects), params, planned_once=all(kept)):
        found[row[0]].append(parts[row[0]].build(row, connection))
    for part, instances in zip(parts, found, strict=True):
        if part is not None and part.rows.order:
            instances.sort(key=_order_key(part.rows.order))
    return found


def _null(kind: str, connection) -> str:
    key = (connection.vendor, kind)
    if key not in _NULLS:
        _NULLS[key] = f"CAST(NULL AS {KINDS[kind]().db_type(connection)})"
    return _NULLS[key]


_NULLS: dict[tuple[str, str], str] = {}


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


# Shaped parts ---------------------------------------------------------------------------------------------

SHAPES_KEPT = 2000  # shapes kept per process; when full, the one kept longest is compiled afresh at its next use


@dataclass(frozen=True)
class _Input:
    """Where a parameter comes from: input `name` (item `index` of a list), as `adapt` gives it to the driver."""

    name: str
    index: int | None
    adapt: Callable[[Any], Any]


@dataclass(frozen=True)
class _Shape:
    part: _Part | None  # None: the shape cannot match a row (an empty list)
    parameters: tuple  # a constant, or an _Input
    uncacheable: bool = False


_shapes: dict[tuple, _Shape] = {}


def _shaped(shaped: Shaped) -> _Part | None:
    key = _shape_key(shaped.build, shaped.inputs)
    shape = _shapes.get(key)
    if shape is None:
        shape, real = _learn(shaped)
        if shape is not None:  # None: learnt from a later reading (`_learn_query`)
            _keep(_shapes, key, shape)
        return real
    if shape.uncacheable or not _in_range(shape.parameters, shaped.inputs):
        return _compiled(shaped.build(**shaped.inputs))
    if shape.part is None:
        return None
    return replace(shape.part, params=_bind(shape.parameters, shaped.inputs), slots=[])


def _shape_key(build: Callable, inputs: dict) -> tuple:
    fixed = ()
    if isinstance(build, functools.partial):
        build, fixed = build.func, tuple(sorted(build.keywords.items()))
    return (build.__module__, build.__qualname__, fixed,
            *((name, _input_shape(value)) for name, value in sorted(inputs.items())))


def _input_shape(value) -> tuple:
    if value is None or isinstance(value, bool):
        return ("flag", value)
    if isinstance(value, list | tuple):
        kinds = {_scalar_kind(item) for item in value}
        if len(kinds) > 1:
            raise TypeError(f"one_query: a list input mixes {sorted(kinds)}")
        return ("list", kinds.pop() if kinds else "", len(value))
    return (_scalar_kind(value),)


def _scalar_kind(value) -> str:
    if isinstance(value, bool):
        raise TypeError("one_query: True and False are a part's shape, not items of a list input")
    for kind, kind_type in (("int", int), ("moment", datetime), ("day", date), ("text", str)):
        if isinstance(value, kind_type):  # datetime before date: a moment is a date too
            return kind
    raise TypeError(f"one_query: a Shaped part takes no input of type {type(value).__name__}")


def _stand_ins(inputs: dict, round_: int) -> dict:
    """Values no real input has, different in each round: numbers in a range ids never reach here (but within
    a 32-bit column's range, so that no lookup drops them as out of range), days and moments centuries ago."""
    counter = iter(range(10**6))

    def stand_in(value):
        n = next(counter) + round_ * 50_000
        match _scalar_kind(value):
            case "int":
                return 1_900_000_000 + n
            case "moment":
                return datetime(1800, 1, 1, tzinfo=UTC) + timedelta(seconds=n)
            case "day":
                return date(1800, 1, 1) + timedelta(days=n)
            case _:
                return f"one-query-stand-in-{n}"

    return {name: ([stand_in(item) for item in value] if isinstance(value, list | tuple)
                   else value if value is None or isinstance(value, bool) else stand_in(value))
            for name, value in inputs.items()}


def _learn(shaped: Shaped) -> tuple[_Shape | None, _Part | None]:
    """The shape, compiled with two sets of stand-ins and with the real inputs (kept if they agree), and the
    part compiled with the real inputs."""
    real = _compiled(shaped.build(**shaped.inputs))
    return _shape_of(shaped, real), real


def _shape_of(shaped: Shaped, real: _Part | None) -> _Shape | None:
    first, second = (_stand_ins(shaped.inputs, round_) for round_ in (1, 2))
    made = [_compiled(shaped.build(**inputs)) for inputs in (first, second)]
    if made[0] is None and made[1] is None:
        return _Shape(None, ()) if real is None else _Shape(None, (), uncacheable=True)
    if None not in made and real is None:
        return None
    if None in made or real is None:
        return _Shape(None, (), uncacheable=True)
    connection = connections[made[0].rows.queryset.db]
    parameters = _parameters(shaped.inputs, (first, second), [(part.sql, part.params) for part in made],
                             (real.sql, real.params), connection)
    if parameters is None:
        return _Shape(None, (), uncacheable=True)
    sql, parameters = _constants_written(made[0].sql, parameters, connection)
    return _Shape(replace(made[0], sql=sql, params=(), slots=[]), parameters)


def _parameters(inputs: dict, stand_ins: tuple[dict, dict], made: list[tuple[str, tuple]], real: tuple[str, tuple],
                connection) -> tuple | None:
    """Where each parameter of a shape's SQL comes from (a constant, or an `_Input`), learnt from its SQL and
    parameters compiled with each set of stand-ins (`made`) and with the real inputs; None when the compiles
    disagree: a value derived from an input, or read from a clock, or SQL that changes with a value."""
    (sql_a, params_a), (sql_b, params_b) = made
    if not sql_a == sql_b == real[0] or not len(params_a) == len(params_b) == len(real[1]):
        return None
    sources = {**_sources_of(stand_ins[0], connection), **_sources_of(stand_ins[1], connection)}
    parameters = []
    for a, b in zip(params_a, params_b, strict=True):
        if _same(a, b):
            parameters.append(a)
        elif (source := sources.get(_hashable(a))) is not None and sources.get(_hashable(b)) == source:
            parameters.append(source)
        else:
            return None
    parameters = tuple(parameters)
    return parameters if list(_bind(parameters, inputs)) == list(real[1]) else None


def _sources_of(stand_ins: dict, connection) -> dict:
    """Each stand-in as the compiler passes it to the driver (as it is, or as the backend adapts a day or a
    moment), mapped to the input it stands for."""
    ops = connection.ops
    sources = {}
    for name, value in stand_ins.items():
        if isinstance(value, list | tuple) and value:  # the whole list, as one parameter (`AmongIds`)
            sources.setdefault(_hashable(list(value)), _Input(name, None, list))
        items = enumerate(value) if isinstance(value, list | tuple) else [(None, value)]
        for index, item in items:
            if item is None or isinstance(item, bool):
                continue
            adapters = [_as_is]
            if isinstance(item, int):  # PostgreSQL's backend types a number by its column (psycopg's Int4...)
                adapters += list(dict.fromkeys(getattr(ops, "integerfield_type_map", {}).values()))
            elif isinstance(item, datetime):
                adapters.append(ops.adapt_datetimefield_value)
            elif isinstance(item, date):
                adapters.append(ops.adapt_datefield_value)
            for adapt in adapters:
                sources.setdefault(_hashable(adapt(item)), _Input(name, index, adapt))
    return sources


def _as_is(value):
    return value


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _hashable(value):
    return (type(value).__name__, value) if not isinstance(value, list | dict | set) else (type(value).__name__, repr(value))


# The range of each integer type PostgreSQL's backend gives a number (`integerfield_type_map`).
_INTEGER_RANGES = {"Int2": 2**15, "Int4": 2**31, "Int8": 2**63}


def _in_range(parameters: tuple, inputs: dict) -> bool:
    """Whether every typed number fits its column's type. Django turns one that does not into "no row" (or "every
    row", by the lookup) while it compiles; kept SQL is not compiled, so such a reading is built as Django builds it."""
    for parameter in parameters:
        if isinstance(parameter, _Input) and (limit := _INTEGER_RANGES.get(getattr(parameter.adapt, "__name__", ""))):
            value = inputs[parameter.name]
            if not -limit <= (value if parameter.index is None else value[parameter.index]) < limit:
                return False
    return True


def _bind(parameters: tuple, inputs: dict) -> tuple:
    values = []
    for parameter in parameters:
        if isinstance(parameter, _Input):
            value = inputs[parameter.name]
            values.append(parameter.adapt(value if parameter.index is None else value[parameter.index]))
        else:
            values.append(parameter)
    return tuple(values)


class AmongIds(Expression):
    """`column IN (ids)` for a list of whole numbers, written on PostgreSQL as `column = ANY(%s)`: one parameter, the
    list, where `IN` has one a number.

    The same rows either way. A kept statement (`read_shaped`) is prepared once on PostgreSQL, which plans it for
    the values given at its first readings and then keeps a generic plan, unless the plans for the values given
    look cheaper: with one parameter a number they did for the map's charters and their key results, which were
    planned afresh at every reading (a third of their time). With the list as one parameter PostgreSQL keeps
    the generic plan, and lists of any length share one statement. Elsewhere `IN` as Django writes it.
    """

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, column: str | F, ids):
        super().__init__()
        self.column, self.ids = F(column) if isinstance(column, str) else column, list(ids)

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, expressions):
        [self.column] = expressions

    def as_sql(self, compiler, connection):
        if not self.ids:
            raise EmptyResultSet
        column, params = compiler.compile(self.column)
        return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", (*params, *self.ids)

    def as_postgresql(self, compiler, connection):
        if not self.ids:
            raise EmptyResultSet
        column, params = compiler.compile(self.column)
        return f"{column} = ANY(%s)", (*params, self.ids)


# Whole querysets read with their SQL compiled once per shape ------------------------------------------------

# What a compiled query's instances are made from (Django's compiler sets them while it writes the SQL).
_COMPILER_STATE = ("select", "klass_info", "annotation_col_map", "col_count", "has_extra_select", "where", "having",
                   "qualify", "_meta_ordering")


@dataclass(frozen=True)
class _KeptQuery:
    template: models.QuerySet | None  # built from stand-ins; None: the shape cannot match a row
    sql: str
    parameters: tuple  # a constant, or an _Input
    state: dict  # the compiler's `_COMPILER_STATE` once it wrote `sql`
    uncacheable: bool = False


_queries: dict[tuple, _KeptQuery] = {}


def read_first(build: Callable[..., models.QuerySet], *, default: Any = None, **inputs) -> Any:
    """The first row `read_shaped(build, **inputs)` reads, `default` when it reads none."""
    found = read_shaped(build, **inputs)
    return found[0] if found else default


def read_shaped(build: Callable[..., models.QuerySet], *, shape: dict | None = None, **inputs) -> list:
    """`list(build(**shape, **inputs))`, with the queryset's SQL compiled once per shape (see the module's
    docstring), so that a page asking again only binds its inputs. `build` is a module-level function of its
    inputs alone, which it takes as `Shaped` does, returning a queryset of instances (`select_related`,
    annotations and `prefetch_related` included) or of `values()`/`values_list()`; it orders and slices it
    itself. `shape`: arguments that are part of the shape rather than inputs, given to `build` as they are
    (hashable values that change the SQL, such as a page's offset or which filter applies)."""
    read = Read(build, inputs, shape)
    found = _read_ahead(read)
    if found is None:
        found = _ready(read)
    if isinstance(found, list):
        return found
    return found.rows(fetch(found.connection, *found.compiled, planned_once=True))


@dataclass(frozen=True)
class Read:
    """One `read_shaped(build, shape=shape, **inputs)` among several read together (`read_together`)."""

    build: Callable[..., models.QuerySet]
    inputs: dict[str, Any]
    shape: dict | None = None

    def rows(self) -> list:
        """`read_shaped(build, shape=shape, **inputs)`: this read's rows (from a reading ahead, when one read them)."""
        return read_shaped(self.build, shape=self.shape, **self.inputs)

    def first(self, default: Any = None) -> Any:
        """This read's first row, `default` when it reads none (as `read_first`)."""
        found = self.rows()
        return found[0] if found else default


def read_together(reads: Sequence[Read]) -> list[list]:
    """`[read_shaped(...) for each of reads]`, the kept ones sent to PostgreSQL together.

    Sent one after the other, each query waits for its own answer; pipelined (`fetch_many`), the page waits
    once for all of them, which shortens what a reader waits for by a round trip a statement (the network's,
    where the database runs elsewhere) but saves little of the machine's work. So the reads must not depend
    on one another's rows. Each is still a query of its own (query logs and query-count tests see each). A
    shape learnt at this reading, and every read on SQLite or behind a pooler in transaction mode, is read as
    `read_shaped` reads it. A read a `reading_ahead` around the call read already is given from what it read.
    """
    found: list[list | _Pending] = [_ready(read) if (rows := _read_ahead(read)) is None else rows for read in reads]
    pending = [item for item in found if isinstance(item, _Pending)]
    by_connection: dict[str, list[_Pending]] = {}
    for item in pending:
        by_connection.setdefault(item.connection.alias, []).append(item)
    rows: dict[int, list] = {}
    for items in by_connection.values():
        for item, fetched in zip(items, fetch_many(items[0].connection, [item.compiled for item in items]),
                                 strict=True):
            rows[id(item)] = item.rows(fetched)
    return [rows[id(item)] if isinstance(item, _Pending) else item for item in found]


# The rows `reading_ahead` read for the block it wraps, by read (`_read_key`); each is given out once.
_ahead: ContextVar[dict | None] = ContextVar("one_query_ahead", default=None)


@contextmanager
def reading_ahead(reads: Sequence[Read]) -> Iterator[None]:
    """Read `reads` together (`read_together`: one wait on PostgreSQL) now, and answer each of them from what was
    read when the code in the block asks for it with `read_shaped` (the same builder, shape and inputs), once.

    For a page whose reads are made by several functions, each asking for its own rows (the team's people, a
    version's responses, its comments): the page names them up front and waits once, and none of those
    functions changes. What the block does not ask for is dropped with it."""
    found = read_together(reads)
    token = _ahead.set({**(_ahead.get() or {}), **{_read_key(read): rows for read, rows in zip(reads, found, strict=True)}})
    try:
        yield
    finally:
        _ahead.reset(token)


def _read_ahead(read: Read) -> list | None:
    """The read's rows when a `reading_ahead` around the caller read them and nobody took them yet (taken now)."""
    ahead = _ahead.get()
    return ahead.pop(_read_key(read), None) if ahead else None


def _read_key(read: Read) -> tuple:
    inputs = tuple(sorted((name, tuple(value) if isinstance(value, list) else value)
                          for name, value in read.inputs.items()))
    return read.build, tuple(sorted((read.shape or {}).items())), inputs


@dataclass(frozen=True)
class _Pending:
    """A kept query bound to its inputs, waiting for its rows: `rows(fetched)` makes of them what Django would."""

    queryset: models.QuerySet
    compiler: Any
    compiled: tuple[str, tuple]

    @property
    def connection(self):
        return self.compiler.connection

    def rows(self, fetched: list[tuple]) -> list:
        compiler = self.compiler

        def execute_sql(result_type=MULTI, **kwargs):  # the rows as one chunk, as Django's compiler gives them
            return [[row[:compiler.col_count] for row in fetched] if compiler.has_extra_select else fetched]

        compiler.execute_sql = execute_sql
        return list(self.queryset)


def _ready(read: Read) -> list | _Pending:
    """The read's rows when they are read at once (a shape learnt now, one that cannot be kept, or cannot match
    a row), else its kept query bound to its inputs."""
    build, inputs = read.build, read.inputs
    if read.shape:
        build = functools.partial(build, **read.shape)
    key = _shape_key(build, inputs)
    kept = _queries.get(key)
    if kept is None:
        kept, found = _learn_query(build, inputs)
        if kept is not None:
            _keep(_queries, key, kept)
        return found
    if kept.uncacheable or not _in_range(kept.parameters, inputs):
        return list(build(**inputs))
    if kept.template is None:
        return []
    queryset = kept.template._chain()
    compiler = queryset.query.get_compiler(using=queryset.db)
    compiler.__dict__.update(kept.state)
    compiled = (kept.sql, _bind(kept.parameters, inputs))
    compiler.as_sql = lambda *args, **kwargs: compiled
    queryset.query.get_compiler = lambda *args, **kwargs: compiler  # this copy's only: the template is shared
    return _Pending(queryset, compiler, compiled)


def _learn_query(build: Callable[..., models.QuerySet], inputs: dict) -> tuple[_KeptQuery | None, list]:
    """The shape, learnt as `Shaped` parts' are, and the real inputs' rows (read as Django reads them). None
    for the shape when the real inputs cannot match a row but stand-ins can (a number too big for its column,
    typed into an address): the shape is learnt from a later reading instead of being marked from this one."""
    real = build(**inputs)
    uncacheable = _KeptQuery(None, "", (), {}, uncacheable=True)
    stand_ins = tuple(_stand_ins(inputs, round_) for round_ in (1, 2))
    built = [build(**values) for values in stand_ins]
    if real._known_related_objects or any(queryset._known_related_objects for queryset in built):
        return uncacheable, list(real)  # instances from the caller, set on each row: not part of a shape
    made, real_compiled = [_sql_of(queryset) for queryset in built], _sql_of(real)
    if made[0] is None and made[1] is None and real_compiled is None:
        return _KeptQuery(None, "", (), {}), []
    if None not in made and real_compiled is None:
        return None, list(real)
    if None in made or real_compiled is None:
        return uncacheable, list(real)
    connection = connections[real.db]
    parameters = _parameters(inputs, stand_ins, [(sql, params) for sql, params, _ in made], real_compiled[:2],
                             connection)
    if parameters is None:
        return uncacheable, list(real)
    sql, _, state = made[0]
    sql, parameters = _constants_written(sql, parameters, connection)
    return _KeptQuery(built[0], sql, parameters, state), list(real)


# A constant of a builder written into its kept SQL as a literal: text, and whole numbers (True and False too).
_WRITTEN = (str, int)
_PLACEHOLDER = re.compile(r"%%|%s")


def _constants_written(sql: str, parameters: tuple, connection) -> tuple[str, tuple]:
    """On PostgreSQL, `sql` with the constants among its `parameters` (a state, a kind, the 1 of an `EXISTS`: every
    value its builder writes whatever the inputs) written in as literals, and its inputs left as parameters.

    A kept statement is prepared, and PostgreSQL gives it a generic plan, made once for any inputs, only where it
    judges that plan to cost no more than one made for the values given. A constant it sees only as a parameter
    (`state IN ($15, $16)`) it estimates at a guess, so it judged the generic plan dearer and planned afresh at
    every reading: the cycle's commitments, a leader's open requests, a team's charters (a third of the cycle
    page's time in PostgreSQL). Written in, the constants are estimated as they are, and the inputs alone are
    left to the generic plan. The SQL is the same statement Django would send (psycopg's quoting, `%` doubled
    for the parameters that remain)."""
    if connection.vendor != "postgresql" or not any(_is_written(value) for value in parameters):
        return sql, parameters
    if sum(found.group() == "%s" for found in _PLACEHOLDER.finditer(sql)) != len(parameters):
        return sql, parameters  # not SQL whose every parameter has its placeholder: kept as compiled
    from psycopg.sql import Literal

    remaining, given = [], iter(parameters)

    def written(found: re.Match) -> str:
        if found.group() == "%%":
            return "%%"
        value = next(given)
        if not _is_written(value):
            remaining.append(value)
            return "%s"
        return Literal(value).as_string(None).replace("%", "%%")

    return _PLACEHOLDER.sub(written, sql), tuple(remaining)


def _is_written(value) -> bool:
    return not isinstance(value, _Input) and isinstance(value, _WRITTEN)


def _sql_of(queryset: models.QuerySet) -> tuple[str, tuple, dict] | None:
    compiler = queryset.query.chain().get_compiler(using=queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return None
    return sql, tuple(params), {name: getattr(compiler, name) for name in _COMPILER_STATE}


# Statements planned once per connection ----------------------------------------------------------------------

_preparable: dict[str, bool] = {}  # SQL text -> whether PostgreSQL took it with its parameters bound on the server

# Behind a pooler in transaction mode each transaction may run on another server connection, which does not hold
# the statements prepared on the last one (pgbouncer passes them on only from 1.21, with `max_prepared_statements`;
# Debian 12's is 1.18): kept statements are then read as Django reads them, planned at every reading.
PLAN_ONCE = settings.DATABASE_POOL_MODE != "transaction"


def fetch(connection, sql: str, params, *, planned_once: bool = False) -> list[tuple]:
    """The rows `sql` reads. `planned_once`, on PostgreSQL: the statement is prepared on the connection the first
    time it runs there, so that PostgreSQL plans it once rather than at every reading (planning My week's union
    costs four times what running it does). For SQL that is read again and again with new parameters: the
    kept shapes' SQL.

    Django binds parameters on the client, which cannot prepare, so these statements go through a cursor that
    binds them on the server (psycopg's prepared statements: a connection pooler must pass them on; pgbouncer
    does from 1.21 with `max_prepared_statements`; `PLAN_ONCE` is off behind one in transaction mode). SQL that
    PostgreSQL refuses with parameters bound that way (a parameter whose type it cannot tell) is read as Django
    reads it from then on; inside a transaction the error stands, as the transaction is spoilt. An error that says
    nothing of the statement (a connection lost, a query cancelled) is raised as Django would raise it, and the
    statement is tried prepared again next time.
    """
    if planned_once and PLAN_ONCE and connection.vendor == "postgresql" and _preparable.get(sql, True):
        try:
            with _preparing_cursor(connection) as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
        except (ProgrammingError, DataError, NotSupportedError):  # what PostgreSQL says of the statement itself
            if sql in _preparable or connection.in_atomic_block:
                raise
            _remember(sql, False)
        else:
            if sql not in _preparable:
                _remember(sql, True)
            return rows
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def fetch_many(connection, statements: Sequence[tuple[str, tuple]]) -> list[list[tuple]]:
    """The rows each of `statements` (kept SQL and its parameters) reads, as `fetch(..., planned_once=True)`
    reads them. On PostgreSQL those already known to take their parameters bound on the server are sent in one
    pipeline (psycopg's pipeline mode): every statement goes out before any answer is awaited, and the answers
    come back together, so the page waits once rather than once a statement. The others (a statement seen for
    the first time, or one PostgreSQL refused so) are read one by one, as is every statement elsewhere, and all
    of them again when the pipeline fails outside a transaction (a statement PostgreSQL now refuses is then
    told apart as `fetch` tells it)."""
    found: list[list[tuple] | None] = [None] * len(statements)
    piped = [n for n, (sql, _) in enumerate(statements) if _preparable.get(sql) is True]
    if len(piped) > 1 and PLAN_ONCE and connection.vendor == "postgresql":
        try:
            for n, rows in zip(piped, _pipelined(connection, [statements[n] for n in piped]), strict=True):
                found[n] = rows
        except DatabaseError:
            if connection.in_atomic_block:
                raise
            found = [None] * len(statements)
    return [rows if rows is not None else fetch(connection, *statements[n], planned_once=True)
            for n, rows in enumerate(found)]


def _pipelined(connection, statements: Sequence[tuple[str, tuple]]) -> list[list[tuple]]:
    cursors = []
    with connection.wrap_database_errors, _preparing_cursor(connection) as first:
        raw = first.cursor.connection
        with raw.pipeline():
            for n, (sql, params) in enumerate(statements):
                cursor = first if n == 0 else connection._prepare_cursor(type(first.cursor)(raw))
                cursor.execute(sql, params)
                cursors.append(cursor)
        try:
            return [cursor.fetchall() for cursor in cursors]
        finally:
            for cursor in cursors[1:]:
                cursor.close()


def _remember(sql: str, preparable: bool) -> None:
    _keep(_preparable, sql, preparable)


def _keep(store: dict, key, value) -> None:
    """`store[key] = value`; a store holding `SHAPES_KEPT` entries lets the one it has kept longest go first (learnt
    again at its next reading). One at a time, never all: a full store does not make every page learn its shapes
    again at once. Another thread may have taken that entry meanwhile; then there is room already."""
    if key not in store and len(store) >= SHAPES_KEPT:
        with suppress(StopIteration, RuntimeError):
            store.pop(next(iter(store)), None)
    store[key] = value


def _preparing_cursor(connection):
    """A cursor binding parameters on the server and preparing each statement at its first run, wrapped as Django
    wraps its own (query logs and execute wrappers see it)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django's cursors never prepare (client-side binding): this one always does
        raw.prepare_threshold = 0
    return connection._prepare_cursor(ServerBindingCursor(raw))
