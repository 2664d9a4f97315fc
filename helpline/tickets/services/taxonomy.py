"""Categories (a tree) and tags, managed by admins."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from helpline.accounts.permissions import Actor, can_manage
from helpline.audit.services import event_record
from helpline.core.errors import Conflict, InvalidInput, PermissionDenied
from helpline.tickets.models import Category, Tag
from helpline.tickets.services.tickets import tags_ensure


def category_create(*, actor: Actor | None, name: str, parent: Category | None = None) -> Category:
    """Add a category under `parent` (or at the root). Admins only; an event records it."""
    _manage_check(actor)
    name = _name_clean(name)
    try:
        with transaction.atomic():
            category = Category.objects.create(name=name, parent=parent, path=_path(name, parent))
            event_record(
                actor=actor,
                entity="category",
                entity_id=category.pk,
                kind="category.created",
                after={"name": name, "parent": parent.pk if parent else None},
            )
    except IntegrityError:
        raise Conflict(f"A category named '{name}' exists there already.") from None
    return category


def category_update(
    *,
    actor: Actor | None,
    category: Category,
    name: str | None = None,
    is_active: bool | None = None,
    parent: Category | None | bool = False,
) -> Category:
    """Rename, move (`parent`; None = root) or (de)activate a category; paths below it follow."""
    _manage_check(actor)
    before = {"name": category.name, "parent": category.parent_id, "is_active": category.is_active}
    with transaction.atomic():
        if name is not None:
            category.name = _name_clean(name)
        if is_active is not None:
            category.is_active = is_active
        if parent is not False:
            new_parent = parent if isinstance(parent, Category) else None
            node = new_parent
            while node is not None:
                if node.pk == category.pk:
                    raise InvalidInput("A category cannot be moved below itself.")
                node = node.parent
            category.parent = new_parent
        category.path = _path(category.name, category.parent)
        try:
            with transaction.atomic():
                category.save()
        except IntegrityError:
            raise Conflict(f"A category named '{category.name}' exists there already.") from None
        _paths_refresh(category)
        event_record(
            actor=actor,
            entity="category",
            entity_id=category.pk,
            kind="category.updated",
            before=before,
            after={"name": category.name, "parent": category.parent_id, "is_active": category.is_active},
        )
    return category


def tag_create(*, actor: Actor | None, name: str) -> Tag:
    """Create a tag (agents also create tags simply by using them on a ticket)."""
    if actor is not None and not hasattr(actor, "role"):
        raise PermissionDenied("Only agents create tags.")
    (tag,) = tags_ensure([name])
    return tag


def _manage_check(actor: Actor | None) -> None:
    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Only admins manage categories.")


def _name_clean(name: str) -> str:
    name = " ".join((name or "").split())
    if not name or len(name) > 100:
        raise InvalidInput("A category name has 1 to 100 characters.")
    return name


def _path(name: str, parent: Category | None) -> str:
    return f"{parent.path} › {name}" if parent else name


def _paths_refresh(category: Category) -> None:
    for child in category.children.all():
        child.path = _path(child.name, category)
        child.save(update_fields=["path"])
        _paths_refresh(child)
