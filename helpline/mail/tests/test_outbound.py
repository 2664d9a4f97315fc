"""What leaves: threaded agent replies, safe headers, templates, failures shown on the message."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core import mail as django_mail

from helpline.accounts.models import Agent
from helpline.core.errors import InvalidInput
from helpline.mail.models import Mailbox, MailTemplate
from helpline.mail.outbound.compose import mime_build
from helpline.mail.templating import template_preview, template_save
from helpline.mail.tests.support import body_content, mail_bytes
from helpline.mail.tokens import message_id_token, reply_address_token
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Message, Ticket
from helpline.tickets.services import attachment_upload, reply_add


def _ticket(deliver: Any, **kwargs: Any) -> Ticket:
    return deliver(mail_bytes(message_id="first@client.test", **kwargs)).ticket


def test_an_agent_reply_leaves_threaded_from_the_mailbox(deliver: Any, drain: Any, agent: Agent,
                                                         support_mailbox: Mailbox):  # fmt: skip
    # given Carla wrote twice (the second a reply to our acknowledgement)
    ticket = _ticket(deliver, subject="Re: RE: Printer [#99] on fire", cc="Dan <dan@example.com>")
    deliver(mail_bytes(message_id="second@client.test", subject="more", in_reply_to="first@client.test",
                       references=["first@client.test"]))  # fmt: skip
    drain()
    django_mail.outbox.clear()

    # when
    reply = reply_add(actor=agent, ticket=ticket, body_text="Is it still burning?",
                      body_html="<p>Is it <b>still</b> burning?</p>")  # fmt: skip
    drain()

    # then its Message-ID was stored before sending and carries the ticket's token
    reply.refresh_from_db()
    token = message_id_token(reply.message_id)
    assert token is not None and (token.number, token.kind, token.valid) == (ticket.number, "r", True)
    sent = django_mail.outbox[0].message()
    assert sent["Message-ID"] == f"<{reply.message_id}>"
    assert sent["In-Reply-To"] == "<second@client.test>"
    assert sent["References"] == "<first@client.test> <second@client.test>"
    assert sent["Subject"] == f"Re: Printer on fire [#{ticket.number}]"
    assert sent["From"] == "Helpline Support <support@helpline.test>"
    token = reply_address_token(sent["Reply-To"].addresses[0].addr_spec)
    assert token is not None and token.number == ticket.number
    assert sent["To"] == "Carla <carla@example.com>"
    assert sent["Cc"] == "Dan <dan@example.com>"
    assert "Auto-Submitted" not in sent
    assert sent.get_content_type() == "multipart/alternative"
    text = body_content(sent, "plain")
    assert text.startswith("##- Please type your reply above this line -##\n\nIs it still burning?\n\n--\nAlice\n")
    assert "<p>Is it <b>still</b> burning?</p>" in body_content(sent, "html")
    assert reply.metadata["delivery"]["state"] == "sent"


def test_a_reply_carries_its_files_and_embeds_its_inline_images(deliver: Any, drain: Any, agent: Agent):
    # given
    ticket = _ticket(deliver)
    pdf = attachment_upload(actor=agent, content=io.BytesIO(b"%PDF-1.4"), filename="manual.pdf",
                            content_type="application/pdf")  # fmt: skip
    png = attachment_upload(actor=agent, content=io.BytesIO(b"\x89PNG fake"), filename="arrow.png",
                            content_type="image/png", content_id="arrow", is_inline=True)  # fmt: skip
    drain()
    django_mail.outbox.clear()

    # when
    reply_add(actor=agent, ticket=ticket, body_text="See the arrow", attachment_ids=[pdf.pk, png.pk],
              body_html=f'<p>See <img src="/api/v1/attachments/{png.pk}/content"></p>')  # fmt: skip
    drain()

    # then
    sent = django_mail.outbox[0].message()
    related = [p for p in sent.walk() if p.get_content_type() == "multipart/related"]
    assert len(related) == 1
    image = [p for p in related[0].iter_parts() if p.get_content_type() == "image/png"][0]
    assert image["Content-ID"] == f"<hl-att-{png.pk}@helpline>"
    assert f'src="cid:hl-att-{png.pk}@helpline"' in body_content(sent, "html")
    files = [(p.get_filename(), p.get_content()) for p in sent.iter_attachments()]
    assert files == [("manual.pdf", b"%PDF-1.4")]


def test_header_injection_through_names_and_subjects_is_impossible(deliver: Any, drain: Any, agent: Agent):
    # given a customer whose display name and subject carry encoded CR/LF and a Bcc header
    raw = (
        b"From: =?utf-8?q?Carla=0D=0ABcc=3A_victim=40evil=2Eexample?= <carla@example.com>\r\n"
        b"To: support@helpline.test\r\nSubject: =?utf-8?q?Hi=0D=0ABcc=3A_victim2=40evil=2Eexample?=\r\n"
        b"Message-ID: <inject@client.test>\r\n\r\nHello\r\n"
    )
    ticket = deliver(raw).ticket
    drain()
    django_mail.outbox.clear()

    # when
    reply_add(actor=agent, ticket=ticket, body_text="Hello")
    drain()

    # then
    sent = django_mail.outbox[0]
    message = sent.message()
    assert sent.recipients() == ["carla@example.com"]
    assert "Bcc" not in message
    assert all("\n" not in str(value) and "\r" not in str(value) for _, value in message.items())
    raw = message.as_bytes()
    assert b"\nBcc:" not in raw


def test_names_and_subjects_with_line_breaks_stay_on_one_line():
    # when
    prepared = mime_build({"from": ["Support\r\nBcc: a@evil.example", "support@helpline.test"],
                           "to": [["Carla\nBcc: b@evil.example", "carla@example.com"]],
                           "subject": "Hi\r\nBcc: c@evil.example\u2028X-Evil: 1", "text": "t",
                           "message_id": "x@helpline.test",
                           "in_reply_to": "bad id\r\nBcc: d@evil.example"})  # fmt: skip

    # then
    message = prepared.message()
    assert prepared.recipients() == ["carla@example.com"]
    assert "Bcc" not in message and "X-Evil" not in message and "In-Reply-To" not in message
    assert message["Subject"] == "Hi Bcc: c@evil.example X-Evil: 1"
    assert message["To"].addresses[0].display_name == "Carla Bcc: b@evil.example"


def test_a_payload_with_a_bad_address_is_refused_not_sent():
    # when / then
    with pytest.raises(ValueError, match="Not a usable e-mail address"):
        mime_build({"from": ["x", "support@helpline.test"], "to": [["x", "a@b.example\r\nBcc: c@d.example"]],
                    "message_id": "x@y.example", "subject": "s", "text": "t"})  # fmt: skip


def test_an_smtp_refusal_shows_on_the_message(deliver: Any, drain: Any, agent: Agent, smtp_sink: Any):
    # given a mail server that refuses every recipient for good
    ticket = _ticket(deliver)

    async def refuse(server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        return "550 5.1.1 no such user"

    smtp_sink.handle_RCPT = refuse

    # when
    reply = reply_add(actor=agent, ticket=ticket, body_text="Hello")
    drain()

    # then
    reply.refresh_from_db()
    row = OutboxMessage.objects.get(message=reply)
    assert row.state == OutboxMessage.State.FAILED
    assert reply.metadata["delivery"]["state"] == "failed"
    assert "550" in reply.metadata["delivery"]["last_error"]


def test_templates_are_sandboxed_and_previewed(admin: Agent):
    # when / then
    for bad in ("{% load static %}", "{% include 'x.html' %}", "{% debug %}", "{% extends 'a' %}"):
        with pytest.raises(InvalidInput, match="mail templates may not use"):
            template_preview("acknowledgement", text=bad)
    with pytest.raises(InvalidInput, match="is not valid"):
        template_preview("acknowledgement", text="{% if %}")

    preview = template_preview("acknowledgement", subject="Got it: {{ ticket.subject }}",
                               html="<p>{{ customer.name }} &amp; {{ ticket.subject }}</p>")  # fmt: skip
    assert preview.subject == "Got it: Invoice 2024-118 is charged twice"
    assert preview.html == "<p>Carla &amp; Invoice 2024-118 is charged twice</p>"


def test_a_saved_template_is_used_and_escapes_customer_words(deliver: Any, drain: Any, admin: Agent):
    # given
    template_save(actor=admin, key="acknowledgement", subject="We got it [#{{ ticket.number }}]",
                  text="Thanks {{ customer.name }}", html="<p>Thanks {{ customer.name }}</p>")  # fmt: skip
    assert MailTemplate.objects.get().updated_by == admin

    # when
    ticket = _ticket(deliver, sender='"Carla <b>" <carla@example.com>')
    drain()

    # then
    sent = django_mail.outbox[0].message()
    assert sent["Subject"] == f"Re: We got it [#{ticket.number}]"
    assert body_content(sent, "plain").strip() == "Thanks Carla <b>"
    assert body_content(sent, "html").strip() == "<p>Thanks Carla &lt;b&gt;</p>"


def test_only_admins_save_templates(agent: Agent):
    # when / then
    from helpline.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        template_save(actor=agent, key="acknowledgement", subject="x", text="y", html="")
    assert not MailTemplate.objects.exists()


def test_agents_get_notification_mails_they_can_answer(deliver: Any, drain: Any, agent: Agent, settings: Any):
    # given
    settings.HELPLINE_MAIL_NOTIFY_AGENTS = True
    ticket = _ticket(deliver)
    from helpline.tickets.services import ticket_assign

    ticket_assign(actor=None, ticket=ticket, assignee=agent)
    django_mail.outbox.clear()

    # when the live notification is sent, and the outbox drains again
    drain()
    drain()

    # then
    sent = [m.message() for m in django_mail.outbox if m.recipients() == ["alice@helpline.test"]]
    assert len(sent) == 1
    assert sent[0]["Subject"] == f"[#{ticket.number}] assigned to you: The printer is on fire"
    assert sent[0]["Auto-Submitted"] == "auto-generated"
    token = message_id_token(sent[0]["Message-ID"])
    assert token is not None and token.kind == "n"

    # and when Alice answers it from her client
    inbound = deliver(mail_bytes(sender="alice@helpline.test", to=str(sent[0]["Reply-To"]), body="On my way",
                                 in_reply_to=str(sent[0]["Message-ID"]).strip("<>")))  # fmt: skip

    # then it is her reply to Carla
    assert inbound.ticket_message.kind == Message.Kind.REPLY
    assert inbound.ticket_message.author_agent == agent


def test_an_agent_who_turned_assignment_mails_off_gets_none(deliver: Any, drain: Any, agent: Agent, settings: Any):
    # given Alice turned off "e-mail me when a ticket is assigned to me" in her preferences
    settings.HELPLINE_MAIL_NOTIFY_AGENTS = True
    agent.notify_email_assigned = False
    agent.save(update_fields=["notify_email_assigned"])
    ticket = _ticket(deliver)
    from helpline.tickets.services import ticket_assign

    ticket_assign(actor=None, ticket=ticket, assignee=agent)
    django_mail.outbox.clear()

    # when the live notification is sent, and the outbox drains again
    drain()
    drain()

    # then no mail reached her
    assert [m for m in django_mail.outbox if m.recipients() == ["alice@helpline.test"]] == []


def test_automatic_mail_leaves_with_the_null_envelope_sender(deliver: Any, drain: Any, agent: Agent,
                                                             smtp_sink: Any, settings: Any):  # fmt: skip
    # given Carla's new ticket (acknowledged) and agents who get notification mails
    settings.HELPLINE_MAIL_NOTIFY_AGENTS = True
    ticket = _ticket(deliver)
    from helpline.tickets.services import ticket_assign

    # when the acknowledgement and Alice's "assigned to you" notification are sent
    ticket_assign(actor=None, ticket=ticket, assignee=agent)
    drain()
    drain()

    # then both went out with MAIL FROM:<>, so a bounce of them is never sent back (RFC 3834 §3.3)
    acknowledgement, notification = smtp_sink.to("carla@example.com"), smtp_sink.to("alice@helpline.test")
    assert [(r.mail_from, r.message["Auto-Submitted"]) for r in acknowledgement] == [("<>", "auto-replied")]
    assert [(r.mail_from, r.message["Auto-Submitted"]) for r in notification] == [("<>", "auto-generated")]
    assert acknowledgement[0].message["From"] == "Helpline Support <support@helpline.test>"


def test_an_agent_reply_keeps_the_mailbox_as_envelope_sender(deliver: Any, drain: Any, agent: Agent,
                                                             smtp_sink: Any):  # fmt: skip
    # given
    ticket = _ticket(deliver)
    drain()
    smtp_sink.received.clear()

    # when
    reply_add(actor=agent, ticket=ticket, body_text="We are on it")
    drain()

    # then its bounces come back to the mailbox, where they are recorded on the ticket
    assert [(r.mail_from, r.rcpt_tos) for r in smtp_sink.received] == [("support@helpline.test",
                                                                        ["carla@example.com"])]  # fmt: skip
    assert "Auto-Submitted" not in smtp_sink.received[0].message
