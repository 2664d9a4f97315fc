"""Processing a stored inbound mail: parse, filter, thread, and hand it to the tickets services.

The order of the decisions (each step may end the mail's journey):
1. the Message-ID is on a ticket already → ignored (nothing new);
2. it is our own mail coming back (our Message-ID) or from one of our own addresses → ignored;
3. a sender rule blocks it → ignored (an allow rule also lets automated mail open tickets);
4. a bounce or delivery report → a system entry on the ticket it answers (bounces.py);
5. no usable sender → quarantined;
6. an agent answering a ticket → their reply or note (deliver.agent_mail_add);
7. automated mail → attached, flagged, to the ticket it answers, or dropped;
8. otherwise the customer's message on the matched ticket, or a new ticket (+ acknowledgement).

Parse limits, parse errors and unexpected exceptions quarantine the mail with the reason; nothing
raises out of mail_process, so a poller or a worker keeps going.
"""

from __future__ import annotations

import logging

from django.db import connection, transaction
from django.db.models import F

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor, can_manage
from helpline.audit.services import event_record
from helpline.core.clock import now
from helpline.core.errors import PermissionDenied
from helpline.core.prepared import update_rows
from helpline.mail.conf import loop_header, max_message_bytes
from helpline.mail.models import InboundMail, Mailbox, SenderRule
from helpline.mail.outbound import oversized_notice_enqueue
from helpline.mail.outbound.identity import mailbox_sender, own_addresses
from helpline.mail.parsing import MessageRejected, ParsedMail, ParseLimits, parse_message
from helpline.mail.services.bounces import bounce_record
from helpline.mail.services.context import MailContext, sender_of
from helpline.mail.services.deliver import agent_mail_add, automated_mail_add, customer_mail_add
from helpline.mail.services.outcome import Outcome
from helpline.mail.services.receive import head_scan, raw_read
from helpline.mail.services.senders import sender_rule_for
from helpline.mail.services.thread import stored_message_tickets, thread_find, thread_ids
from helpline.mail.tokens import address_base, message_id_token
from helpline.tickets.models import Message

logger = logging.getLogger(__name__)

State = InboundMail.State
_REASON_MAX_CHARS = 2000
OWN_LOOP = "own loop header"
_MAILBOX = ("mailbox", "mailbox__default_team", "mailbox__default_category")


def mail_process(inbound: InboundMail | int) -> InboundMail:
    """Process one received mail once; returns the row in its final state. Never raises.

    Writes the ticket/message (see the module's docstring), the mail's state and reason, and
    schedules acknowledgements and notices through the outbox, all in one transaction. A mail
    that is not in `received` any more is returned as it is (idempotent).
    """
    row = InboundMail.objects.select_related(*_MAILBOX).get(pk=inbound) if isinstance(inbound, int) else inbound
    if row.state != State.RECEIVED:
        return row  # as the caller read it; the state is checked again when the row is claimed below
    try:
        parsed = parse_message(raw_read(row), limits=parse_limits(), own_loop_header=loop_header())
    except MessageRejected as error:
        return _rejected(row, error)
    except Exception as error:  # noqa: BLE001 - a broken mail must not stop the others
        logger.exception("Inbound mail %s could not be parsed", row.pk)
        return _quarantine(row, f"The message could not be read: {type(error).__name__}: {error}")
    try:
        with transaction.atomic():
            if not _claim(row, commit_without_waiting_for_disk=True):
                return InboundMail.objects.get(pk=row.pk)
            _finish(row, mail_route(row, parsed))
        return row
    except Exception as error:  # noqa: BLE001
        logger.exception("Inbound mail %s could not be processed", row.pk)
        return _quarantine(row, f"Processing failed: {type(error).__name__}: {error}")


def parse_limits() -> ParseLimits:
    return ParseLimits(max_bytes=max_message_bytes())


