"""What the ticket page reads besides the ticket services' selectors: what arrived since the agent
loaded the page, one message of the thread, the requester's other tickets, the changes folded in
the thread."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from helpline.accounts.models import Agent
from helpline.audit.models import Event
from helpline.core.errors import NotFound
from helpline.core.prefetch import prefetched_set
from helpline.core.prepared import INT_PLACEHOLDER, PreparedQuery
from helpline.tickets.models import Attachment, Message, Ticket
from helpline.tickets.selectors import ticket_queryset, ticket_ref


def messages_since(*, actor: Agent, ticket: Ticket, after_id: int) -> list[Message]:
    """Public messages (the customer's, and other agents' replies) added after message `after_id`:
    what an agent who is about to reply has not seen yet. `ticket` comes from ticket_get."""
    return list(
        Message.objects.filter(ticket=ticket, kind__in=Message.PUBLIC_KINDS, pk__gt=after_id)
        .exclude(author_agent=actor)
        .select_related("author_agent", "author_customer")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def thread_message_get(*, actor: Agent, message_id: int) -> Message:
    """One message of the thread as the ticket page shows it (its authors, files and mentions), on
    a ticket the agent may see (`ticket_ref`: private teams stay hidden); NotFound, revealing
    nothing, otherwise. Any kind: agents see internal notes and system entries too."""
    message = Message.objects.select_related("ticket", "author_agent", "author_customer").filter(pk=message_id).first()
    if message is None:
        raise NotFound("No such message.")
    message.ticket = ticket_ref(actor=actor, number=message.ticket.number)
    prefetch_related_objects([message], Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    if message.kind == Message.Kind.NOTE:
        prefetch_related_objects([message], Prefetch("mentions", queryset=Agent.objects.only("id", "name")))
    else:
        prefetched_set(message, "mentions", [])
    return message


def last_public_message_id(*, ticket: Ticket) -> int:
    """The newest public message of a ticket the caller was allowed to see (0 when none)."""
    latest = (
        Message.objects.filter(ticket=ticket, kind__in=Message.PUBLIC_KINDS).order_by("-pk").values_list("pk").first()
    )
    return latest[0] if latest else 0


def requester_tickets(*, actor: Agent, requester_id: int, base: QuerySet[Ticket] | None = None) -> list[Ticket]:
    """The requester's latest tickets that the agent may see, newest first (a few)."""
    tickets = base if base is not None else ticket_queryset(actor=actor)
    return list(
        tickets.filter(requester_id=requester_id)
        .select_related(None)
        .prefetch_related(None)
        .only("id", "number", "subject", "status", "created_at")
        .order_by("-created_at", "-id")[:6]
    )


# Events the thread shows otherwise (the message itself) or that say nothing to a reader.
SILENT_EVENTS = ("message.added", "ticket.created")
THREAD_EVENTS_LIMIT = 500


def _thread_events(ticket_id: int) -> QuerySet[Event]:
    return (
        Event.objects.filter(ticket_id=ticket_id)
        .exclude(kind__in=SILENT_EVENTS)
        .select_related("actor_agent", "actor_customer")
        .only(
            "id",
            "kind",
            "at",
            "before",
            "after",
            "actor_label",
            "actor_agent__id",
            "actor_agent__name",
            "actor_customer__id",
            "actor_customer__name",
        )
        .order_by("at", "id")[:THREAD_EVENTS_LIMIT]
    )


# Read on every ticket page: compiled once (helpline/core/prepared.py).
_THREAD_EVENTS = PreparedQuery(_thread_events, ticket_id=INT_PLACEHOLDER)


def thread_events(*, ticket: Ticket) -> list[Event]:
    """The changes the thread folds between its messages, oldest first (at most
    THREAD_EVENTS_LIMIT), with who made each (their names only). `ticket` comes from ticket_get,
    for an agent: events name internal notes."""
    return list(_THREAD_EVENTS(ticket_id=ticket.pk))
