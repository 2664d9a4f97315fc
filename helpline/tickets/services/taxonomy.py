"""Categories (a tree) and tags, managed by supervisors and admins (any agent adds tags)."""

from __future__ import annotations

from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import F

from helpline.accounts.permissions import Actor, can_supervise
from helpline.audit.models import Event
from helpline.audit.services import event_build, event_record
from helpline.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from helpline.tickets.models import Category, Tag, Ticket
from helpline.tickets.services._common import publish
from helpline.tickets.services.tickets import tags_ensure

# How many retagged tickets' open screens a tag rename or delete tells at once (see _tickets_retag).
LIVE_RETAG = 100


def category_create(*, actor: Actor | None, name: str, parent: Category | None = None) -> Category:
    """Add a category under `parent` (or at the root). Supervisors and admins; an event records it."""
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


def tag_rename(*, actor: Actor | None, tag: Tag, name: str) -> Tag:
    """Rename a tag everywhere it is used (supervisors and admins). A name another tag has is
    refused (Conflict), never merged: two tags becoming one cannot be undone by renaming back.

    Appends `tag.renamed` and, on each ticket that carries the tag, `ticket.tags_changed`; those
    tickets' versions move on (see _tickets_retag). Renaming to the same name does nothing.
    """
    _tags_check(actor)
    new_name = tag_name_clean(name)
    with transaction.atomic():
        locked = _tag_lock(tag)
        old_name = locked.name
        if new_name == old_name:
            return locked
        if Tag.objects.filter(name=new_name).exists():
            raise Conflict(f"A tag named '{new_name}' exists already.")
        _tickets_retag(actor, locked, old=old_name, new=new_name)  # reads the names before the change
        locked.name = new_name
        try:
            with transaction.atomic():
                locked.save(update_fields=["name"])
        except IntegrityError:
            raise Conflict(f"A tag named '{new_name}' exists already.") from None
        event_record(
            actor=actor,
            entity="tag",
            entity_id=locked.pk,
            kind="tag.renamed",
            before={"name": old_name},
            after={"name": new_name},
        )
    return locked


def tag_delete(*, actor: Actor | None, tag: Tag) -> int:
    """Delete a tag and take it off every ticket (supervisors and admins); returns how many
    tickets carried it.

    Appends `ticket.tags_changed` on each of those tickets (their versions move on, see
    _tickets_retag) and `tag.deleted` with the name and that count.
    """
    _tags_check(actor)
    with transaction.atomic():
        locked = _tag_lock(tag)
        tickets = _tickets_retag(actor, locked, old=locked.name, new=None)
        event_record(
            actor=actor,
            entity="tag",
            entity_id=locked.pk,
            kind="tag.deleted",
            before={"name": locked.name},
            after={"tickets": tickets},
        )
        locked.delete()
    return tickets


def tag_name_clean(name: str) -> str:
    """A tag's normal form: lower-case, spaces become dashes, 1 to 64 characters (as tags_ensure)."""
    slug = "-".join((name or "").strip().lower().split())
    if not slug or len(slug) > 64:
        raise InvalidInput(
            f"'{name}' is not a valid tag (1 to 64 characters).", errors=[{"field": "name", "message": "invalid"}]
        )
    return slug


def _manage_check(actor: Actor | None) -> None:
    if actor is not None and not can_supervise(actor):
        raise PermissionDenied("Only supervisors and admins manage categories.")


def _tags_check(actor: Actor | None) -> None:
    if actor is not None and not can_supervise(actor):
        raise PermissionDenied("Only supervisors and admins rename or delete tags.")


def _tag_lock(tag: Tag) -> Tag:
    locked = Tag.objects.select_for_update().filter(pk=tag.pk).first()
    if locked is None:
        raise NotFound("No such tag.")
    return locked


def _tickets_retag(actor: Actor | None, tag: Tag, *, old: str, new: str | None) -> int:
    """For every ticket carrying `tag`, as `old` becomes `new` (or goes, when `new` is None): one
    `ticket.tags_changed` with its names before and after (one INSERT), and its version moves on
    (one UPDATE), since API ETags and stale-form checks rest on it; updated_at stays, nobody worked
    on those tickets. Open screens of the LIVE_RETAG most recently updated ones are told on commit;
    the others show the change on their next load (a tag on thousands of tickets must not flood
    every agent's websocket). Returns how many tickets carried the tag."""
    through = Ticket.tags.through
    ticket_ids = through.objects.filter(tag_id=tag.pk).values("ticket_id")
    names: dict[int, list[str]] = defaultdict(list)
    for ticket_id, tag_name in through.objects.filter(ticket_id__in=ticket_ids).values_list("ticket_id", "tag__name"):
        names[ticket_id].append(tag_name)
    tickets = list(Ticket.objects.filter(pk__in=names).only("pk", "number", "team_id", "updated_at").order_by("pk"))
    events = []
    for ticket in tickets:
        before = sorted(names[ticket.pk])
        after = sorted([n for n in before if n != old] + ([new] if new is not None else []))
        events.append(
            event_build(
                actor=actor, ticket=ticket, kind="ticket.tags_changed", before={"tags": before}, after={"tags": after}
            )
        )
    Event.objects.bulk_create(events, batch_size=500)
    Ticket.objects.filter(pk__in=names).update(version=F("version") + 1)
    for ticket in sorted(tickets, key=lambda t: t.updated_at, reverse=True)[:LIVE_RETAG]:
        publish(ticket, "ticket.updated", {"fields": ["tags"]})
    return len(tickets)


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