def mail_route(inbound: InboundMail, parsed: ParsedMail) -> Outcome:
    """Decide what the mail is and write it (steps 1-8 of the module's docstring)."""
    own = own_addresses()
    sender, name = sender_of(parsed)
    ctx = MailContext(inbound=inbound, parsed=parsed, mailbox=inbound.mailbox, own=own, sender=sender,
                      sender_name=name)  # fmt: skip
    if ctx.mailbox is None:
        ctx.mailbox = inbound.mailbox = mailbox_for(ctx.recipients())
    # One query for both "seen before?" and the thread's stored messages (threading step 1).
    ids = thread_ids(parsed.in_reply_to, parsed.references)
    stored = stored_message_tickets([parsed.message_id, *ids])
    if parsed.message_id:
        if parsed.message_id in stored:
            known = Message.objects.filter(message_id=parsed.message_id).select_related("ticket").first()
            if known is not None:
                return Outcome(State.IGNORED, f"Already on ticket #{known.ticket.number} (same Message-ID)",
                               ticket=known.ticket, message=known)  # fmt: skip
        token = message_id_token(parsed.message_id)
        if token is not None and token.valid:
            return Outcome(State.IGNORED, "Our own mail came back (our Message-ID)")
    if sender and ctx.is_own(sender) and parsed.bounce is None:
        return Outcome(State.IGNORED, f"Sent from our own address {sender}")
    rule = sender_rule_for(sender)
    if rule is not None and rule.action == SenderRule.Action.BLOCK:
        return Outcome(State.IGNORED, f"Sender blocked by the rule '{rule.pattern}'")
    allowed = rule is not None and rule.action == SenderRule.Action.ALLOW
    ctx.automated = parsed.automated if not allowed or parsed.automated == OWN_LOOP else None
    match = thread_find(in_reply_to=parsed.in_reply_to, references=parsed.references, recipients=ctx.recipients(),
                        subject=parsed.subject, sender=sender, stored=stored)  # fmt: skip
    if match.forged:
        ctx.notes["forged_tokens"] = match.forged[:10]
    if parsed.bounce is not None:
        return bounce_record(bounce=parsed.bounce, match=match, metadata=ctx.metadata(thread=match.how))
    if not sender:
        return Outcome(State.QUARANTINED, "The message has no usable sender address (From, Sender, Return-Path)")
    if match.ticket is not None:
        agent = _active_agent(sender)
        if agent is not None:
            return agent_mail_add(ctx, match, agent)
    if ctx.automated is not None:
        return automated_mail_add(ctx, match)
    return customer_mail_add(ctx, match)


def _active_agent(address: str) -> Agent | None:
    """The active agent with this address, case aside (as `iexact`). Asked for every mail that
    threads: SQL written once, not compiled by the ORM each time; the agent is read only when found."""
    with connection.cursor() as cursor:
        cursor.execute(_AGENT_BY_ADDRESS, [address])
        row = cursor.fetchone()
    return Agent.objects.filter(pk=row[0]).first() if row else None


_AGENT_BY_ADDRESS = f"SELECT id FROM {Agent._meta.db_table} WHERE LOWER(email) = LOWER(%s) AND is_active ORDER BY id"  # noqa: S608


def mailbox_for(recipients: list[str]) -> Mailbox | None:
    """The mailbox one of the recipients names (tokens ignored), else the first active one."""
    mailboxes = list(Mailbox.objects.filter(is_active=True).order_by("id"))
    bases = {address_base(r) for r in recipients}
    for mailbox in mailboxes:
        if mailbox.own_addresses & bases:
            return mailbox
    return mailboxes[0] if mailboxes else None


def inbound_retry(*, actor: Actor | None, inbound: InboundMail) -> InboundMail:
    """Process a quarantined or ignored mail again (after a fix, or an unblocked sender); admins
    only. An event records who asked; the mail's new state says what came of it."""
    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Only admins retry inbound mail.")
    with transaction.atomic():
        event_record(actor=actor, entity="inbound_mail", entity_id=inbound.pk, kind="mail.inbound_retried",
                     before={"state": inbound.state, "reason": inbound.reason[:500]})  # fmt: skip
        InboundMail.objects.filter(pk=inbound.pk, state__in=[State.QUARANTINED, State.IGNORED]).update(
            state=State.RECEIVED, reason="", processed_at=None
        )
    return mail_process(inbound.pk)


