"""Where a person's mail lands: a new ticket, a customer message, an agent's reply or note.

Everything here runs inside mail_process's transaction, so the ticket, its message, its files,
the acknowledgement and the inbound mail's new state are written together or not at all.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from helpline.accounts.models import Agent
from helpline.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from helpline.core.html import MAIL_FOLD_CLASS, html_sanitize_mail
from helpline.customers.models import Customer
from helpline.customers.services import customer_get_or_create_by_email
from helpline.mail.headers import subject_base
from helpline.mail.outbound import acknowledgement_enqueue
from helpline.mail.outbound.identity import mailbox_sender
from helpline.mail.parsing import html_fold_mark, html_reply_split, reply_split
from helpline.mail.services.context import MailContext
from helpline.mail.services.files import attachments_store
from helpline.mail.services.outcome import Outcome
from helpline.mail.services.thread import ThreadMatch
from helpline.tickets.models import Channel, Message, Ticket
from helpline.tickets.services import (
    customer_message_add,
    note_add,
    reply_add,
    system_entry_add,
    ticket_create,
    ticket_opening_message,
    ticket_update,
)

State = Outcome.State
NO_SUBJECT = "(no subject)"
NOTE_PREFIX = "#note"


def customer_mail_add(ctx: MailContext, match: ThreadMatch) -> Outcome:
    """A customer's mail: a message on the matched ticket (reopening it unless automated, or a
    follow-up ticket when it is closed), or a new ticket with an acknowledgement."""
    parsed = ctx.parsed
    customer, _ = customer_get_or_create_by_email(email=ctx.sender, name=ctx.sender_name)
    files = attachments_store(parsed.attachments, html=parsed.html, actor=None)
    text, html = ctx.bodies(html_fold_mark(files.html))
    in_reply_to, references = " ".join(parsed.in_reply_to)[:998], " ".join(parsed.references)
    metadata = ctx.metadata(thread=match.how or "new", skipped_attachments=files.skipped)
    if match.ticket is not None:
        message = customer_message_add(
            actor=None, ticket=match.ticket, author=customer, channel=Channel.EMAIL, body_text=text,
            body_html=html, attachment_ids=files.ids, metadata=metadata, reopen=ctx.automated is None,
            message_id=ctx.message_id, in_reply_to=in_reply_to, references=references,
        )  # fmt: skip
        ticket = message.ticket
        _fold_keep(message, html)
        _people_add(ctx, ticket, customer)
        if ticket.pk == match.ticket.pk:
            return Outcome(State.PROCESSED, f"Added to #{ticket.number} ({match.how})", ticket=ticket, message=message)
        ack = _acknowledge(ctx, ticket, message, customer)
        return Outcome(State.PROCESSED, f"Follow-up #{ticket.number} of #{match.ticket.number}; acknowledgement "
                       f"{ack}", ticket=ticket, message=message)  # fmt: skip
    ticket = ticket_create(
        actor=None, requester=customer, subject=subject_base(parsed.subject) or NO_SUBJECT, channel=Channel.EMAIL,
        body_text=text, body_html=html, team=ctx.mailbox.default_team if ctx.mailbox else None,
        category=ctx.mailbox.default_category if ctx.mailbox else None, attachment_ids=files.ids,
        message_metadata=metadata, message_id=ctx.message_id, in_reply_to=in_reply_to, references=references,
    )  # fmt: skip
    message = ticket_opening_message(ticket)
    _fold_keep(message, html)
    _people_add(ctx, ticket, customer)
    ack = _acknowledge(ctx, ticket, message, customer)
    return Outcome(State.PROCESSED, f"New ticket #{ticket.number}; acknowledgement {ack}", ticket=ticket,
                   message=message)  # fmt: skip


def automated_mail_add(ctx: MailContext, match: ThreadMatch) -> Outcome:
    """Automated mail (out-of-office, lists, notifications): attached, flagged, to the ticket it
    answers without changing its status; dropped when it answers none."""
    if match.ticket is None or not ctx.sender:
        return Outcome(State.IGNORED, f"Automated mail ({ctx.automated}) that answers no ticket")
    customer, _ = customer_get_or_create_by_email(email=ctx.sender, name=ctx.sender_name)
    files = attachments_store(ctx.parsed.attachments, html=ctx.parsed.html, actor=None)
    text, html = ctx.bodies(html_fold_mark(files.html))
    message = customer_message_add(
        actor=None, ticket=match.ticket, author=customer, channel=Channel.EMAIL, body_text=text, body_html=html,
        attachment_ids=files.ids, message_id=ctx.message_id, in_reply_to=" ".join(ctx.parsed.in_reply_to)[:998],
        references=" ".join(ctx.parsed.references), metadata=ctx.metadata(thread=match.how, flagged=True),
        reopen=False,
    )  # fmt: skip
    _fold_keep(message, html)
    return Outcome(State.PROCESSED, f"Automated mail ({ctx.automated}) attached to #{match.ticket.number}",
                   ticket=match.ticket, message=message)  # fmt: skip


def agent_mail_add(ctx: MailContext, match: ThreadMatch, agent: Agent) -> Outcome:
    """An agent answering from their mail client. With a valid token for the ticket it is their
    reply (or an internal note: `#note` first, a mention notification, a collaborator, a closed
    ticket); without one it is only a staff-only system entry, never sent to the customer."""
    ticket = match.ticket
    if ticket is None:
        raise ValueError("agent_mail_add needs a matched ticket")
    text, html = _reply_part(ctx)
    if not match.verified:
        entry = system_entry_add(
            ticket=ticket,
            body_text=f"Mail from {agent.name} <{ctx.sender}> without a valid token (not trusted, not sent to the "
            f"customer):\n\n{text}",
            metadata=ctx.metadata(thread=match.how, unverified_agent=agent.pk),
        )
        return Outcome(State.PROCESSED, f"Unverified mail of agent {agent.email} kept as a system entry on "
                       f"#{ticket.number}", ticket=ticket, message=entry)  # fmt: skip
    as_note = text.lstrip().lower().startswith(NOTE_PREFIX) or "m" in match.token_kinds or not agent.may_reply
    if text.lstrip().lower().startswith(NOTE_PREFIX):
        text = text.lstrip()[len(NOTE_PREFIX) :].lstrip(" :\n")
        html = ""
    files = attachments_store(ctx.parsed.attachments, html=html, actor=agent)
    text, html = ctx.bodies(files.html, text)
    try:
        message = None
        if not as_note:
            message = _reply_or_none(agent, ticket, text, html, files.ids, ctx.metadata(thread=match.how))
        if message is None:
            message = note_add(actor=agent, ticket=ticket, body_text=text, body_html=html, attachment_ids=files.ids)
    except (PermissionDenied, NotFound) as error:
        return Outcome(State.IGNORED, f"Agent {agent.email} may not write on #{ticket.number}: {error}")
    kind = "reply" if message.kind == message.Kind.REPLY else "internal note"
    return Outcome(State.PROCESSED, f"{kind.capitalize()} of {agent.email} on #{ticket.number}", ticket=ticket,
                   message=message)  # fmt: skip


def _reply_or_none(
    agent: Agent, ticket: Ticket, text: str, html: str, ids: list[int], metadata: dict[str, Any]
) -> Message | None:
    """The agent's public reply, or None when the ticket cannot take one (closed, spam): a note then."""
    try:
        with transaction.atomic():
            return reply_add(
                actor=agent,
                ticket=ticket,
                body_text=text,
                body_html=html,
                attachment_ids=ids,
                channel=Channel.EMAIL,
                metadata=metadata,
            )
    except (InvalidInput, InvalidTransition):
        return None


