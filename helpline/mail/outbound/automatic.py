"""Mails Helpline sends on its own: the acknowledgement of a new ticket and the "too large" notice.

Both carry `Auto-Submitted: auto-replied` and `X-Auto-Response-Suppress: All`, are rate-limited
per address (AcknowledgementLog) and carry an outbox dedupe key derived from the inbound mail, so
processing the same mail twice sends one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connections

from helpline.core.clock import now
from helpline.core.prepared import insert_row
from helpline.mail.conf import MAIL_KIND, acks_per_hour
from helpline.mail.headers import address_clean, subject_reply
from helpline.mail.models import AcknowledgementLog
from helpline.mail.outbound.compose import references_clean
from helpline.mail.outbound.identity import Sender, own_addresses
from helpline.mail.templating import mail_render
from helpline.mail.tokens import message_id_make
from helpline.outbox.services import outbox_enqueue
from helpline.tickets.models import Message, Ticket

NO_REPLY_LOCAL_PARTS = frozenset({"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply"})


def auto_reply_allowed(address: str, *, own: set[str] | None = None) -> str | None:
    """Why no automatic mail may go to `address` (None when one may): not an address, one of ours,
    a mailer daemon, or the rate limit of the last hour reached."""
    clean = address_clean(address)
    if clean is None:
        return "no usable address"
    local = clean.split("@", 1)[0]
    ours = own if own is not None else own_addresses()
    if clean in ours or local.split("+", 1)[0] in NO_REPLY_LOCAL_PARTS:
        return "the address does not take replies"
    recent = _sent_since(clean, now() - timedelta(hours=1))
    if recent >= acks_per_hour():
        return f"rate limit: {recent} automatic mails to this address in the last hour"
    return None


def _sent_log(address: str) -> None:
    """Count an automatic mail to `address`, one that auto_reply_allowed let through, for the rate limit."""
    clean = address_clean(address)
    if clean is None:  # never: auto_reply_allowed refuses such an address
        raise ValueError(f"Not a usable e-mail address: {address!r}")
    insert_row(AcknowledgementLog(address=clean))


def _sent_since(address: str, since: datetime) -> int:
    """How many automatic mails went to `address` since then: asked for every new ticket by mail,
    so written once rather than compiled by the ORM each time (see helpline/core/prepared.py)."""
    connection = connections["default"]
    with connection.cursor() as cursor:
        cursor.execute(_SENT_SINCE, [address, connection.ops.adapt_datetimefield_value(since)])
        return int(cursor.fetchone()[0])


_SENT_SINCE = f"SELECT COUNT(*) FROM {AcknowledgementLog._meta.db_table} WHERE address = %s AND sent_at >= %s"  # noqa: S608


def acknowledgement_enqueue(*, ticket: Ticket, message: Message, sender: Sender, to: tuple[str, str],
                            dedupe_key: str, own: set[str] | None = None) -> str:  # fmt: skip
    """Queue the acknowledgement of a new ticket to `to` ([name, address]) in the caller's
    transaction; returns what happened ("queued" or why not), for the mail's record. `own`: our
    addresses, when the caller has them already."""
    refusal = auto_reply_allowed(to[1], own=own)
    if refusal is not None:
        return f"not sent: {refusal}"
    rendered = mail_render(
        "acknowledgement",
        {"ticket": {"number": ticket.number, "subject": ticket.subject},
         "customer": {"name": to[0], "email": to[1]}, "mailbox": sender.context()},
    )  # fmt: skip
    queued = outbox_enqueue(
        kind=MAIL_KIND,
        ticket=ticket,
        dedupe_key=f"ack:{dedupe_key}",
        payload={
            "from": sender.from_(),
            "reply_to": sender.reply_to(ticket.number),
            "to": [list(to)],
            "subject": subject_reply(rendered.subject, ticket.number),
            "text": rendered.text,
            "html": rendered.html,
            "message_id": message_id_make(kind="a", number=ticket.number, domain=sender.domain),
            "in_reply_to": message.message_id,
            "references": references_clean([*message.references.split(), message.message_id]),
            "auto_submitted": "auto-replied",
        },
    )
    if queued is None:
        return "not sent: sent before"
    _sent_log(to[1])
    return "queued"


def oversized_notice_enqueue(*, sender: Sender, to: tuple[str, str], subject: str, message_id: str,
                             size: int, reason: str, dedupe_key: str) -> str:  # fmt: skip
    """Tell the sender, once, that their message was too large to be read; returns what happened."""
    refusal = auto_reply_allowed(to[1])
    if refusal is not None:
        return f"not sent: {refusal}"
    rendered = mail_render(
        "oversized",
        {"sender": {"name": to[0], "email": to[1]}, "subject": subject, "reason": reason,
         "size_mb": f"{size / (1024 * 1024):.1f}", "mailbox": sender.context()},
    )  # fmt: skip
    queued = outbox_enqueue(
        kind=MAIL_KIND,
        dedupe_key=f"oversized:{dedupe_key}",
        payload={
            "from": sender.from_(),
            "to": [list(to)],
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "message_id": message_id_make(kind="o", number=0, domain=sender.domain),
            "in_reply_to": message_id,
            "references": references_clean([message_id]),
            "auto_submitted": "auto-replied",
        },
    )
    if queued is None:
        return "not sent: sent before"
    _sent_log(to[1])
    return "queued"
