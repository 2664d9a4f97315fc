"""What the API operations of every app share: the caller, response maps, paging, id lookups."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor
from helpline.api.schemas import NO_NUL, Problem
from helpline.core.errors import InvalidInput, PermissionDenied
from helpline.core.keyset import Page, keyset_page
from helpline.core.prepared import PreparedQuery

# The `cursor` query parameter of every list.
CURSOR: dict[str, Any] = {"max_length": 500, "pattern": NO_NUL, "description": "The `next_cursor` of the page before."}


def actor_of(request: HttpRequest) -> Actor:
    """The agent or customer the pipeline authenticated."""
    return request.actor  # type: ignore[attr-defined]


def agent_of(request: HttpRequest) -> Agent:
    """The calling agent; PermissionDenied for customers."""
    actor = actor_of(request)
    if not isinstance(actor, Agent):
        raise PermissionDenied("This is for agents.")
    return actor


def responses(model: Any, *problems: int, status: int = 200) -> dict[int, Any]:
    """The `response=` map of an operation: its success and the problems it documents itself.

    Problems every operation can answer (401, 403, 429; 422 and 404 where it takes input; 400
    and 413 where it takes a body; 409 for POST) are added to the OpenAPI document by
    api/openapi.py.
    """
    return {status: model, **dict.fromkeys(problems, Problem)}


def page_json[M: Model](page: Page[M], item: Callable[[M], dict[str, Any]]) -> dict[str, Any]:
    return {"items": [item(row) for row in page.items], "next_cursor": page.next_cursor}


def id_page[M: Model](queryset: QuerySet[M], *, limit: int, cursor: str | None) -> Page[M]:
    """One page of a small table, newest id first."""
    return keyset_page(queryset, field="id", descending=True, field_type=int, limit=limit, cursor=cursor)


def lookup[M: Model](source: QuerySet[M] | PreparedQuery[M], pk: int | None, field: str) -> M | None:
    """The row a body field names by id; InvalidInput naming the field when there is none.
    `source` is a queryset, or a PreparedQuery taking `pk` for the hottest writes."""
    if pk is None:
        return None
    if isinstance(source, PreparedQuery):
        row = next(iter(source(pk=pk)), None)
    else:
        row = source.filter(pk=pk).first()
    if row is None:
        raise InvalidInput(
            f"There is no {field.removesuffix('_id')} {pk}.", errors=[{"field": field, "message": "unknown"}]
        )
    return row


def lookup_many[M: Model](queryset: QuerySet[M], pks: Iterable[int], field: str) -> list[M]:
    wanted = list(dict.fromkeys(pks))
    rows = {row.pk: row for row in queryset.filter(pk__in=wanted)}
    missing = [pk for pk in wanted if pk not in rows]
    if missing:
        raise InvalidInput(
            f"Unknown {field}: {', '.join(map(str, missing))}.", errors=[{"field": field, "message": "unknown"}]
        )
    return [rows[pk] for pk in wanted]


def refuse_fields(given: AbstractSet[str], forbidden: AbstractSet[str], why: str) -> None:
    """PermissionDenied listing the fields of `given` this caller may not set."""
    refused = sorted(given & forbidden)
    if refused:
        raise PermissionDenied(
            f"{why}: {', '.join(refused)}.", errors=[{"field": name, "message": "not allowed"} for name in refused]
        )
