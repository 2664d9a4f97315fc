"""Validation of the values of admin-defined custom fields."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from helpline.core.errors import InvalidInput
from helpline.core.models import CustomField


def custom_fields_validate(
    *, target: str, values: dict[str, Any], current: dict[str, Any] | None = None, public_only: bool = False
) -> dict[str, Any]:
    """Check `values` against the definitions of `target` and return the merged, typed values.

    A `None` value removes the field. Unknown keys, wrong types and missing required fields raise
    InvalidInput listing every problem at once.
    """
    definitions = custom_field_definitions(target)
    merged = dict(current or {})
    errors: list[dict[str, Any]] = []
    for key, value in values.items():
        field = definitions.get(key)
        if field is None or (public_only and not field.is_public):
            errors.append({"field": f"custom_fields.{key}", "message": "unknown custom field"})
            continue
        if value is None:
            merged.pop(key, None)
            continue
        try:
            merged[key] = _coerce(field, value)
        except (TypeError, ValueError) as exc:
            errors.append({"field": f"custom_fields.{key}", "message": str(exc)})
    for key, field in definitions.items():
        if field.required and merged.get(key) in (None, "") and (not public_only or field.is_public):
            errors.append({"field": f"custom_fields.{key}", "message": "this field is required"})
    if errors:
        raise InvalidInput("Some custom fields are not valid.", errors=errors)
    return merged


# Definitions change rarely (an admin edits them) and are read on every ticket write; each process
# keeps them for a few seconds instead of asking the database every time.
_CACHE_SECONDS = 5.0
_cache: dict[str, tuple[float, dict[str, CustomField]]] = {}


def custom_field_definitions(target: str) -> dict[str, CustomField]:
    """The custom fields of `target` by key, at most _CACHE_SECONDS old."""
    hit = _cache.get(target)
    if hit is not None and time.monotonic() - hit[0] < _CACHE_SECONDS:
        return hit[1]
    definitions = {f.key: f for f in CustomField.objects.filter(target=target)}
    _cache[target] = (time.monotonic(), definitions)
    return definitions


def custom_field_definitions_forget() -> None:
    """Drop the cached definitions (after an admin changed them; tests)."""
    _cache.clear()


def _coerce(field: CustomField, value: Any) -> Any:
    match field.type:
        case CustomField.Type.TEXT:
            if not isinstance(value, str):
                raise TypeError("expected text")
            if len(value) > 10_000:
                raise ValueError("text is longer than 10000 characters")
            return value
        case CustomField.Type.NUMBER:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError("expected a number")
            return value
        case CustomField.Type.INTEGER:
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError("expected a whole number")
            return value
        case CustomField.Type.BOOLEAN:
            if not isinstance(value, bool):
                raise TypeError("expected true or false")
            return value
        case CustomField.Type.DATE:
            if not isinstance(value, str):
                raise TypeError("expected a date as YYYY-MM-DD")
            return dt.date.fromisoformat(value).isoformat()
        case CustomField.Type.CHOICE:
            if value not in field.choices:
                raise ValueError(f"expected one of {', '.join(map(str, field.choices))}")
            return value
    raise ValueError(f"unsupported field type {field.type}")
