"""An agent's public reply as a threaded mail to the requester and the CCs."""

from __future__ import annotations

import re

from helpline.mail.conf import MAIL_KIND
from helpline.mail.headers import subject_reply
from helpline.mail.outbound.compose import inline_cid, references_clean
from helpline.mail.outbound.identity import ticket_recipients, ticket_sender
from helpline.mail.templating import mail_render
from helpline.mail.tokens import message_id_make
from helpline.outbox.models import OutboxMessage
from helpline.outbox.services import outbox_enqueue
from helpline.tickets.models import Attachment, Message, Ticket

_ATTACHMENT_SRC = re.compile(r"""(src\s*=\s*["'])(?:https?://[^"'/]+)?/api/v1/attachments/(\d+)/content(["'])""", re.I)


def reply_delivery_enqueue(*, ticket: Ticket, message: Message) -> OutboxMessage | None:
    """Queue the mail of a public reply, in the caller's transaction.

    Gives the reply its Message-ID (stored on the message before anything is sent, so a fast answer
    or bounce finds it) and its In-Reply-To/References from the thread; renders the `agent_reply`
    template; From is the ticket's mailbox, Reply-To the mailbox address with the ticket's token.
    Queues nothing when the requester has no e-mail address.
    """
    to, cc = ticket_recipients(ticket)
    if not to:
        return None
    sender = ticket_sender(ticket)
    parent, references = thread_headers(ticket, before=message)
    message.message_id = message_id_make(kind="r", number=ticket.number, domain=sender.domain, unique=message.pk)
    message.in_reply_to = parent
    message.references = " ".join(references)
    Message.objects.filter(pk=message.pk).update(
        message_id=message.message_id, in_reply_to=parent, references=message.references
    )
    attachments = list(message.attachments.all())
    html, inline_ids = inline_images_to_cid(message.body_html, attachments)
    agent = message.author_agent
    rendered = mail_render(
        "agent_reply",
        {
            "ticket": {"number": ticket.number, "subject": ticket.subject},
            "customer": {"name": to[0][0], "email": to[0][1]},
            "agent": {"name": agent.name if agent is not None else sender.from_name},
            "mailbox": sender.context(),
            "message": {"text": message.body_text, "html": html},
        },
    )
    return outbox_enqueue(
        kind=MAIL_KIND,
        ticket=ticket,
        message=message,
        dedupe_key=f"reply:{message.pk}",
        payload={
            "from": sender.from_(),
            "reply_to": sender.reply_to(ticket.number),
            "to": to,
            "cc": cc,
            "subject": subject_reply(rendered.subject, ticket.number),
            "text": rendered.text,
            "html": rendered.html,
            "message_id": message.message_id,
            "in_reply_to": parent,
            "references": references,
            "attachments": [a.pk for a in attachments if a.pk not in inline_ids],
            "inline": sorted(inline_ids),
        },
    )


def thread_headers(ticket: Ticket, *, before: Message | None = None) -> tuple[str, list[str]]:
    """(In-Reply-To, References) for a new mail on the ticket: the parent is the newest customer
    message with a Message-ID (else the newest mail of the thread); References are the parent's
    References plus the parent, or every Message-ID of the thread when the parent had none."""
    rows = Message.objects.filter(ticket=ticket, kind__in=Message.PUBLIC_KINDS).exclude(message_id="")
    if before is not None:
        rows = rows.exclude(pk=before.pk)
    thread = list(rows.order_by("created_at", "id").values_list("kind", "message_id", "references"))
    if not thread:
        return "", []
    customer = [row for row in thread if row[0] == Message.Kind.CUSTOMER]
    _, parent, parent_references = (customer or thread)[-1]
    earlier = parent_references.split() if parent_references else [row[1] for row in thread[:-1]]
    return parent, references_clean([*earlier, parent])


def inline_images_to_cid(html: str, attachments: list[Attachment]) -> tuple[str, set[int]]:
    """Point the reply's own inline images at `cid:` parts; returns the HTML and the ids embedded."""
    own = {a.pk for a in attachments}
    embedded: set[int] = set()

    def swap(match: re.Match[str]) -> str:
        attachment_id = int(match.group(2))
        if attachment_id not in own:
            return match.group(0)
        embedded.add(attachment_id)
        return f"{match.group(1)}cid:{inline_cid(attachment_id)}{match.group(3)}"

    return _ATTACHMENT_SRC.sub(swap, html or ""), embedded
