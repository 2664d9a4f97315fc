"""A ticket's thread (messages, public replies, internal notes) and its change history."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from helpline.accounts.models import Agent
from helpline.api.operations import CURSOR, actor_of, responses
from helpline.api.schemas import Id
from helpline.customers.models import Customer
from helpline.tickets import selectors, services
from helpline.tickets.schemas import (
    CustomerMessageIn,
    EventPage,
    MessageOut,
    MessagePage,
    NoteIn,
    ReplyIn,
    event_json,
    message_json,
)

router = Router(tags=["tickets"])


@router.get("/tickets/{number}/messages", response=responses(MessagePage))
def ticket_messages(
    request: HttpRequest, number: Id, limit: int = Query(50, ge=1, le=200), cursor: str | None = Query(None, **CURSOR)
) -> dict[str, Any]:
    """The thread, oldest first. Customers never see internal notes or system entries."""
    actor = actor_of(request)
    ticket = selectors.ticket_ref(actor=actor, number=number)
    page = selectors.message_list(actor=actor, ticket=ticket, limit=limit, cursor=cursor)
    staff = isinstance(actor, Agent)
    items = [message_json(m, number=ticket.number, staff=staff) for m in page.items]
    return {"items": items, "next_cursor": page.next_cursor}


@router.post("/tickets/{number}/replies", response=responses(MessageOut, 409, status=201))
def ticket_reply(request: HttpRequest, number: Id, payload: ReplyIn) -> Status:
    """A public reply to the customer (agents; not collaborators). `status` sets the ticket's."""
    actor = actor_of(request)
    ticket = selectors.ticket_get(actor=actor, number=number)
    message = services.reply_add(
        actor=actor,
        ticket=ticket,
        body_text=payload.body,
        body_html=payload.body_html,
        status=payload.status.value if payload.status else None,
        attachment_ids=payload.attachment_ids,
        version=payload.version,
    )
    return Status(201, message_json(message, number=ticket.number, staff=True))


@router.post("/tickets/{number}/notes", response=responses(MessageOut, 409, status=201))
def ticket_note(request: HttpRequest, number: Id, payload: NoteIn) -> Status:
    """An internal note (any agent); customers never see it."""
    actor = actor_of(request)
    ticket = selectors.ticket_get(actor=actor, number=number)
    message = services.note_add(
        actor=actor,
        ticket=ticket,
        body_text=payload.body,
        body_html=payload.body_html,
        mention_ids=payload.mention_ids,
        attachment_ids=payload.attachment_ids,
    )
    return Status(201, message_json(message, number=ticket.number, staff=True))


@router.post("/tickets/{number}/messages", response=responses(MessageOut, 409, status=201))
def ticket_customer_message(request: HttpRequest, number: Id, payload: CustomerMessageIn) -> Status:
    """The customer writes again (customer tokens). On a closed ticket this opens a follow-up,
    and the message's `ticket` names it."""
    actor = actor_of(request)
    ticket = selectors.ticket_get(actor=actor, number=number)
    message = services.customer_message_add(
        actor=actor,
        ticket=ticket,
        author=actor if isinstance(actor, Customer) else ticket.requester,
        channel="api",
        body_text=payload.body,
        body_html=payload.body_html,
        attachment_ids=payload.attachment_ids,
    )
    landed = ticket.number if message.ticket_id == ticket.pk else message.ticket.number
    return Status(201, message_json(message, number=landed, staff=False))


@router.get("/tickets/{number}/events", response=responses(EventPage))
def ticket_events(
    request: HttpRequest, number: Id, limit: int = Query(100, ge=1, le=500), cursor: str | None = Query(None, **CURSOR)
) -> dict[str, Any]:
    """The ticket's change history, oldest first (agents)."""
    actor = actor_of(request)
    ticket = selectors.ticket_ref(actor=actor, number=number)
    page = selectors.event_list(actor=actor, ticket=ticket, limit=limit, cursor=cursor)
    return {"items": [event_json(e) for e in page.items], "next_cursor": page.next_cursor}
