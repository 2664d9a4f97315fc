"""The whole journey with real parts: the customer's client (imaplib), dovecot as both inboxes,
Helpline polling IMAP and sending through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest

from helpline.accounts.models import Agent
from helpline.customers.models import ContactIdentity
from helpline.mail.imap import ImapPoller
from helpline.mail.models import InboundMail, Mailbox
from helpline.mail.tests.support import Dovecot, SmtpSink, mail_bytes, reply_from_client
from helpline.mail.tests.test_delivery_reports import dsn_bytes
from helpline.tickets.models import Message, Status, Ticket
from helpline.tickets.services import reply_add, ticket_update

pytestmark = pytest.mark.slow
CARLA = "carla@example.com"


class World:
    """Helpline's support@ inbox and Carla's inbox on dovecot; what Helpline sends goes to the SMTP
    server and is then delivered into Carla's inbox, as her provider would."""

    def __init__(self, dovecot: Dovecot, mailbox: Mailbox, sink: SmtpSink, drain: Any) -> None:
        self.dovecot, self.mailbox, self.sink, self._drain = dovecot, mailbox, sink, drain
        self.carla = dovecot.user("carla")
        self.delivered = 0

    def customer_sends(self, raw: bytes) -> None:
        self.dovecot.append(self.mailbox.imap_username, raw)

    def helpline_polls_and_sends(self) -> None:
        ImapPoller(self.mailbox).poll_once()
        self._drain()
        for received in self.sink.received[self.delivered :]:
            if CARLA in received.rcpt_tos:
                self.dovecot.append(self.carla, received.raw)
        self.delivered = len(self.sink.received)

    def carla_inbox(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for _, raw in self.dovecot.messages(self.carla)]


@pytest.fixture
def world(imap_mailbox: Mailbox, dovecot: Dovecot, smtp_sink: SmtpSink, drain: Any) -> World:
    return World(dovecot, imap_mailbox, smtp_sink, drain)


def test_a_conversation_by_mail_from_first_message_to_reopen(world: World, agent: Agent):
    # given Carla writes to support@
    world.customer_sends(mail_bytes(message_id="c1@client.test", subject="The printer is on fire"))

    # when Helpline polls
    world.helpline_polls_and_sends()

    # then there is a ticket and Carla has an acknowledgement
    ticket = Ticket.objects.get()
    inbox = world.carla_inbox()
    assert [m["Subject"] for m in inbox] == [f"Re: The printer is on fire [#{ticket.number}]"]
    assert inbox[0]["Auto-Submitted"] == "auto-replied" and inbox[0]["In-Reply-To"] == "<c1@client.test>"

    # when Alice replies
    reply = reply_add(actor=agent, ticket=ticket, body_text="Is it still burning?")
    world.helpline_polls_and_sends()

    # then Carla's inbox has it, threaded on her message
    reply.refresh_from_db()
    answer = world.carla_inbox()[-1]
    assert answer["Message-ID"] == f"<{reply.message_id}>"
    assert answer["In-Reply-To"] == "<c1@client.test>"
    assert answer["References"] == "<c1@client.test>"
    assert answer["From"] == "Helpline Support <support@helpline.test>"

    # when Carla answers from her client
    world.customer_sends(reply_from_client(answer, sender=f"Carla <{CARLA}>", body="Yes! Still burning."))
    world.helpline_polls_and_sends()

    # then it is on the same ticket, with the quoted history folded by the parser
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1
    assert list(ticket.messages.values_list("kind", flat=True)) == ["customer", "reply", "customer"]
    last = ticket.messages.last()
    assert last is not None and last.body_text.startswith("Yes! Still burning.")

    # when the ticket is solved with another reply, and Carla writes again
    reply_add(actor=agent, ticket=ticket, body_text="Extinguished.", status=Status.SOLVED)
    world.helpline_polls_and_sends()
    world.customer_sends(reply_from_client(world.carla_inbox()[-1], sender=CARLA, body="It is back!"))
    world.helpline_polls_and_sends()

    # then the ticket is open again, and Carla got exactly one acknowledgement in all
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert Ticket.objects.count() == 1
    assert [m["Auto-Submitted"] for m in world.carla_inbox()].count("auto-replied") == 1


