"""Categories (a tree) and tags."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from helpline.api.operations import CURSOR, actor_of, agent_of, lookup, responses
from helpline.api.schemas import Id
from helpline.core.errors import NotFound
from helpline.core.keyset import keyset_page
from helpline.tickets import services
from helpline.tickets.models import Category, Tag
from helpline.tickets.schemas import (
    CategoryCreateIn,
    CategoryOut,
    CategoryPage,
    CategoryUpdateIn,
    TagCreateIn,
    TagOut,
    TagPage,
    category_json,
    tag_json,
)

router = Router(tags=["categories and tags"])


@router.get("/categories", response=responses(CategoryPage))
def categories_list(
    request: HttpRequest, limit: int = Query(100, ge=1, le=100), cursor: str | None = Query(None, **CURSOR)
) -> dict[str, Any]:
    """The category tree, in path order (agents)."""
    agent_of(request)
    page = keyset_page(
        Category.objects.all(), field="path", descending=False, field_type=str, limit=limit, cursor=cursor
    )
    return {"items": [category_json(c) for c in page.items], "next_cursor": page.next_cursor}


@router.post("/categories", response=responses(CategoryOut, 409, status=201))
def category_create(request: HttpRequest, payload: CategoryCreateIn) -> Status:
    category = services.category_create(
        actor=actor_of(request),
        name=payload.name,
        parent=lookup(Category.objects.all(), payload.parent_id, "parent_id"),
    )
    return Status(201, category_json(category))


@router.patch("/categories/{category_id}", response=responses(CategoryOut, 409))
def category_patch(request: HttpRequest, category_id: Id, payload: CategoryUpdateIn) -> dict[str, Any]:
    """Rename, (de)activate, or move (`parent_id`; null = to the root) a category."""
    actor = agent_of(request)
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound("No such category.")
    parent: Category | None | bool = False
    if "parent_id" in payload.model_fields_set:
        parent = lookup(Category.objects.all(), payload.parent_id, "parent_id")
    category = services.category_update(
        actor=actor, category=category, name=payload.name, is_active=payload.is_active, parent=parent
    )
    return category_json(category)


@router.get("/tags", response=responses(TagPage))
def tags_list(
    request: HttpRequest, limit: int = Query(100, ge=1, le=100), cursor: str | None = Query(None, **CURSOR)
) -> dict[str, Any]:
    """Tags by name (agents)."""
    agent_of(request)
    page = keyset_page(Tag.objects.all(), field="name", descending=False, field_type=str, limit=limit, cursor=cursor)
    return {"items": [tag_json(t) for t in page.items], "next_cursor": page.next_cursor}


@router.post("/tags", response=responses(TagOut, status=201))
def tag_create(request: HttpRequest, payload: TagCreateIn) -> Status:
    """Create a tag, or find it when it exists (names are lower-case, spaces become dashes)."""
    return Status(201, tag_json(services.tag_create(actor=actor_of(request), name=payload.name)))


class TagRenameIn(TagCreateIn):
    """The tag's new name. (Here rather than in tickets/schemas.py until that file is free again.)"""


@router.patch("/tags/{tag_id}", response=responses(TagOut, 409))
def tag_rename(request: HttpRequest, tag_id: Id, payload: TagRenameIn) -> dict[str, Any]:
    """Rename a tag on every ticket that carries it (supervisors and admins); a name another tag
    has is a 409, never a merge."""
    actor = agent_of(request)
    return tag_json(services.tag_rename(actor=actor, tag=_tag(tag_id), name=payload.name))


@router.delete("/tags/{tag_id}", response=responses(None, status=204))
def tag_delete(request: HttpRequest, tag_id: Id) -> Status:
    """Delete a tag and take it off every ticket (supervisors and admins)."""
    actor = agent_of(request)
    services.tag_delete(actor=actor, tag=_tag(tag_id))
    return Status(204, None)


def _tag(tag_id: int) -> Tag:
    tag = Tag.objects.filter(pk=tag_id).first()
    if tag is None:
        raise NotFound("No such tag.")
    return tag
