"""Keyset (cursor) paging: the next page starts after the last row seen, never at an OFFSET."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Model, Q, QuerySet

from helpline.core.errors import InvalidInput


@dataclass
class Page[M: Model]:
    items: list[M]
    next_cursor: str | None


def cursor_encode(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode().rstrip("=")


def cursor_decode(cursor: str, kinds: list[type]) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(kinds):
            raise ValueError
        values: list[Any] = []
        for kind, value in zip(kinds, raw, strict=True):
            if value is None:
                values.append(None)
            elif kind is datetime:
                values.append(datetime.fromisoformat(value))
            elif kind is int:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError
                values.append(value)
            else:
                values.append(kind(value))
        return values
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInput(
            "The cursor is not valid: start again from the first page.",
            errors=[{"field": "cursor", "message": "invalid"}],
        ) from None


def keyset_page[M: Model](
    queryset: QuerySet[M], *, field: str, descending: bool, field_type: type, limit: int, cursor: str | None
) -> Page[M]:
    """One page of `queryset` ordered by (`field`, id), both in the same direction.

    `field` must not be NULL for the rows being paged.
    """
    direction = "-" if descending else ""
    queryset = queryset.order_by(f"{direction}{field}", f"{direction}id")
    if cursor:
        value, last_id = cursor_decode(cursor, [field_type, int])
        op = "lt" if descending else "gt"
        queryset = queryset.filter(Q(**{f"{field}__{op}": value}) | Q(**{field: value, f"id__{op}": last_id}))
    return keyset_rows_page(list(queryset[: limit + 1]), field=field, limit=limit)


def keyset_rows_page[M: Model](rows: list[M], *, field: str, limit: int) -> Page[M]:
    """The page made of `rows`, the first `limit + 1` rows in keyset order (the extra one says
    that there is a next page)."""
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = cursor_encode([getattr(last, field), last.pk])
    return Page(items=rows, next_cursor=next_cursor)
