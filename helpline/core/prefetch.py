"""Telling Django what a relation holds when the code that just wrote it already knows.

A service that has just created a ticket with its tags knows them; letting a serializer prefetch
them again costs a query per relation. `prefetched_set` stores the rows the way
`prefetch_related` does, so `ticket.tags.all()` and `prefetch_related_objects` use them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models


def prefetched_set(instance: models.Model, relation: str, objects: Iterable[Any]) -> None:
    """Record `objects` as the prefetched content of `instance.<relation>` (a to-many relation)."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    cache[relation] = queryset  # the accessor's name is the cache key for forward and reverse relations
