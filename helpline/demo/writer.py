"""Writing many generated rows fast: COPY on PostgreSQL, bulk_create elsewhere.

Rows are plain tuples in the order of the writer's columns (attribute names, `ticket_id` not
`ticket`), so the generator never builds model instances on PostgreSQL and the same rows feed both
paths. Callers allocate primary keys themselves (see `next_id`) so that children can point at parents
without reading ids back; `sequences_reset` then moves the engine's id sequences past them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max


class TableWriter:
    """Appends rows to one model's table, inside the caller's transaction."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]) -> None:
        by_attname = {field.attname: field for field in model._meta.concrete_fields}
        self.model = model
        self.columns = tuple(columns)
        self.json_positions = [
            index for index, name in enumerate(self.columns) if isinstance(by_attname[name], models.JSONField)
        ]
        self.rows_written = 0

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            self._copy(rows)
        else:
            self.model._default_manager.bulk_create(
                [self.model(**dict(zip(self.columns, row, strict=True))) for row in rows], batch_size=2000
            )
        self.rows_written += len(rows)

    def _copy(self, rows: Sequence[tuple[Any, ...]]) -> None:
        quote = connection.ops.quote_name
        table = quote(self.model._meta.db_table)
        statement = f"COPY {table} ({', '.join(quote(c) for c in self.columns)}) FROM STDIN"
        dump = _json_dumper()
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            if not self.json_positions:
                for row in rows:
                    copy.write_row(row)
                return
            for row in rows:
                values = list(row)
                for index in self.json_positions:
                    values[index] = dump(values[index])
                copy.write_row(values)


def _json_dumper() -> Any:
    empty: dict[Any, Any] = {}

    def dump(value: Any) -> str:
        # Most JSON columns hold {}; skipping json.dumps for them is most of the saving.
        return "{}" if value == empty else json.dumps(value)

    return dump


def next_id(model: type[models.Model]) -> int:
    """The first primary key after every existing row (the generator assumes no other writer)."""
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def sequences_reset(model_list: Sequence[type[models.Model]]) -> None:
    """Move each table's id sequence past the rows written with explicit ids (PostgreSQL needs it)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
