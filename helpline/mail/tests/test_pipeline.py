"""The inbound pipeline: new tickets, acknowledgements, customers, CCs, files, automated mail."""

from __future__ import annotations

from typing import Any

from django.core import mail as django_mail

from helpline.accounts.models import Agent
from helpline.customers.models import ContactIdentity, Customer
from helpline.mail.conf import MAIL_KIND
from helpline.mail.models import AcknowledgementLog, InboundMail, Mailbox, SenderRule
from helpline.mail.tests.support import mail_bytes
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Attachment, Message, Status, Ticket

State = InboundMail.State


def test_a_customer_mail_opens_a_ticket_with_an_acknowledgement(deliver: Any, drain: Any, support_mailbox: Mailbox):
    # given
    raw = mail_bytes(message_id="first@client.test", subject="The printer is on fire")

    # when
    inbound = deliver(raw)

    # then
    ticket = Ticket.objects.get()
    message = ticket.messages.get()
    assert (inbound.state, inbound.ticket, inbound.ticket_message) == (State.PROCESSED, ticket, message)
    assert inbound.reason == f"New ticket #{ticket.number}; acknowledgement queued"
    assert (ticket.subject, ticket.channel, ticket.status, ticket.team) == (
        "The printer is on fire", "email", Status.NEW, support_mailbox.default_team)  # fmt: skip
    assert ticket.requester.name == "Carla"
    assert ticket.requester.primary_email == "carla@example.com"
    assert (message.kind, message.message_id) == (Message.Kind.CUSTOMER, "first@client.test")
    assert message.body_text.startswith("Hello, the printer in room 4 is on fire.")
    assert message.metadata["mail"]["mailbox_id"] == support_mailbox.pk
    assert message.metadata["mail"]["from"] == ["Carla", "carla@example.com"]
    ack = OutboxMessage.objects.get()
    assert (ack.kind, ack.ticket, ack.dedupe_key) == (MAIL_KIND, ticket, f"ack:{inbound.dedupe_key}")

    # when the outbox drains
    drain()

    # then the acknowledgement leaves, marked as an automatic reply in the thread
    sent = django_mail.outbox[0].message()
    assert sent["To"] == "Carla <carla@example.com>"
    assert sent["From"] == "Helpline Support <support@helpline.test>"
    assert sent["Subject"] == f"Re: The printer is on fire [#{ticket.number}]"
    assert sent["In-Reply-To"] == "<first@client.test>"
    assert sent["References"] == "<first@client.test>"
    assert sent["Auto-Submitted"] == "auto-replied"
    assert sent["X-Auto-Response-Suppress"] == "All"
    assert sent["X-Helpline-Loop"] == "1"
    assert str(sent["Reply-To"]).startswith(f"Helpline Support <support+t{ticket.number}-")
    assert AcknowledgementLog.objects.filter(address="carla@example.com").count() == 1


def test_the_same_mail_twice_is_one_ticket_and_one_acknowledgement(deliver: Any, billing_mailbox: Mailbox):
    # given a mail sent to support@ and billing@ (two deliveries with one Message-ID)
    raw = mail_bytes(message_id="twice@client.test", to="support@helpline.test, billing@helpline.test")
    first = deliver(raw)

    # when
    second = deliver(raw, mailbox=billing_mailbox)
    third = deliver(raw)

    # then
    assert first.pk == second.pk == third.pk
    assert InboundMail.objects.get().deliveries == 3
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1
    assert OutboxMessage.objects.filter(kind=MAIL_KIND).count() == 1


def test_a_large_message_is_kept_as_a_file_and_a_small_one_in_its_row(deliver: Any, settings: Any):
    # given
    settings.HELPLINE_MAIL_INLINE_RAW_BYTES = 2000
    small, large = mail_bytes(message_id="small@client.test"), mail_bytes(body="x" * 5000, subject="Large")

    # when
    kept_small, kept_large = deliver(small), deliver(large)

    # then
    from helpline.mail.services import raw_read

    assert (bytes(kept_small.raw_bytes), kept_small.raw_file.name) == (small, "")
    assert kept_large.raw_bytes is None
    assert kept_large.raw_file.name == f"mail/raw/{kept_large.raw_sha256[:2]}/{kept_large.raw_sha256}.eml"
    assert (raw_read(kept_small), raw_read(kept_large)) == (small, large)
    assert kept_large.state == kept_small.state == State.PROCESSED


def test_processing_twice_changes_nothing(deliver: Any):
    # given
    from helpline.mail.services import mail_process

    inbound = deliver(mail_bytes())
    before = (Ticket.objects.count(), Message.objects.count(), OutboxMessage.objects.count())

    # when
    again = mail_process(inbound)

    # then
    assert again.state == State.PROCESSED
    assert again.attempts == 1
    assert (Ticket.objects.count(), Message.objects.count(), OutboxMessage.objects.count()) == before


def test_a_mail_without_message_id_is_deduplicated_on_its_bytes(deliver: Any):
    # given
    raw = mail_bytes().replace(b"Message-ID:", b"X-Old-Message-ID:")

    # when
    first = deliver(raw)
    second = deliver(raw)

    # then
    assert first.pk == second.pk
    assert first.message_id == f"{first.raw_sha256}@helpline.invalid"
    assert Ticket.objects.get().messages.get().message_id == first.message_id


