"""Querysets compiled once, for the few reads that every request makes.

Django turns a queryset into SQL on every evaluation: resolving lookups, joins, select_related
columns and converters costs 0.5 to 2 ms of CPU for the wide selects of the hot paths (the API
token with its owner, a ticket with its requester, team, assignee and category), several times
what SQLite or PostgreSQL need to run them. A `PreparedQuery` builds its queryset once per
database with placeholder values, keeps the compiled SQL and the compiler's column map, and on
each call only swaps the parameters: rows, select_related objects, annotations and prefetches are
then made by Django's own ModelIterable, exactly as for the original queryset.

Only the values change between calls, never the shape: a placeholder must appear exactly once
among the compiled parameters, and it must be a value the database receives unchanged (an int or
a str, or the backend's wrapper of one), which the preparation checks.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.db.models.fields.reverse_related import ForeignObjectRel

# Placeholders no real request sends: a negative number and a string with a NUL character.
INT_PLACEHOLDER = -7_654_321_987
STR_PLACEHOLDER = "\x00helpline-prepared\x00"


class PreparedQuery[R]:
    """`build(**placeholders)` returns the queryset; `prepared(**values)` runs it with `values`.
    `R` is what a row becomes: the model instance, or the tuple or dict of values_list/values."""

    def __init__(self, build: Callable[..., QuerySet[Any, R]], **placeholders: int | str) -> None:
        self._build = build
        self._placeholders = placeholders
        self._prepared: dict[str, tuple[QuerySet[Any, R], Any, str, list[Any], dict[str, int]]] = {}
        self._lock = threading.Lock()

    def __call__(self, *, using: str = "default", **values: Any) -> QuerySet[Any, R]:
        """An unevaluated queryset with the values bound; evaluate it once (list(), first row)."""
        prepared = self._prepared.get(using) or self._prepare(using)
        queryset, compiler, sql, params, positions = prepared
        bound = list(params)
        for name, position in positions.items():
            bound[position] = type(params[position])(values[name])
        own = copy.copy(compiler)
        own.connection = connections[using]  # connections are per thread; the compiler is shared
        own.as_sql = lambda *args, **kwargs: (sql, tuple(bound))
        # The converters (text to datetime, JSON…) depend on the columns only: computed once too.
        # They receive the connection they run on when applied (SQLCompiler.apply_converters).
        converters = compiler.__dict__.get("_prepared_converters")
        if converters is None:
            fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
            converters = compiler._prepared_converters = compiler.get_converters(fields)
        own.get_converters = lambda expressions: converters
        query = copy.copy(queryset.query)
        query.get_compiler = lambda *args, **kwargs: own  # type: ignore[method-assign]  # on this copy only
        # QuerySet._clone without cloning the query, which is the cost being avoided. It copies
        # private attributes of Django's that the stubs do not declare, hence Any.
        source: Any = queryset
        clone: Any = queryset.__class__(model=queryset.model, query=query, using=source._db, hints=source._hints)
        clone._prefetch_related_lookups = source._prefetch_related_lookups[:]
        clone._known_related_objects = source._known_related_objects
        clone._iterable_class = source._iterable_class
        clone._fetch_mode = source._fetch_mode
        clone._fields = source._fields
        return clone

    def _prepare(self, using: str) -> tuple[QuerySet[Any, R], Any, str, list[Any], dict[str, int]]:
        with self._lock:
            if using in self._prepared:
                return self._prepared[using]
            queryset = self._build(**self._placeholders).using(using)
            compiler = queryset.query.get_compiler(using=using)
            sql, params = compiler.as_sql()  # fills compiler.select, klass_info, annotation_col_map
            positions = {}
            for name, placeholder in self._placeholders.items():
                # The backend may wrap a value (psycopg binds ints as Int8): match and re-wrap alike.
                found = [
                    i for i, param in enumerate(params) if isinstance(param, type(placeholder)) and param == placeholder
                ]
                if len(found) != 1:
                    raise ValueError(f"placeholder {name!r} appears {len(found)} times in the compiled parameters")
                positions[name] = found[0]
            self._prepared[using] = (queryset, compiler, sql, list(params), positions)
            return self._prepared[using]


_INSERTS: dict[tuple[type[Model], str, tuple[str, ...]], tuple[str, list[Any]]] = {}


def insert_row[M: Model](obj: M, *, using: str = "default") -> M:
    """INSERT `obj` (a new row of a model with an auto-increment key) with one statement built
    once per model, and set its key from RETURNING.

    What `Model.save(force_insert=True)` writes, for about a tenth of its CPU: the hot writes (the
    event log, tickets and messages) make thousands of these a minute. Like `QuerySet.bulk_create`,
    it sends no pre_save/post_save signals; nothing in Helpline listens to them for these models.
    """
    written = _insert(obj, using, ())
    assert written is not None  # noqa: S101 - without ON CONFLICT the INSERT returns its row or raises
    return written


def insert_row_unless_exists[M: Model](obj: M, *, unique: Sequence[str], using: str = "default") -> M | None:
    """insert_row, except that a row breaking the unique constraint on the columns `unique` is not
    written (`ON CONFLICT (…) DO NOTHING`, on PostgreSQL and SQLite alike): None then. There is
    no IntegrityError, so no savepoint is needed around the insert to survive a duplicate.
    """
    if not unique:
        raise ValueError("insert_row_unless_exists needs the columns of a unique constraint")
    return _insert(obj, using, tuple(unique))


def _insert[M: Model](obj: M, using: str, conflict: tuple[str, ...]) -> M | None:
    model = type(obj)
    if obj.pk is not None:
        raise ValueError(f"insert_row makes new {model.__name__} rows; this one has a key already")
    connection = connections[using]
    prepared = _INSERTS.get((model, using, conflict))
    if prepared is None:
        quote = connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(quote(_column(f)) for f in fields)
        marks = ", ".join(["%s"] * len(fields))
        skip = ""
        if conflict:
            skip = f"ON CONFLICT ({', '.join(quote(_column(model._meta.get_field(n))) for n in conflict)}) DO NOTHING "
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks}) {skip}"  # noqa: S608 - model metadata
            f"RETURNING {quote(_column(model._meta.pk))}"
        )
        prepared = _INSERTS[(model, using, conflict)] = (sql, fields)
    sql, fields = prepared
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchone()
    if returned is None:  # ON CONFLICT DO NOTHING: the row exists already
        return None
    obj.pk = returned[0]
    obj._state.adding = False
    obj._state.db = using
    return obj


_UPDATES: dict[tuple[type[Model], str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], tuple[str, list[Any]]] = {}


def update_rows(
    model: type[Model],
    *,
    where: dict[str, Any],
    values: dict[str, Any],
    increment: Sequence[str] = (),
    using: str = "default",
) -> int:
    """`UPDATE … SET <values>, <each of increment> = itself + 1 WHERE <where, all equal>`; the number of
    rows changed. The statement is built once per model and set of names, like insert_row: what
    `QuerySet.filter(**where).update(**values)` writes, for a fraction of its CPU.

    Names are field names (a relation takes an instance or a key); values are plain values, never
    expressions.
    """
    connection = connections[using]
    key = (model, using, tuple(values), tuple(where), tuple(increment))
    prepared = _UPDATES.get(key)
    if prepared is None:
        quote = connection.ops.quote_name
        meta = model._meta
        set_fields = [meta.get_field(name) for name in values]
        where_fields = [meta.pk if name == "pk" else meta.get_field(name) for name in where]
        assignments = [f"{quote(_column(f))} = %s" for f in set_fields]
        for name in increment:
            column = quote(_column(meta.get_field(name)))
            assignments.append(f"{column} = {column} + 1")
        if not assignments or not where_fields:
            raise ValueError("update_rows needs values or increments, and a where")
        conditions = " AND ".join(f"{quote(_column(f))} = %s" for f in where_fields)
        sql = f"UPDATE {quote(meta.db_table)} SET {', '.join(assignments)} WHERE {conditions}"  # noqa: S608
        prepared = _UPDATES[key] = (sql, set_fields + where_fields)
    sql, fields = prepared
    raw = [*values.values(), *where.values()]
    params = [
        field.get_db_prep_save(value.pk if isinstance(value, Model) else value, connection)
        for field, value in zip(fields, raw, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _column(field: Field[Any, Any] | ForeignObjectRel | None) -> str:
    """The column of a field that has one (not a reverse relation, not a many-to-many)."""
    if isinstance(field, Field) and field.column is not None:
        return field.column
    raise ValueError(f"{field!r} has no column of its own")