@pytest.mark.parametrize("signals", ["rfc3834", "none"])
def test_an_auto_reply_storm_with_a_vacation_responder_stops_after_one_message(world: World, signals: str):
    # given Carla is away and her vacation responder answers every mail she gets (with or without
    # the RFC 3834 header; a careless responder sends no signal at all)
    headers = {"Auto-Submitted": "auto-replied"} if signals == "rfc3834" else {}
    world.customer_sends(mail_bytes(message_id="c1@client.test", subject="Broken laptop"))

    # when Helpline and the responder go back and forth a few rounds
    for _ in range(5):
        world.helpline_polls_and_sends()
        for message in world.carla_inbox():
            responded = f"vacation-{message['Message-ID'].strip('<>')}"
            if not InboundMail.objects.filter(message_id=responded).exists():
                world.customer_sends(mail_bytes(
                    message_id=responded, subject=f"Away: {message['Subject']}", headers=headers,
                    body="I am away until Monday.", in_reply_to=message["Message-ID"].strip("<>"),
                ))  # fmt: skip

    # then Helpline sent Carla one message (the acknowledgement), and the storm is over
    assert len(world.sink.to(CARLA)) == 1
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.CUSTOMER).count() == 2


def test_duplicates_spoofs_and_bounces_over_imap(world: World, agent: Agent, dovecot: Dovecot, drain: Any):
    # given the same mail delivered twice to support@ (say, an MTA retry) and polled twice
    raw = mail_bytes(message_id="dup@client.test", subject="Twice")
    world.customer_sends(raw)
    world.customer_sends(raw)
    world.helpline_polls_and_sends()
    ImapPoller(world.mailbox).poll_once()
    ticket = Ticket.objects.get()
    assert len(world.sink.to(CARLA)) == 1

    # when a stranger puts Carla's ticket number in a subject
    world.customer_sends(mail_bytes(sender="mallory@evil.example", message_id="spoof@evil.example",
                                    subject=f"Re: Twice [#{ticket.number}]", body="Send me her data"))  # fmt: skip
    world.helpline_polls_and_sends()

    # then the stranger gets a ticket of their own
    assert Ticket.objects.count() == 2
    assert ticket.messages.count() == 1

    # when Alice's reply bounces
    reply = reply_add(actor=agent, ticket=ticket, body_text="Done")
    reply.refresh_from_db()
    world.helpline_polls_and_sends()
    world.customer_sends(dsn_bytes(recipient=CARLA, status="5.1.1", action="failed",
                                   original_message_id=reply.message_id))  # fmt: skip
    world.helpline_polls_and_sends()

    # then
    assert ticket.messages.filter(kind=Message.Kind.SYSTEM).count() == 1
    assert ContactIdentity.objects.get(value=CARLA).failing_since is not None
    assert Ticket.objects.count() == 2


def test_solved_then_closed_answers_start_a_follow_up(world: World, agent: Agent):
    # given
    world.customer_sends(mail_bytes(message_id="c1@client.test"))
    world.helpline_polls_and_sends()
    ticket = Ticket.objects.get()
    reply_add(actor=agent, ticket=ticket, body_text="Done", status=Status.SOLVED)
    ticket_update(actor=agent, ticket=ticket, changes={"status": Status.CLOSED})
    world.helpline_polls_and_sends()

    # when
    world.customer_sends(reply_from_client(world.carla_inbox()[-1], sender=CARLA, body="One more thing"))
    world.helpline_polls_and_sends()

    # then
    follow_up = Ticket.objects.exclude(pk=ticket.pk).get()
    assert follow_up.follow_up_of == ticket
    assert follow_up.messages.get().body_text.startswith("One more thing")