# The claim (see _claim). On PostgreSQL it also lets this transaction commit without waiting for
# its WAL flush (about one fsync per mail otherwise), in the same round trip: `set_config(…, true)`
# is `SET LOCAL`, evaluated for the claimed row only. Safe here and only here: the raw mail was
# stored durably by its own transaction before, and this one both claims and processes it, so a
# crash that loses the commit leaves the mail `received`, and it is processed again
# (idempotently). Never used for the raw store, so nothing received is ever lost.
_CLAIM_PG = (
    'UPDATE "mail_inboundmail" SET "attempts" = "attempts" + 1 WHERE "id" = %s AND "state" = %s '
    "RETURNING set_config('synchronous_commit', 'off', true)"
)


def _claim(row: InboundMail, *, commit_without_waiting_for_disk: bool = False) -> bool:
    """Take the mail for processing in the caller's transaction: one conditional UPDATE, which waits
    for a concurrent processor of the same mail and then finds it no longer `received` (False)."""
    if commit_without_waiting_for_disk and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_PG, [row.pk, State.RECEIVED])
            claimed = cursor.rowcount
    else:
        claimed = update_rows(InboundMail, where={"pk": row.pk, "state": State.RECEIVED}, values={},
                              increment=("attempts",))  # fmt: skip
    if claimed:
        row.attempts += 1
    return bool(claimed)


def _finish(row: InboundMail, outcome: Outcome) -> None:
    """Record the outcome on a claimed mail."""
    row.state = outcome.state
    row.reason = outcome.reason[:_REASON_MAX_CHARS]
    row.ticket = outcome.ticket
    row.ticket_message = outcome.message
    row.processed_at = now()
    update_rows(
        InboundMail,
        where={"pk": row.pk},
        values={"state": row.state, "reason": row.reason, "ticket": row.ticket, "ticket_message": row.ticket_message,
                "processed_at": row.processed_at, "mailbox": row.mailbox},
    )  # fmt: skip
    logger.info("Inbound mail %s <%s> %s: %s", row.pk, row.message_id, row.state, row.reason)


def _quarantine(row: InboundMail, reason: str) -> InboundMail:
    with transaction.atomic():
        InboundMail.objects.filter(pk=row.pk, state=State.RECEIVED).update(
            state=State.QUARANTINED, reason=reason[:_REASON_MAX_CHARS], processed_at=now(), attempts=F("attempts") + 1
        )
    row.refresh_from_db()
    return row


def _rejected(row: InboundMail, error: MessageRejected) -> InboundMail:
    """A mail beyond the parse limits: kept raw, quarantined with the reason, its sender told once."""
    try:
        with transaction.atomic():
            if not _claim(row):
                return InboundMail.objects.get(pk=row.pk)
            notice = _tell_sender(row, error)
            _finish(row, Outcome(State.QUARANTINED, f"{error.reason} (sender notice: {notice})"))
        return row
    except Exception as failure:  # noqa: BLE001
        logger.exception("Inbound mail %s could not be quarantined with a notice", row.pk)
        return _quarantine(row, f"{error.reason} (no notice: {type(failure).__name__}: {failure})")


def _tell_sender(row: InboundMail, error: MessageRejected) -> str:
    head = head_scan(raw_read(row, limit=256 * 1024))
    fields = head.fields
    if fields.get("auto-submitted", "no").split(";")[0].strip().lower() != "no" or "list-id" in fields:
        return "not sent: automated mail"
    if fields.get("precedence", "").strip().lower() in {"bulk", "junk", "list"} or fields.get("return-path") == "<>":
        return "not sent: automated mail"
    if loop_header().lower() in fields:
        return "not sent: our own mail"
    address = error.sender.email if error.sender is not None else ""
    name = error.sender.name if error.sender is not None else ""
    if not address:
        return "not sent: no sender address"
    mailbox = row.mailbox or mailbox_for(list(row.envelope_recipients))
    return oversized_notice_enqueue(
        sender=mailbox_sender(mailbox), to=(name, address), subject=error.subject or row.subject,
        message_id=error.message_id or row.message_id, size=row.raw_size, reason=error.reason,
        dedupe_key=row.dedupe_key,
    )  # fmt: skip
