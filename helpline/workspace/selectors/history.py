"""A ticket's history tab: every event of the ticket, newest first."""

from __future__ import annotations

from datetime import datetime

from helpline.accounts.models import Agent
from helpline.accounts.permissions import can_view_ticket
from helpline.audit.models import Event
from helpline.core.errors import NotFound
from helpline.core.keyset import Page, keyset_page
from helpline.tickets.models import Ticket

HISTORY_PAGE = 100


def ticket_history(
    *, actor: Agent, ticket: Ticket, limit: int = HISTORY_PAGE, cursor: str | None = None
) -> Page[Event]:
    """One page of the ticket's events, newest first, with who did each. Agents only (events name
    internal notes); NotFound when the agent may not see the ticket."""
    if not isinstance(actor, Agent) or not can_view_ticket(actor, ticket):
        raise NotFound("No such ticket.")
    events = Event.objects.filter(ticket=ticket).select_related("actor_agent", "actor_customer")
    return keyset_page(events, field="at", descending=True, field_type=datetime, limit=limit, cursor=cursor)
