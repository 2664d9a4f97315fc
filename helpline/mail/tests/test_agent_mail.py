"""Agents answering from their mail client: trusted only with the ticket's token."""

from __future__ import annotations

from typing import Any

from helpline.accounts.models import Agent
from helpline.mail.conf import MAIL_KIND
from helpline.mail.models import InboundMail
from helpline.mail.tests.support import mail_bytes
from helpline.mail.tokens import message_id_make, reply_address_make
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Message, Ticket

State = InboundMail.State


def _ticket(deliver: Any) -> Ticket:
    return deliver(mail_bytes(message_id="first@client.test")).ticket


def _notification_id(ticket: Ticket, kind: str = "n") -> str:
    return message_id_make(kind=kind, number=ticket.number, domain="helpline.test", unique=7)


def test_an_agent_answering_a_notification_writes_their_reply(deliver: Any, agent: Agent):
    # given
    ticket = _ticket(deliver)

    # when Alice answers the "customer replied" notification from her phone
    inbound = deliver(mail_bytes(
        sender="Alice <alice@helpline.test>", message_id="alice-1@phone.test",
        to=reply_address_make("support@helpline.test", ticket.number), in_reply_to=_notification_id(ticket),
        body="Please switch it off and on again.\n\nOn Monday, Helpline wrote:\n> the customer wrote...",
    ))  # fmt: skip

    # then
    reply = ticket.messages.get(kind=Message.Kind.REPLY)
    assert (inbound.state, inbound.ticket_message) == (State.PROCESSED, reply)
    assert inbound.reason == f"Reply of alice@helpline.test on #{ticket.number}"
    assert reply.author_agent == agent
    assert reply.body_text == "Please switch it off and on again."
    assert OutboxMessage.objects.filter(kind=MAIL_KIND, message=reply).count() == 1  # it goes to Carla


def test_an_agent_is_recognised_however_their_address_is_cased_and_a_deactivated_one_is_not(
    deliver: Any, agent: Agent, other_agent: Agent
):
    # given a ticket, and a colleague who has left (deactivated)
    ticket = _ticket(deliver)
    other_agent.is_active = False
    other_agent.save(update_fields=["is_active"])

    # when Alice answers from a client that capitalises her address, and the colleague answers too
    deliver(mail_bytes(
        sender="Alice <ALICE@Helpline.Test>", message_id="alice-case@phone.test",
        to=reply_address_make("support@helpline.test", ticket.number), in_reply_to=_notification_id(ticket),
        body="On my way.",
    ))  # fmt: skip
    left = deliver(mail_bytes(
        sender=f"Former <{other_agent.email}>", message_id="former@phone.test",
        to=reply_address_make("support@helpline.test", ticket.number), in_reply_to=_notification_id(ticket),
        body="I am not here any more.",
    ))  # fmt: skip

    # then Alice's mail is her reply, and the former colleague's is not an agent's at all
    assert ticket.messages.get(kind=Message.Kind.REPLY).author_agent == agent
    assert left.ticket_message is not None and left.ticket_message.kind != Message.Kind.REPLY
    assert left.ticket_message.author_agent is None


def test_an_agent_mail_starting_with_note_is_an_internal_note(deliver: Any, agent: Agent):
    # given
    ticket = _ticket(deliver)

    # when
    deliver(mail_bytes(sender="alice@helpline.test", message_id="alice-2@phone.test",
                       in_reply_to=_notification_id(ticket), body="#note she called, it is a toner fire"))  # fmt: skip

    # then
    note = ticket.messages.get(kind=Message.Kind.NOTE)
    assert (note.author_agent, note.body_text) == (agent, "she called, it is a toner fire")
    assert not OutboxMessage.objects.filter(message=note).exists()


def test_answering_a_mention_writes_a_note(deliver: Any, agent: Agent):
    # given
    ticket = _ticket(deliver)

    # when
    deliver(mail_bytes(sender="alice@helpline.test", message_id="alice-3@phone.test",
                       in_reply_to=_notification_id(ticket, kind="m"), body="I'll take it"))  # fmt: skip

    # then
    assert ticket.messages.get(kind=Message.Kind.NOTE).body_text == "I'll take it"


def test_a_collaborator_answering_writes_a_note(deliver: Any, collaborator: Agent):
    # given
    ticket = _ticket(deliver)

    # when
    deliver(mail_bytes(sender="cole@helpline.test", message_id="cole@phone.test",
                       in_reply_to=_notification_id(ticket), body="Toner is in the cupboard"))  # fmt: skip

    # then
    assert ticket.messages.get(kind=Message.Kind.NOTE).author_agent == collaborator
    assert not ticket.messages.filter(kind=Message.Kind.REPLY).exists()


def test_agent_mail_without_token_is_kept_but_never_sent(deliver: Any, agent: Agent):
    # given
    ticket = _ticket(deliver)
    outbox_before = OutboxMessage.objects.count()

    # when someone writes as Alice, with only the subject tag
    inbound = deliver(mail_bytes(sender="alice@helpline.test", message_id="fake-alice@evil.example",
                                 subject=f"[#{ticket.number}] refund approved", body="Refund approved!"))  # fmt: skip

    # then
    entry = inbound.ticket_message
    assert entry.kind == Message.Kind.SYSTEM
    assert entry.body_text.startswith("Mail from Alice <alice@helpline.test> without a valid token (not trusted, not "
                                      "sent to the customer)")  # fmt: skip
    assert not ticket.messages.filter(kind__in=[Message.Kind.REPLY, Message.Kind.NOTE]).exists()
    assert OutboxMessage.objects.count() == outbox_before


def test_an_agent_may_not_write_on_a_private_ticket(deliver: Any, hr_ticket: Ticket, agent: Agent):
    # when Alice (Support) answers with a valid token for an HR ticket
    inbound = deliver(mail_bytes(sender="alice@helpline.test", message_id="alice-hr@phone.test",
                                 in_reply_to=_notification_id(hr_ticket), body="Curious"))  # fmt: skip

    # then
    assert inbound.state == State.IGNORED
    assert inbound.reason.startswith(f"Agent alice@helpline.test may not write on #{hr_ticket.number}")
    assert hr_ticket.messages.count() == 1
