"""Appending to the event log. Callers are services, inside their own transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from helpline.accounts.models import Agent
from helpline.audit.models import Event
from helpline.core.clock import now
from helpline.core.prepared import insert_row

if TYPE_CHECKING:
    from helpline.accounts.permissions import Actor
    from helpline.tickets.models import Message, Ticket


def event_build(
    *,
    actor: Actor | None,
    kind: str,
    ticket: Ticket | None = None,
    ticket_number: int | None = None,
    entity: str = "ticket",
    entity_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    message: Message | None = None,
    actor_label: str = "",
) -> Event:
    """An unsaved event row, for callers that write several at once with bulk_create."""
    return Event(
        ticket=ticket,
        ticket_number=ticket.number if ticket is not None else ticket_number,
        entity=entity,
        entity_id=entity_id if entity_id is not None else (ticket.pk if ticket is not None else None),
        kind=kind,
        actor_agent=actor if isinstance(actor, Agent) else None,
        actor_customer=actor if actor is not None and not isinstance(actor, Agent) else None,
        actor_label=actor_label or ("" if actor is not None else "system"),
        message=message,
        before=before or {},
        after=after or {},
        at=now(),
    )


def event_record(**kwargs: Any) -> Event:
    """Append one event (see event_build for the arguments)."""
    return insert_row(event_build(**kwargs))
