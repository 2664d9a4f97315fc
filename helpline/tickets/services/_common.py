"""Pieces shared by the ticket services: locking, versioned writes, events, live updates."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from helpline.accounts.permissions import Actor, can_view_ticket
from helpline.audit.models import Event
from helpline.audit.services import event_build
from helpline.core.clock import now
from helpline.core.errors import NotFound, StaleVersion
from helpline.core.prepared import INT_PLACEHOLDER, PreparedQuery, update_rows
from helpline.tickets.models import Status, Ticket

logger = logging.getLogger(__name__)


# Every write to a ticket starts here: compiled once (helpline/core/prepared.py).
_LOCKED = PreparedQuery(
    lambda pk: Ticket.objects.select_for_update(of=("self",)).select_related("team").filter(pk=pk).order_by(),
    pk=INT_PLACEHOLDER,
)


def ticket_lock(*, ticket: Ticket | int, actor: Actor | None, version: int | None = None) -> Ticket:
    """Re-read the ticket under a row lock in the current transaction.

    Raises NotFound when the actor may not see it and StaleVersion when `version` is given and the
    ticket has moved on since the caller read it.
    """
    pk = ticket if isinstance(ticket, int) else ticket.pk
    locked = next(iter(_LOCKED(pk=pk)), None)
    if locked is None:
        raise NotFound("No such ticket.")
    if actor is not None and not can_view_ticket(actor, locked):
        raise NotFound("No such ticket.")
    if version is not None and locked.version != version:
        raise StaleVersion(
            f"Ticket #{locked.number} is at version {locked.version}, not {version}: reload and try again."
        )
    return locked


def ticket_write(ticket: Ticket, fields: dict[str, Any]) -> Ticket:
    """Write changed columns with a version check, bump the version, and update the instance."""
    stamp = now()
    fields = {**fields, "updated_at": stamp}
    updated = update_rows(Ticket, where={"pk": ticket.pk, "version": ticket.version}, values=fields,
                          increment=("version",))  # fmt: skip
    if updated != 1:
        raise StaleVersion(f"Ticket #{ticket.number} was changed by someone else: reload and try again.")
    for name, value in fields.items():
        setattr(ticket, name, value)
    ticket.version += 1
    return ticket


def field_value(value: Any) -> Any:
    """How a field's value is written in an event (ids for relations, ISO for datetimes)."""
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def change_events(*, actor: Actor | None, ticket: Ticket, before: dict[str, Any], after: dict[str, Any]) -> None:
    """One event per changed field (kind `ticket.<field>_changed`), written in one INSERT."""
    rows = [
        event_build(
            actor=actor,
            ticket=ticket,
            kind=f"ticket.{name}_changed",
            before={name: field_value(before[name])},
            after={name: field_value(after[name])},
        )
        for name in after
        if before.get(name) != after[name]
    ]
    Event.objects.bulk_create(rows)


def publish(ticket: Ticket, kind: str, data: dict[str, Any] | None = None) -> None:
    """Tell open agent screens about the change once the transaction commits (never raises)."""
    try:
        from helpline.realtime.publish import publish_ticket_event_on_commit
    except ImportError:  # the realtime layer is optional in some deployments' tests
        return
    publish_ticket_event_on_commit(
        ticket_id=ticket.pk, team_id=ticket.team_id, kind=kind, data={"number": ticket.number, **(data or {})}
    )


def status_columns(ticket: Ticket, target: str, stamp: datetime) -> dict[str, Any]:
    """The columns a status change writes: the status and the times that go with it.

    Solving stamps solved_at; closing stamps closed_at and keeps the solve time; reopening a solved
    ticket clears solved_at.
    """
    if target == ticket.status:
        return {}
    columns: dict[str, Any] = {"status": target}
    if target == Status.SOLVED:
        columns["solved_at"] = stamp
    elif target == Status.CLOSED:
        columns["closed_at"] = stamp
        if ticket.solved_at is None:
            columns["solved_at"] = stamp
    elif ticket.status == Status.SOLVED:
        columns["solved_at"] = None
    return columns
