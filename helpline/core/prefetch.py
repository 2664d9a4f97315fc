"""Telling Django what a relation holds when the code that just read or wrote it already knows.

A selector that has just learnt (in its main query) that a ticket has no CCs, or a view that has
just created a ticket without followers, would otherwise let a serializer or a template prefetch
them again, a query per relation. These store the rows the way `prefetch_related` does, so
`ticket.ccs.all()` and `prefetch_related_objects` use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import QuerySet

_EMPTY: dict[type[models.Model], QuerySet[Any]] = {}


def prefetched_set(instance: models.Model, relation: str, objects: Iterable[Any]) -> None:
    """Record `objects` as the prefetched content of `instance.<relation>` (a to-many relation)."""
    rows = list(objects)
    if not rows:
        prefetched_empty(instance, relation)
        return
    queryset = getattr(instance, relation).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    # The accessor's name is the cache key, for forward many-to-many and reverse foreign keys alike.
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = queryset


def prefetched_empty(instance: models.Model, relation: str) -> None:
    """Record that `instance.<relation>` is empty. One shared, evaluated `.none()` queryset per
    model: iterating it reads its empty cache, and anything chained on it (filter, count…) is
    empty too, which is the truth about an empty relation. Building a related manager and a
    queryset for each of 50 messages costs more than the query it saves."""
    model = instance._meta.get_field(relation).related_model
    if model is None:
        raise ValueError(f"{relation!r} is not a relation of {type(instance).__name__}")
    empty = _EMPTY.get(model)
    if empty is None:
        empty = model._default_manager.none()
        empty._result_cache = []
        empty._prefetch_done = True  # type: ignore[attr-defined]  # what prefetch_related_objects sets
        _EMPTY[model] = empty
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[relation] = empty
