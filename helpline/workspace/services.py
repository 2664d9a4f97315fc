"""The workspace's own writes: several tickets changed or merged at once (each through the ticket
services), and saved views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from helpline.accounts.models import Agent, Team
from helpline.audit.services import event_record
from helpline.core.clock import now
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied, ServiceError
from helpline.tickets.selectors import SORTS, ticket_get, ticket_queryset
from helpline.tickets.services import ticket_merge, ticket_spam, ticket_update
from helpline.workspace.models import SavedView
from helpline.workspace.selectors import (
    COLUMNS,
    VIEWS_BY_SLUG,
    InboxFilters,
    inbox_filters_values,
    saved_view_may_change,
    saved_view_share_teams,
)

BULK_LIMIT = 100
SAVED_VIEW_NAME_MAX = 100


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)  # ticket numbers
    failed: list[tuple[int, str]] = field(default_factory=list)  # (number, why)


def tickets_bulk_change(
    *, actor: Agent, ticket_ids: Sequence[int], changes: dict[str, Any], spam: bool = False
) -> BulkResult:
    """Apply the same change (ticket_update's `changes`, or spam) to up to BULK_LIMIT tickets.

    Each ticket is changed in its own transaction by the ticket services, which check permission,
    transitions and write the events; one ticket refusing the change leaves the others changed and
    is reported with the reason. Tickets the agent may not see are left out silently.
    """
    result = BulkResult()
    for pk, number in _visible_numbers(actor, ticket_ids).items():
        try:
            if spam:
                ticket_spam(actor=actor, ticket=pk)
            else:
                ticket_update(actor=actor, ticket=pk, changes=changes)
        except ServiceError as error:
            result.failed.append((number, error.detail))
        else:
            result.done.append(number)
    return result


def tickets_bulk_merge(*, actor: Agent, ticket_ids: Sequence[int], target_number: int) -> BulkResult:
    """Merge each of up to BULK_LIMIT tickets into the ticket numbered `target_number`.

    The target may be among the selected tickets (it is then left out of the sources). Each merge
    is its own transaction in ticket_merge, which checks permission and writes the events; one
    refused merge is reported with the reason and leaves the others done. NotFound when the agent
    may not see the target; tickets they may not see are left out silently.
    """
    target = ticket_get(actor=actor, number=target_number)
    result = BulkResult()
    for pk, number in _visible_numbers(actor, ticket_ids).items():
        if pk == target.pk:
            continue
        try:
            ticket_merge(actor=actor, source=pk, target=target.pk)
        except ServiceError as error:
            result.failed.append((number, error.detail))
        else:
            result.done.append(number)
    return result


def _visible_numbers(actor: Agent, ticket_ids: Sequence[int]) -> dict[int, int]:
    return dict(
        ticket_queryset(actor=actor)
        .filter(pk__in=list(ticket_ids)[:BULK_LIMIT])
        .order_by("number")
        .values_list("pk", "number")
    )


# --- saved views ---------------------------------------------------------------------------------


def saved_view_create(
    *,
    actor: Agent,
    name: str,
    base: str,
    filters: InboxFilters,
    sort: str = "",
    columns: Sequence[str] = (),
    team: Team | None = None,
) -> SavedView:
    """Save a built-in view narrowed by `filters`, with a sort and columns, under a name of the
    agent's own; shared with `team` (one of their teams) when given. Writes the row and a
    `saved_view.created` event."""
    values = _saved_view_values(actor, name=name, base=base, filters=filters, sort=sort, columns=columns, team=team)
    with transaction.atomic():
        saved = SavedView(owner=actor, **values)
        _save_unique(saved, force_insert=True)
        event_record(
            actor=actor, kind="saved_view.created", entity="saved_view", entity_id=saved.pk, after=_snapshot(saved)
        )
    return saved


def saved_view_update(
    *,
    actor: Agent,
    saved_view: SavedView | int,
    name: str,
    team: Team | None,
    base: str | None = None,
    filters: InboxFilters | None = None,
    sort: str = "",
    columns: Sequence[str] = (),
) -> SavedView:
    """Rename a saved view, share or unshare it, and (with `filters`) replace its base view,
    filters, sort and columns. Its owner may; for a shared view also admins and the supervisors who
    lead its team. Writes the row and a `saved_view.updated` event with what changed."""
    with transaction.atomic():
        saved = _saved_view_lock(actor, saved_view)
        # Whoever edits, the view stays shareable with the owner's teams only.
        owner = saved.owner
        values = _saved_view_values(
            owner,
            name=name,
            base=base if filters is not None and base is not None else saved.base,
            filters=filters,
            sort=sort if filters is not None else saved.sort,
            columns=columns if filters is not None else saved.columns,
            team=team,
        )
        if filters is None:
            values["filters"] = saved.filters
        before = _snapshot(saved)
        for key, value in values.items():
            setattr(saved, key, value)
        after = _snapshot(saved)
        changed = [key for key in after if before[key] != after[key]]
        if not changed:
            return saved
        saved.updated_at = now()
        _save_unique(saved)
        event_record(
            actor=actor,
            kind="saved_view.updated",
            entity="saved_view",
            entity_id=saved.pk,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return saved


def saved_view_delete(*, actor: Agent, saved_view: SavedView | int) -> None:
    """Delete a saved view (same rule as saved_view_update); a `saved_view.deleted` event keeps
    what it was."""
    with transaction.atomic():
        saved = _saved_view_lock(actor, saved_view)
        event_record(
            actor=actor, kind="saved_view.deleted", entity="saved_view", entity_id=saved.pk, before=_snapshot(saved)
        )
        saved.delete()


def _saved_view_lock(actor: Agent, saved_view: SavedView | int) -> SavedView:
    pk = saved_view if isinstance(saved_view, int) else saved_view.pk
    saved = SavedView.objects.select_for_update().select_related("owner").filter(pk=pk).first()
    if saved is None:
        raise NotFound("No such view.")
    if not saved_view_may_change(actor, saved):
        raise PermissionDenied("Only its owner (for a shared view, also the team's supervisor or an admin) may.")
    return saved


def _saved_view_values(
    owner: Agent,
    *,
    name: str,
    base: str,
    filters: InboxFilters | None,
    sort: str,
    columns: Sequence[str],
    team: Team | None,
) -> dict[str, Any]:
    name = " ".join((name or "").split())
    if not name or len(name) > SAVED_VIEW_NAME_MAX:
        raise InvalidInput(
            f"Give the view a name of 1 to {SAVED_VIEW_NAME_MAX} characters.",
            errors=[{"field": "name", "message": "required"}],
        )
    if base not in VIEWS_BY_SLUG:
        raise InvalidInput("Save one of the inbox's views.", errors=[{"field": "base", "message": "invalid"}])
    if sort and sort not in SORTS:
        raise InvalidInput(f"Sort by one of {', '.join(SORTS)}.", errors=[{"field": "sort", "message": "invalid"}])
    unknown = set(columns) - set(COLUMNS)
    if unknown:
        raise InvalidInput(f"Unknown column(s): {', '.join(sorted(unknown))}.")
    if team is not None and team.pk not in {t.pk for t in saved_view_share_teams(actor=owner)}:
        raise PermissionDenied(f"A view can be shared with its owner's teams only, not with {team.name}.")
    return {
        "name": name,
        "base": base,
        "filters": inbox_filters_values(filters) if filters is not None else {},
        "sort": sort,
        "columns": [c for c in COLUMNS if c in set(columns)],
        "team": team,
    }


def _save_unique(saved: SavedView, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            saved.save(**kwargs)
    except IntegrityError:
        raise InvalidInput(
            f"There is already a view called “{saved.name}”: choose another name.",
            errors=[{"field": "name", "message": "taken"}],
        ) from None


def _snapshot(saved: SavedView) -> dict[str, Any]:
    return {
        "name": saved.name,
        "team": saved.team_id,
        "base": saved.base,
        "filters": saved.filters,
        "sort": saved.sort,
        "columns": saved.columns,
    }
