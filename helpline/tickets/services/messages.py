"""Adding to a ticket's thread: customer messages, public replies, internal notes, system entries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor, can_note, can_reply, can_view_ticket
from helpline.audit.services import event_record
from helpline.core.clock import now
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.core.html import html_sanitize, html_sanitize_mail, html_to_text
from helpline.core.prepared import insert_row
from helpline.customers.models import Customer
from helpline.outbox.services import outbox_enqueue
from helpline.tickets.models import Attachment, Channel, Disposition, Message, Status, Ticket
from helpline.tickets.services._common import change_events, publish, status_columns, ticket_lock, ticket_write
from helpline.tickets.transitions import transition_check

MAX_BODY_CHARS = 1_000_000


def reply_add(
    *,
    actor: Actor | None,
    ticket: Ticket | int,
    body_text: str = "",
    body_html: str = "",
    status: str | None = None,
    attachment_ids: Sequence[int] = (),
    version: int | None = None,
    channel: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Message:
    """An agent answers the customer.

    Writes the public reply, its attachments, the first-response time, the new status (`status`:
    "send and set pending / solved"; a new ticket becomes open) and their events; queues the reply's
    delivery to the requester and CCs in the outbox and tells live screens, on commit.
    """
    if actor is not None and not isinstance(actor, Agent):
        raise PermissionDenied("Customers add messages, not agent replies.")
    body_text, body_html = _bodies(body_text, body_html)
    with transaction.atomic():
        locked = ticket_lock(ticket=ticket, actor=actor, version=version)
        if actor is not None and not can_reply(actor, locked):
            raise PermissionDenied("Collaborators may add internal notes but never reply to customers.")
        _active_check(locked)
        target = status or (Status.OPEN if locked.status == Status.NEW else locked.status)
        if target != locked.status:
            transition_check(locked.status, target)
        stamp = now()
        message = insert_row(
            Message(
                ticket=locked,
                kind=Message.Kind.REPLY,
                author_agent=actor,
                channel=channel or locked.channel,
                body_text=body_text,
                body_html=body_html,
                metadata=metadata or {},
                created_at=stamp,
            )
        )
        attachments_bind(actor=actor, message=message, attachment_ids=attachment_ids)
        columns: dict[str, Any] = {"last_agent_reply_at": stamp, "next_response_due_at": None}
        if locked.first_response_at is None:
            columns["first_response_at"] = stamp
        before = {"status": locked.status}
        if target != locked.status:
            columns.update(status_columns(locked, target, stamp))
        ticket_write(locked, columns)
        event_record(actor=actor, ticket=locked, kind="message.added", message=message, after={"kind": message.kind})
        change_events(actor=actor, ticket=locked, before=before, after={"status": target})
        _reply_delivery_enqueue(locked, message)
        publish(locked, "message.added", {"message_id": message.pk, "kind": message.kind})
    return message


def note_add(
    *,
    actor: Actor | None,
    ticket: Ticket | int,
    body_text: str = "",
    body_html: str = "",
    mention_ids: Sequence[int] = (),
    attachment_ids: Sequence[int] = (),
) -> Message:
    """An agent (collaborators too) writes an internal note that customers never see.

    Mentioned agents must be able to see the ticket; each is linked to the note and gets a
    notification through the outbox on commit.
    """
    if actor is not None and not isinstance(actor, Agent):
        raise PermissionDenied("Only agents write internal notes.")
    body_text, body_html = _bodies(body_text, body_html)
    with transaction.atomic():
        locked = ticket_lock(ticket=ticket, actor=actor)
        if actor is not None and not can_note(actor, locked):
            raise PermissionDenied("You may not add notes to this ticket.")
        mentioned = list(Agent.objects.filter(pk__in=set(mention_ids), is_active=True))
        if len(mentioned) != len(set(mention_ids)):
            raise InvalidInput("Some mentioned agents do not exist.")
        blind = [a.name for a in mentioned if not can_view_ticket(a, locked)]
        if blind:
            raise InvalidInput(f"These agents cannot see this ticket: {', '.join(blind)}.")
        message = insert_row(
            Message(
                ticket=locked,
                kind=Message.Kind.NOTE,
                author_agent=actor,
                channel=locked.channel,
                body_text=body_text,
                body_html=body_html,
            )
        )
        if mentioned:
            message.mentions.set(mentioned)
        attachments_bind(actor=actor, message=message, attachment_ids=attachment_ids)
        ticket_write(locked, {})
        event_record(
            actor=actor,
            ticket=locked,
            kind="message.added",
            message=message,
            after={"kind": message.kind, "mentions": [a.pk for a in mentioned]},
        )
        for agent in mentioned:
            if agent != actor:
                outbox_enqueue(
                    kind="notification",
                    ticket=locked,
                    message=message,
                    payload={
                        "agent_id": agent.pk,
                        "event": "note.mentioned",
                        "number": locked.number,
                        "subject": locked.subject,
                    },
                )
        publish(locked, "message.added", {"message_id": message.pk, "kind": message.kind})
    return message


def customer_message_add(
    *,
    actor: Actor | None,
    ticket: Ticket | int,
    author: Customer,
    channel: str,
    body_text: str = "",
    body_html: str = "",
    attachment_ids: Sequence[int] = (),
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    metadata: dict[str, Any] | None = None,
    reopen: bool = True,
) -> Message:
    """The customer writes again on a ticket (portal, API, or a channel when `actor` is None).

    A pending or on-hold ticket becomes open; a solved ticket reopens within HELPLINE_REOPEN_DAYS;
    a closed ticket, or one solved longer ago, gets a follow-up ticket linked to it instead, and the
    message lands there (the returned message's ticket says where). `reopen=False` (automated mail)
    adds the message without touching the status.
    """
    from helpline.tickets.services.tickets import ticket_create, ticket_opening_message

    if isinstance(actor, Customer) and actor.pk != author.pk:
        raise PermissionDenied("A customer writes as themself only.")
    if isinstance(actor, Agent):
        raise PermissionDenied("Agents reply or add notes; they do not write as the customer.")
    body_text, body_html = _bodies(body_text, body_html, channel=channel)
    with transaction.atomic():
        locked = ticket_lock(ticket=ticket, actor=actor)
        if isinstance(actor, Customer) and not can_reply(actor, locked):
            raise PermissionDenied("You may not write on this ticket.")
        if locked.disposition != Disposition.ACTIVE:
            if isinstance(actor, Customer):  # customers do not see spam or trash at all
                raise NotFound("No such ticket.")
            reopen = False  # mail threading into spam or trash stays there, unread by the queue
        stamp = now()
        if reopen and _needs_follow_up(locked, stamp):
            follow_up = ticket_create(
                actor=actor,
                requester=author,
                subject=locked.subject,
                channel=channel,
                body_text=body_text,
                body_html=body_html,
                team=locked.team,
                category=locked.category,
                priority=locked.priority,
                attachment_ids=attachment_ids,
                message_id=message_id,
                in_reply_to=in_reply_to,
                references=references,
                message_metadata=metadata,
                follow_up_of=locked,
            )
            event_record(actor=actor, ticket=locked, kind="ticket.followed_up", after={"follow_up": follow_up.number})
            return ticket_opening_message(follow_up)
        message = insert_row(
            Message(
                ticket=locked,
                kind=Message.Kind.CUSTOMER,
                author_customer=author,
                channel=channel,
                body_text=body_text,
                body_html=body_html,
                message_id=message_id,
                in_reply_to=in_reply_to,
                references=references,
                metadata=metadata or {},
                created_at=stamp,
            )
        )
        attachments_bind(actor=actor, message=message, attachment_ids=attachment_ids)
        columns: dict[str, Any] = {"last_customer_message_at": stamp}
        before = {"status": locked.status}
        target = locked.status
        if reopen and locked.status in (Status.PENDING, Status.ON_HOLD, Status.SOLVED):
            target = Status.OPEN
            columns.update(status_columns(locked, target, stamp))
        ticket_write(locked, columns)
        event_record(actor=actor, ticket=locked, kind="message.added", message=message, after={"kind": message.kind})
        if target != before["status"]:
            change_events(actor=actor, ticket=locked, before=before, after={"status": target})
            if before["status"] == Status.SOLVED:
                event_record(actor=actor, ticket=locked, kind="ticket.reopened", message=message)
        if locked.assignee_id:
            outbox_enqueue(
                kind="notification",
                ticket=locked,
                message=message,
                payload={
                    "agent_id": locked.assignee_id,
                    "event": "ticket.customer_replied",
                    "number": locked.number,
                    "subject": locked.subject,
                },
            )
        publish(locked, "message.added", {"message_id": message.pk, "kind": message.kind})
    return message


def system_entry_add(*, ticket: Ticket | int, body_text: str, metadata: dict[str, Any] | None = None) -> Message:
    """A line written by Helpline itself (a bounce, a merge); staff-only like a note."""
    with transaction.atomic():
        locked = ticket_lock(ticket=ticket, actor=None)
        message = insert_row(
            Message(
                ticket=locked,
                kind=Message.Kind.SYSTEM,
                channel=locked.channel,
                body_text=body_text,
                metadata=metadata or {},
            )
        )
        ticket_write(locked, {})
        event_record(actor=None, ticket=locked, kind="message.added", message=message, after={"kind": message.kind})
        publish(locked, "message.added", {"message_id": message.pk, "kind": message.kind})
    return message


def attachments_bind(*, actor: Actor | None, message: Message, attachment_ids: Sequence[int]) -> list[Attachment]:
    """Attach uploaded files to a message. Only the uploader's own unbound uploads may be bound."""
    if not attachment_ids:
        return []
    wanted = set(attachment_ids)
    rows = list(Attachment.objects.select_for_update().filter(pk__in=wanted, message__isnull=True))
    mine = [a for a in rows if _uploaded_by(a, actor)]
    if len(mine) != len(wanted):
        raise InvalidInput(
            "Some attachments do not exist, are not yours, or are on another message already.",
            errors=[{"field": "attachment_ids", "message": "unknown or already used"}],
        )
    Attachment.objects.filter(pk__in=[a.pk for a in mine]).update(message=message)
    return mine


# --- helpers ------------------------------------------------------------------------------------


def html_for_channel(body_html: str, channel: str) -> str:
    """Sanitized HTML to store. Mail keeps one mark besides: the class the email channel wraps quoted
    history in, so the fold can be shown from what is stored (helpline.core.html.html_sanitize_mail)."""
    return html_sanitize_mail(body_html) if channel == Channel.EMAIL else html_sanitize(body_html)


def _bodies(body_text: str, body_html: str, *, channel: str = "") -> tuple[str, str]:
    if len(body_text) > MAX_BODY_CHARS or len(body_html) > MAX_BODY_CHARS:
        raise InvalidInput(f"A message body may hold at most {MAX_BODY_CHARS} characters.")
    clean_html = html_for_channel(body_html, channel)
    if not body_text and clean_html:
        body_text = html_to_text(clean_html)
    if not body_text.strip() and not clean_html.strip():
        raise InvalidInput("The message is empty.", errors=[{"field": "body", "message": "required"}])
    return body_text, clean_html


def _active_check(ticket: Ticket) -> None:
    if ticket.disposition != Disposition.ACTIVE:
        raise InvalidInput(f"Ticket #{ticket.number} is in {ticket.disposition}: restore it first.")
    if ticket.status == Status.CLOSED:
        raise InvalidInput(f"Ticket #{ticket.number} is closed.")


def _needs_follow_up(ticket: Ticket, stamp: Any) -> bool:
    if ticket.status == Status.CLOSED:
        return True
    window = timedelta(days=settings.HELPLINE_REOPEN_DAYS)
    return ticket.status == Status.SOLVED and ticket.solved_at is not None and stamp - ticket.solved_at > window


def _uploaded_by(attachment: Attachment, actor: Actor | None) -> bool:
    if actor is None:
        return True
    if isinstance(actor, Agent):
        return attachment.uploaded_by_agent_id == actor.pk
    return attachment.uploaded_by_customer_id == actor.pk


def _reply_delivery_enqueue(ticket: Ticket, message: Message) -> None:
    """Queue the e-mail of a public reply to the requester and CCs who have an address.

    The email channel builds it: Message-ID stored on the message first, In-Reply-To/References
    from the thread, the mailbox's From and tokened Reply-To, the agent-reply template.
    """
    from helpline.mail.outbound import reply_delivery_enqueue

    reply_delivery_enqueue(ticket=ticket, message=message)
