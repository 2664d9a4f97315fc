"""Numbers that go up and are never reused, even when the row that took one is purged."""

from __future__ import annotations

from django.db import connection, transaction

from helpline.core.models import NumberSequence


def sequence_next(name: str, *, start: int) -> int:
    """Take the next number of the named sequence (inside the caller's transaction)."""
    table = NumberSequence._meta.db_table
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])  # noqa: S608
        row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        NumberSequence.objects.get_or_create(name=name, defaults={"value": start - 1})
        cursor.execute(f"UPDATE {table} SET value = value + 1 WHERE name = %s RETURNING value", [name])  # noqa: S608
        row = cursor.fetchone()
        if row is None:  # pragma: no cover - the row was created just above
            raise RuntimeError(f"sequence {name} is missing")
        return int(row[0])
