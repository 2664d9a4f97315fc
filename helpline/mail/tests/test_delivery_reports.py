"""Bounces: a system entry on the ticket, the address marked failing, never a ticket of their own."""

from __future__ import annotations

from typing import Any

from helpline.accounts.models import Agent
from helpline.customers.models import ContactIdentity
from helpline.mail.models import InboundMail
from helpline.mail.tests.support import mail_bytes
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Message, Status, Ticket
from helpline.tickets.services import reply_add

State = InboundMail.State


def dsn_bytes(*, recipient: str, status: str, action: str, original_message_id: str) -> bytes:
    """An RFC 3464 delivery report as Postfix sends it, returning the original's headers."""
    return (
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"
        "To: support@helpline.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-" + status + "@mx.example.com>\r\nAuto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you that your message could not be "
        "delivered.\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{recipient}>: Recipient address rejected: User unknown\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: Helpline Support <support@helpline.test>\r\nTo: {recipient}\r\n"
        f"Subject: Re: The printer is on fire\r\nMessage-ID: <{original_message_id}>\r\n\r\n"
        "--B--\r\n"
    ).encode()


def _reply(deliver: Any, agent: Agent) -> Message:
    ticket = deliver(mail_bytes(message_id="first@client.test")).ticket
    reply = reply_add(actor=agent, ticket=ticket, body_text="Which printer?")
    reply.refresh_from_db()
    return reply


def test_a_permanent_bounce_marks_the_address_and_notes_it_on_the_ticket(deliver: Any, agent: Agent):
    # given
    reply = _reply(deliver, agent)
    outbox_before = OutboxMessage.objects.count()

    # when
    inbound = deliver(dsn_bytes(recipient="carla@example.com", status="5.1.1", action="failed",
                                original_message_id=reply.message_id))  # fmt: skip

    # then
    ticket = reply.ticket
    entry = inbound.ticket_message
    assert (inbound.state, inbound.ticket) == (State.PROCESSED, ticket)
    assert entry.kind == Message.Kind.SYSTEM
    assert entry.body_text.startswith("Our mail could not be delivered: carla@example.com (5.1.1")
    assert entry.body_text.endswith("Marked as failing: carla@example.com.")
    identity = ContactIdentity.objects.get(value="carla@example.com")
    assert identity.failing_since is not None
    assert identity.failing_reason.startswith("carla@example.com (5.1.1")
    reply.refresh_from_db()
    assert reply.metadata["bounce"]["recipient"] == "carla@example.com"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN  # as the reply left it: a bounce changes no status
    assert Ticket.objects.count() == 1
    assert OutboxMessage.objects.count() == outbox_before  # no acknowledgement to the daemon


def test_a_delay_is_noted_but_marks_nothing(deliver: Any, agent: Agent):
    # given
    reply = _reply(deliver, agent)

    # when
    inbound = deliver(dsn_bytes(recipient="carla@example.com", status="4.4.1", action="delayed",
                                original_message_id=reply.message_id))  # fmt: skip

    # then
    assert inbound.ticket_message.body_text.startswith("Delivery of our mail is delayed")
    assert ContactIdentity.objects.get(value="carla@example.com").failing_since is None


def test_a_bounce_about_a_mail_we_do_not_know_is_ignored(deliver: Any, agent: Agent):
    # given a customer, and a forged bounce about a message we never sent
    _reply(deliver, agent)

    # when
    inbound = deliver(dsn_bytes(recipient="carla@example.com", status="5.1.1", action="failed",
                                original_message_id="never-sent@elsewhere.example"))  # fmt: skip

    # then
    assert inbound.state == State.IGNORED
    assert inbound.reason.startswith("Bounce about a mail we do not know")
    assert ContactIdentity.objects.get(value="carla@example.com").failing_since is None
    assert Ticket.objects.count() == 1


def test_a_bounce_marks_only_addresses_of_that_ticket(deliver: Any, agent: Agent, other_customer: Any):
    # given Otto is a customer, but not on Carla's ticket
    reply = _reply(deliver, agent)

    # when the report names Otto
    deliver(dsn_bytes(recipient="otto@example.net", status="5.1.1", action="failed",
                      original_message_id=reply.message_id))  # fmt: skip

    # then
    assert ContactIdentity.objects.get(value="otto@example.net").failing_since is None
