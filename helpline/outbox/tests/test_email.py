from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.files.base import ContentFile

from helpline.outbox.drain import outbox_drain_due
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Attachment, Blob, Message
from helpline.tickets.tests.factories import MessageFactory

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PERMANENT = "PermanentFailure: "
PNG = b"\x89PNG\r\n\x1a\n-not-really-an-image"


@pytest.fixture
def now_t0(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


def _attachment(message: Message, *, filename: str, content: bytes, content_type: str, **fields: Any) -> Attachment:
    blob = Blob.objects.create(sha256=f"{len(content):064x}", size=len(content), file=ContentFile(content, name="blob"))
    return Attachment.objects.create(
        blob=blob, message=message, filename=filename, content_type=content_type, size=len(content), **fields
    )


def _email_row(message: Message | None = None, **payload: Any) -> OutboxMessage:
    return OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.EMAIL, message=message, payload=payload, next_attempt_at=T0, created_at=T0
    )


def _body(received: EmailMessage, subtype: str) -> str:
    part = received.get_body((subtype,))
    assert part is not None, f"no text/{subtype} body"
    return str(part.get_content())


@pytest.mark.django_db
def test_an_email_reaches_a_real_smtp_server(now_t0, smtp_server, media_root):
    # given a reply with a file and an inline image, queued as an email
    message = MessageFactory.create(kind=Message.Kind.REPLY)
    invoice = _attachment(message, filename="invoice-42.txt", content=b"Amount: 42 EUR\n", content_type="text/plain")
    logo = _attachment(
        message, filename="logo.png", content=PNG, content_type="image/png", is_inline=True, content_id="logo@x"
    )
    row = _email_row(
        message,
        to=["carla@example.com"],
        cc=["otto@example.net"],
        bcc=["audit@helpline.test"],
        subject="Re: My invoice is wrong [#1001]",
        text="Hello Carla, the invoice is fixed.",
        html='<p>Hello Carla, the invoice is fixed.</p><img src="cid:logo@x">',
        from_email="Support <support@helpline.test>",
        reply_to=["support+1001@helpline.test"],
        headers={"X-Helpline-Ticket": "1001"},
        message_id="<reply-1@helpline.test>",
        attachments=[invoice.pk, logo.pk],
    )

    # when the drain runs
    assert outbox_drain_due() == 1

    # then the SMTP server received one message for all recipients
    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "support@helpline.test"
    assert envelope.rcpt_tos == ["carla@example.com", "otto@example.net", "audit@helpline.test"]
    wire = envelope.original_content.replace(b"\r\n", b"\n")  # as a mailbox stores it
    received = email.message_from_bytes(wire, _class=EmailMessage, policy=email.policy.default)
    headers = {name: str(received[name]) for name in ("From", "To", "Cc", "Reply-To", "Subject", "Message-ID")}
    assert headers == {
        "From": "Support <support@helpline.test>",
        "To": "carla@example.com",
        "Cc": "otto@example.net",
        "Reply-To": "support+1001@helpline.test",
        "Subject": "Re: My invoice is wrong [#1001]",
        "Message-ID": "<reply-1@helpline.test>",
    }
    assert received["X-Helpline-Ticket"] == "1001"
    assert received["Bcc"] is None
    # and it has the text, the HTML, the file and the inline image
    assert _body(received, "plain") == "Hello Carla, the invoice is fixed.\n"
    assert _body(received, "html").startswith("<p>Hello Carla, the invoice is fixed.</p>")
    files = {part.get_filename(): part for part in received.walk() if part.get_filename()}
    assert files["invoice-42.txt"].get_content() == "Amount: 42 EUR\n"
    assert files["invoice-42.txt"].get_content_disposition() == "attachment"
    assert files["logo.png"].get_content() == PNG
    assert (files["logo.png"]["Content-ID"], files["logo.png"].get_content_disposition()) == ("<logo@x>", "inline")
    # and the row is sent, the message says so
    row.refresh_from_db()
    assert (row.state, row.attempts, row.sent_at, row.last_error) == (OutboxMessage.State.SENT, 1, T0, "")
    message.refresh_from_db()
    assert message.metadata["delivery"] == {"state": "sent", "attempts": 1, "last_error": "", "at": T0.isoformat()}


@pytest.mark.django_db
def test_an_unreachable_smtp_server_leaves_the_email_pending_with_backoff(now_t0, smtp_closed_port):
    # given an email, and an SMTP port where nobody listens
    message = MessageFactory.create(kind=Message.Kind.REPLY)
    row = _email_row(message, to=["carla@example.com"], subject="Re: My invoice", text="Fixed.")

    # when the drain runs
    assert outbox_drain_due() == 1

    # then the row waits 30 s with the connection error recorded, on the row and on the message
    row.refresh_from_db()
    assert (row.state, row.attempts, row.next_attempt_at, row.sent_at) == (
        OutboxMessage.State.PENDING,
        1,
        T0 + timedelta(seconds=30),
        None,
    )
    assert row.last_error.startswith("ConnectionRefusedError: [Errno 111]")
    message.refresh_from_db()
    assert message.metadata["delivery"] == {
        "state": "pending",
        "attempts": 1,
        "last_error": row.last_error,
        "at": T0.isoformat(),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"subject": "Nobody to send to"}, f"{PERMANENT}An email needs at least one address in 'to'"),
        ({"to": ["carla@example.com"], "attachments": [999999]}, f"{PERMANENT}Attachment 999999 no longer exists"),
    ],
)
def test_an_email_that_cannot_be_built_fails_without_a_connection(now_t0, smtp_server, payload, error):
    # given an email with no recipient, or naming a deleted attachment
    row = _email_row(**payload)

    # when the drain runs
    assert outbox_drain_due() == 1

    # then it failed at once and the SMTP server saw nothing
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == (OutboxMessage.State.FAILED, 1, error)
    assert smtp_server.envelopes == []