def test_ccs_become_ccs_and_agents_followers(deliver: Any, agent: Agent):
    # given
    raw = mail_bytes(cc="Dan <dan@example.com>, Alice <ALICE@helpline.test>, support@helpline.test")

    # when
    deliver(raw)

    # then
    ticket = Ticket.objects.get()
    assert [c.primary_email for c in ticket.ccs.all()] == ["dan@example.com"]
    assert list(ticket.followers.all()) == [agent]


def test_attachments_are_stored_and_inline_images_shown_in_place(deliver: Any):
    # given
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    raw = mail_bytes(
        html='<p>See <img src="cid:shot@client"></p>',
        inline=[("shot.png", "image/png", png, "shot@client")],
        attachments=[
            ("invoice.pdf", "application/pdf", b"%PDF-1.4 ..."),
            ("run.exe", "application/octet-stream", b"MZ"),
        ],
    )

    # when
    inbound = deliver(raw)

    # then
    message = Message.objects.get()
    files = {a.filename: a for a in Attachment.objects.filter(message=message)}
    assert sorted(files) == ["invoice.pdf", "shot.png"]
    assert files["shot.png"].is_inline and files["shot.png"].content_id == "shot@client"
    assert f'src="/api/v1/attachments/{files["shot.png"].pk}/content"' in message.body_html
    assert "cid:" not in message.body_html
    assert message.metadata["mail"]["skipped_attachments"] == [
        "run.exe: Files of type .exe are not accepted, because they can run programs."
    ]
    assert inbound.state == State.PROCESSED


def test_an_empty_mail_still_makes_a_ticket(deliver: Any):
    # when
    deliver(mail_bytes(subject="", body=""))

    # then
    ticket = Ticket.objects.get()
    assert ticket.subject == "(no subject)"
    assert ticket.messages.get().body_text == "(This message has no text.)"


def test_acknowledgements_are_rate_limited_per_sender(deliver: Any):
    # given three new tickets from Carla within the hour
    for n in range(3):
        deliver(mail_bytes(message_id=f"n{n}@client.test", subject=f"Question {n}"))

    # when a fourth arrives
    inbound = deliver(mail_bytes(message_id="n4@client.test", subject="Question 4"))

    # then it is a ticket but gets no acknowledgement
    assert Ticket.objects.count() == 4
    assert OutboxMessage.objects.filter(kind=MAIL_KIND).count() == 3
    assert inbound.reason.endswith("acknowledgement not sent: rate limit: 3 automatic mails to this address in "
                                   "the last hour")  # fmt: skip


def test_no_acknowledgement_when_the_mailbox_has_them_off(deliver: Any, support_mailbox: Mailbox):
    # given
    support_mailbox.auto_acknowledge = False
    support_mailbox.save()

    # when
    deliver(mail_bytes())

    # then
    assert Ticket.objects.count() == 1
    assert not OutboxMessage.objects.exists()


def test_automated_mail_opens_no_ticket_and_gets_no_acknowledgement(deliver: Any):
    # given
    raw = mail_bytes(sender="News <news@shop.example>", headers={"List-Id": "<news.shop.example>",
                                                                 "Precedence": "bulk"})  # fmt: skip

    # when
    inbound = deliver(raw)

    # then
    assert inbound.state == State.IGNORED
    assert inbound.reason == "Automated mail (precedence: bulk) that answers no ticket"
    assert not Ticket.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert not Customer.objects.exists()


def test_a_blocked_sender_is_ignored_and_an_allowed_one_may_be_automated(deliver: Any):
    # given
    SenderRule.objects.create(pattern="@spam.example", action=SenderRule.Action.BLOCK)
    SenderRule.objects.create(pattern="alerts@monitor.example", action=SenderRule.Action.ALLOW)

    # when
    blocked = deliver(mail_bytes(sender="x@spam.example", message_id="s@spam.example"))
    allowed = deliver(mail_bytes(sender="alerts@monitor.example", headers={"Auto-Submitted": "auto-generated"}))

    # then
    assert (blocked.state, blocked.reason) == (State.IGNORED, "Sender blocked by the rule '@spam.example'")
    assert allowed.state == State.PROCESSED
    assert Ticket.objects.get().requester.primary_email == "alerts@monitor.example"


def test_mail_from_our_own_address_is_ignored(deliver: Any):
    # when
    inbound = deliver(mail_bytes(sender="Helpline <support@helpline.test>"))

    # then
    assert (inbound.state, inbound.reason) == (State.IGNORED, "Sent from our own address support@helpline.test")
    assert not Ticket.objects.exists()


def test_a_mail_without_sender_is_quarantined(deliver: Any):
    # when
    raw = b"To: support@helpline.test\r\nSubject: who am I\r\nMessage-ID: <anon@x>\r\n\r\nHello\r\n"
    inbound = deliver(raw)

    # then
    assert inbound.state == State.QUARANTINED
    assert inbound.reason == "The message has no usable sender address (From, Sender, Return-Path)"
    assert not ContactIdentity.objects.exists()