def _reply_part(ctx: MailContext) -> tuple[str, str]:
    """The agent's new words, without the quoted notification below them."""
    text, _ = reply_split(ctx.parsed.text or "", sender_name=ctx.sender_name)
    html = html_reply_split(ctx.parsed.html)[0] if ctx.parsed.html else ""
    return text, html


def _fold_keep(message: Message, html: str) -> None:
    """Store the message's HTML with its fold mark, which the tickets services' sanitizer (no class
    at all) dropped: the same HTML through the mail sanitizer that keeps that one class."""
    if f'class="{MAIL_FOLD_CLASS}"' not in html:
        return
    marked = html_sanitize_mail(html)
    if marked != message.body_html:
        Message.objects.filter(pk=message.pk).update(body_html=marked)
        message.body_html = marked


def _people_add(ctx: MailContext, ticket: Ticket, requester: Customer) -> None:
    """CCs of the mail: agents become followers, everyone else a CC customer of the ticket."""
    people = ctx.others()
    if not people:
        return
    agents = {a.email.lower(): a for a in Agent.objects.filter(email__in=[p.email for p in people], is_active=True)}
    ccs = [customer_get_or_create_by_email(email=p.email, name=p.name)[0] for p in people if p.email not in agents]
    changes: dict[str, object] = {}
    current_ccs = set(ticket.ccs.values_list("id", flat=True))
    new_ccs = {c.pk for c in ccs if c.pk != requester.pk} - current_ccs
    if new_ccs:
        changes["ccs"] = list(Customer.objects.filter(pk__in=current_ccs | new_ccs))
    current_followers = set(ticket.followers.values_list("id", flat=True))
    if set(a.pk for a in agents.values()) - current_followers:
        changes["followers"] = list(Agent.objects.filter(pk__in=current_followers | {a.pk for a in agents.values()}))
    if changes:
        ticket_update(actor=None, ticket=ticket, changes=changes)


def _acknowledge(ctx: MailContext, ticket: Ticket, message: Message, customer: Customer) -> str:
    if ctx.mailbox is None or not ctx.mailbox.auto_acknowledge:
        return "off for this mailbox"
    if ctx.automated is not None:
        return f"not sent: automated mail ({ctx.automated})"
    return acknowledgement_enqueue(
        ticket=ticket, message=message, sender=mailbox_sender(ctx.mailbox),
        to=(customer.name, ctx.sender), dedupe_key=ctx.inbound.dedupe_key, own=ctx.own,
    )  # fmt: skip
