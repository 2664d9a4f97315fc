"""Which ticket a mail belongs to: references, tokens, subject tags; never hijacked, never forged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine

from helpline.accounts.models import Agent
from helpline.core.clock import now
from helpline.mail.conf import MAIL_KIND
from helpline.mail.models import InboundMail
from helpline.mail.tests.support import mail_bytes
from helpline.mail.tokens import message_id_make, reply_address_make
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Message, Status, Ticket
from helpline.tickets.services import reply_add, ticket_merge, ticket_update

State = InboundMail.State


def _ticket_by_mail(deliver: Any, **kwargs: Any) -> Ticket:
    inbound = deliver(mail_bytes(message_id="first@client.test", **kwargs))
    assert inbound.ticket is not None
    return inbound.ticket


def test_a_reply_to_our_reply_lands_on_the_ticket(deliver: Any, agent: Agent):
    # given
    ticket = _ticket_by_mail(deliver)
    reply = reply_add(actor=agent, ticket=ticket, body_text="Which printer?")
    reply.refresh_from_db()

    # when
    inbound = deliver(mail_bytes(
        message_id="second@client.test", subject=f"Re: The printer is on fire [#{ticket.number}]",
        in_reply_to=reply.message_id, references=["first@client.test", reply.message_id],
    ))  # fmt: skip

    # then
    assert (inbound.state, inbound.ticket) == (State.PROCESSED, ticket)
    assert inbound.reason == f"Added to #{ticket.number} (references)"
    assert list(ticket.messages.values_list("kind", flat=True)) == ["customer", "reply", "customer"]
    assert Ticket.objects.count() == 1
    assert OutboxMessage.objects.filter(dedupe_key__startswith="ack:").count() == 1  # only the first mail's


def test_a_reply_threads_on_our_message_id_token_without_a_database_hit(deliver: Any):
    # given a reply to a Message-ID of ours that no message row holds (a client rewrote the thread)
    ticket = _ticket_by_mail(deliver)
    ours = message_id_make(kind="r", number=ticket.number, domain="helpline.test", unique="gone")

    # when
    inbound = deliver(mail_bytes(message_id="second@client.test", subject="Anything", in_reply_to=ours))

    # then
    assert (inbound.ticket, inbound.reason) == (ticket, f"Added to #{ticket.number} (message-id token)")


def test_a_mail_to_the_reply_address_threads_without_any_header(deliver: Any):
    # given
    ticket = _ticket_by_mail(deliver)

    # when
    inbound = deliver(mail_bytes(message_id="second@client.test", subject="New words",
                                 to=reply_address_make("support@helpline.test", ticket.number)))  # fmt: skip

    # then
    assert (inbound.ticket, inbound.reason) == (ticket, f"Added to #{ticket.number} (reply address token)")


def test_the_requester_may_use_the_subject_tag(deliver: Any):
    # given
    ticket = _ticket_by_mail(deliver)

    # when
    inbound = deliver(mail_bytes(message_id="second@client.test", subject=f"More about [#{ticket.number}]"))

    # then
    assert (inbound.ticket, inbound.reason) == (ticket, f"Added to #{ticket.number} (subject tag)")


def test_a_stranger_with_the_subject_tag_opens_a_new_ticket(deliver: Any):
    # given
    ticket = _ticket_by_mail(deliver)

    # when
    inbound = deliver(mail_bytes(sender="Mallory <mallory@evil.example>", message_id="hijack@evil.example",
                                 subject=f"Re: The printer is on fire [#{ticket.number}]"))  # fmt: skip

    # then
    assert inbound.ticket != ticket
    assert inbound.ticket.requester.primary_email == "mallory@evil.example"
    assert ticket.messages.count() == 1


def test_a_forged_token_is_not_trusted(deliver: Any):
    # given a Message-ID and a reply address that look like ours, for Carla's ticket, with a made-up HMAC
    ticket = _ticket_by_mail(deliver)
    forged_id = f"hl-r{ticket.number}.1.0123456789abcdef@helpline.test"
    forged_address = f"support+t{ticket.number}-0123456789@helpline.test"

    # when
    inbound = deliver(mail_bytes(sender="mallory@evil.example", message_id="forged@evil.example",
                                 to=forged_address, in_reply_to=forged_id))  # fmt: skip

    # then
    assert inbound.ticket != ticket
    assert ticket.messages.count() == 1
    message = inbound.ticket.messages.get()
    assert message.metadata["mail"]["forged_tokens"] == [forged_id, forged_address]


def test_the_same_message_id_again_adds_nothing(deliver: Any):
    # given a message that reached the ticket another way (say, the API) with this Message-ID
    ticket = _ticket_by_mail(deliver)
    InboundMail.objects.all().delete()

    # when
    inbound = deliver(mail_bytes(message_id="first@client.test", subject="again"))

    # then
    assert (inbound.state, inbound.reason) == (State.IGNORED, f"Already on ticket #{ticket.number} (same Message-ID)")
    assert Message.objects.count() == 1


def test_our_own_mail_coming_back_is_ignored(deliver: Any):
    # given
    ticket = _ticket_by_mail(deliver)
    ours = message_id_make(kind="a", number=ticket.number, domain="helpline.test")

    # when
    inbound = deliver(mail_bytes(sender="someone@example.org", message_id=ours))

    # then
    assert (inbound.state, inbound.reason) == (State.IGNORED, "Our own mail came back (our Message-ID)")


def test_a_customer_reply_reopens_a_solved_ticket(deliver: Any, agent: Agent, ticket_events: Any):
    # given
    ticket = _ticket_by_mail(deliver)
    reply = reply_add(actor=agent, ticket=ticket, body_text="Fixed.", status=Status.SOLVED)
    reply.refresh_from_db()

    # when
    deliver(mail_bytes(message_id="second@client.test", in_reply_to=reply.message_id, body="Still burning!"))

    # then
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert "ticket.reopened" in [kind for kind, _, _ in ticket_events(ticket)]


def test_a_reply_to_a_closed_ticket_starts_a_linked_follow_up(deliver: Any, agent: Agent):
    # given
    ticket = _ticket_by_mail(deliver)
    reply = reply_add(actor=agent, ticket=ticket, body_text="Fixed.", status=Status.SOLVED)
    reply.refresh_from_db()
    ticket_update(actor=agent, ticket=ticket, changes={"status": Status.CLOSED})

    # when
    inbound = deliver(mail_bytes(message_id="second@client.test", in_reply_to=reply.message_id))

    # then
    follow_up = inbound.ticket
    assert follow_up != ticket and follow_up.follow_up_of == ticket
    assert inbound.reason.startswith(f"Follow-up #{follow_up.number} of #{ticket.number}; acknowledgement queued")


def test_an_out_of_office_reply_is_attached_flagged_and_reopens_nothing(deliver: Any, agent: Agent):
    # given a solved ticket
    ticket = _ticket_by_mail(deliver)
    reply = reply_add(actor=agent, ticket=ticket, body_text="Fixed.", status=Status.SOLVED)
    reply.refresh_from_db()
    outbox_before = OutboxMessage.objects.count()

    # when Carla's vacation responder answers
    inbound = deliver(mail_bytes(message_id="ooo@client.test", subject="Out of office: Re: The printer",
                                 in_reply_to=reply.message_id, headers={"Auto-Submitted": "auto-replied"}))  # fmt: skip

    # then
    ticket.refresh_from_db()
    message = ticket.messages.last()
    assert inbound.reason == f"Automated mail (out-of-office) attached to #{ticket.number}"
    assert ticket.status == Status.SOLVED
    assert message is not None
    assert message.metadata["mail"]["automated"] == "out-of-office"
    assert message.metadata["mail"]["flagged"] is True
    assert OutboxMessage.objects.count() == outbox_before


def test_a_reply_long_after_solving_starts_a_follow_up(deliver: Any, agent: Agent):
    # given
    ticket = _ticket_by_mail(deliver)
    reply = reply_add(actor=agent, ticket=ticket, body_text="Fixed.", status=Status.SOLVED)
    reply.refresh_from_db()

    # when a month later
    with time_machine.travel(now() + timedelta(days=30)):
        inbound = deliver(mail_bytes(message_id="late@client.test", in_reply_to=reply.message_id))

    # then
    assert inbound.ticket.follow_up_of == ticket


def test_a_reply_to_a_merged_ticket_lands_on_the_target(deliver: Any, agent: Agent):
    # given
    first = _ticket_by_mail(deliver)
    second = deliver(mail_bytes(message_id="other@client.test", subject="Other")).ticket
    ticket_merge(actor=agent, source=first, target=second)

    # when
    inbound = deliver(mail_bytes(message_id="third@client.test", in_reply_to="first@client.test"))

    # then
    assert inbound.ticket == second
    assert OutboxMessage.objects.filter(kind=MAIL_KIND, dedupe_key__startswith="ack:").count() == 2


def test_a_reply_to_a_ticket_in_spam_stays_there_unread(deliver: Any, agent: Agent):
    # given
    from helpline.tickets.services import ticket_spam

    ticket = _ticket_by_mail(deliver)
    ticket_spam(actor=agent, ticket=ticket)

    # when
    inbound = deliver(mail_bytes(message_id="second@client.test", in_reply_to="first@client.test"))

    # then
    ticket.refresh_from_db()
    assert (inbound.state, inbound.ticket) == (State.PROCESSED, ticket)
    assert (ticket.disposition, ticket.status) == ("spam", Status.NEW)
    assert ticket.messages.count() == 2
