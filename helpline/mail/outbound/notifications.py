"""Agent notifications by e-mail (assigned to you, the customer replied, you were mentioned).

The tickets services queue `notification` outbox rows for the live screens; with
HELPLINE_MAIL_NOTIFY_AGENTS on, the email channel wraps that kind's handler: after the live
notification went out, it queues a `mail` row to the agent (once per notification row). The mail's
Message-ID and Reply-To carry the ticket's token, so the agent can answer it from their mail
client: a reply to the customer, or an internal note for a mention.
"""

from __future__ import annotations

from django.conf import settings

from helpline.accounts.models import Agent
from helpline.mail.conf import MAIL_KIND
from helpline.mail.outbound.identity import ticket_sender
from helpline.mail.outbound.replies import thread_headers
from helpline.mail.templating import mail_render
from helpline.mail.tokens import message_id_make
from helpline.outbox.handlers import HANDLERS, Handler, handler
from helpline.outbox.models import OutboxMessage
from helpline.outbox.services import outbox_enqueue
from helpline.tickets.models import Message, Ticket

# Notification events that have a mail template, and the token kind of their Message-ID.
TEMPLATES = {
    "ticket.assigned": ("notify_assigned", "n"),
    "ticket.customer_replied": ("notify_customer_replied", "n"),
    "note.mentioned": ("notify_mentioned", "m"),
}
# The agent's own choice (Preferences) for each event: no mail when they turned it off.
PREFERENCES = {
    "ticket.assigned": "notify_email_assigned",
    "ticket.customer_replied": "notify_email_reply",
    "note.mentioned": "notify_email_mention",
}
EXCERPT_CHARS = 4000


def notify_agents_by_mail() -> bool:
    return bool(getattr(settings, "HELPLINE_MAIL_NOTIFY_AGENTS", False))


def notification_mail_enqueue(row: OutboxMessage) -> OutboxMessage | None:
    """Queue the e-mail for one notification row (idempotent: one mail per row); None when the
    event has no template, the agent is inactive or turned that kind of mail off, or the ticket
    is gone."""
    event = row.payload.get("event")
    if event not in TEMPLATES or row.ticket_id is None:
        return None
    agent = Agent.objects.filter(pk=row.payload.get("agent_id"), is_active=True).first()
    ticket = Ticket.objects.filter(pk=row.ticket_id).first()
    if agent is None or ticket is None or not getattr(agent, PREFERENCES[event]):
        return None
    key, kind = TEMPLATES[event]
    sender = ticket_sender(ticket)
    message = Message.objects.filter(pk=row.message_id).first() if row.message_id else None
    parent, references = thread_headers(ticket)
    rendered = mail_render(key, {
        "agent": {"name": agent.name},
        "ticket": {"number": ticket.number, "subject": ticket.subject,
                   "url": f"{settings.SITE_URL.rstrip('/')}/tickets/{ticket.number}/"},
        "mailbox": sender.context(),
        "message": {"text": (message.body_text if message else "")[:EXCERPT_CHARS], "html": ""},
    })  # fmt: skip
    return outbox_enqueue(
        kind=MAIL_KIND,
        ticket=ticket,
        dedupe_key=f"notify:{row.pk}",
        payload={
            "from": sender.from_(),
            "reply_to": sender.reply_to(ticket.number),
            "to": [[agent.name, agent.email]],
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "message_id": message_id_make(kind=kind, number=ticket.number, domain=sender.domain, unique=row.pk),
            "in_reply_to": parent,
            "references": references,
            "auto_submitted": "auto-generated",
        },
    )


def _wrap(live: Handler) -> Handler:
    def notification_send_and_mail(row: OutboxMessage) -> None:
        live(row)
        if notify_agents_by_mail():
            notification_mail_enqueue(row)

    notification_send_and_mail.__doc__ = f"{live.__doc__ or ''}\n\nThen queues the agent's e-mail (email channel)."
    return notification_send_and_mail


_live = HANDLERS.get(OutboxMessage.Kind.NOTIFICATION)
if _live is not None and getattr(_live, "__name__", "") != "notification_send_and_mail":
    handler(OutboxMessage.Kind.NOTIFICATION)(_wrap(_live))
