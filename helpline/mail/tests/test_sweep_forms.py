"""Reply and bounce forms found by sweeping talon's and flufl.bounce's fixtures (beyond the corpus).

Each test is a short synthetic message in the shape the real client or MTA writes: Gmail's
date-first attribution, Android's dashed one, a Dutch attribution, an attribution wrapped over
three lines, a header block that starts with Date:, German "Antwort Nachricht"; bounces from
gateways with ordinary sender addresses, delay warnings, a Sieve rejection in MDN form, labelled
and sendmail-expanded recipients, and a bounce that names no recipient at all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from helpline.mail.models import InboundMail
from helpline.mail.parsing import html_reply_split, parse_message, reply_split
from helpline.mail.parsing.html import html_to_text
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Ticket


# ------------------------------------------------------------------------------------- replies
@pytest.mark.parametrize(
    "attribution",
    [
        "2019-03-04 10:15 GMT+01:00 Dana Example <dana@example.com>:",
        "2019/3/4 Dana Example <dana@example.com>",
        "---- Dana Example wrote ----",
        "------On 03/04/2019 10:15 AM, Dana Example wrote-----",
        "Op 4 mrt. 2019, om 10:15 heeft Dana Example <dana@example.com> het volgende geschreven:",
    ],
)
def test_more_attribution_forms_start_the_fold(attribution: str) -> None:
    # given: the history below is not `>`-quoted (the attribution alone must be recognised)
    text = f"Thanks, that fixed it.\n\n{attribution}\n\nDid the restart help?\nDana"
    # when
    new, folded = reply_split(text)
    # then
    assert new == "Thanks, that fixed it."
    assert folded.startswith(attribution)


def test_an_attribution_wrapped_over_three_lines_is_folded_whole() -> None:
    # given: the address is broken out of its angle brackets onto a line of its own
    text = "Works now.\n\nOn Mar 4, 2019, at 10:15 AM, Dana Example <\ndana@example.com>\nwrote:\n\nDid it help?"
    # when
    new, folded = reply_split(text)
    # then
    assert new == "Works now."
    assert folded.startswith("On Mar 4, 2019")


def test_a_wrapped_attribution_above_a_bottom_posted_quote_is_folded_whole() -> None:
    # given
    text = (
        "Works now.\n\nOn Mon, Mar 4, 2019 at 10:15 AM, Dana Example from Support\n<dana@example.com> wrote:\n\n"
        "> Did it help?\n\nRegards, Lee"
    )
    # when
    new, folded = reply_split(text)
    # then
    assert new == "Works now.\n\nRegards, Lee"
    assert "Dana Example from Support" in folded


@pytest.mark.parametrize(
    "block",
    [
        "Date: Mon, 4 Mar 2019 10:15:02 -0600\nTo: lee@example.com",
        "Date: Mon=2C 4 Mar 2019 10:15:02 +0000\nFrom: desk@example.com\nTo: lee@example.com\nSubject: Ticket 8",
    ],
)
def test_a_header_block_that_starts_with_the_date_starts_the_fold(block: str) -> None:
    # given
    text = f"Done.\n\n{block}\n\nPlease restart the router."
    # when
    new, folded = reply_split(text)
    # then
    assert new == "Done."
    assert folded.startswith("Date:")


def test_a_date_line_in_the_persons_own_text_is_not_a_header_block() -> None:
    # given: no address follows the date
    text = "Here is the plan.\nDate: Monday 10:00\nTo do: restart the router\n\nLee"
    # when
    new, folded = reply_split(text)
    # then
    assert new.startswith("Here is the plan.\nDate: Monday 10:00\nTo do: restart the router")


def test_german_antwort_nachricht_separator_starts_the_fold() -> None:
    # when
    new, folded = reply_split("Erledigt.\n\n-----Antwort Nachricht-----\n\nBitte neu starten.")
    # then
    assert (new, folded) == ("Erledigt.", "-----Antwort Nachricht-----\n\nBitte neu starten.")


def test_html_header_block_after_a_rule_that_starts_with_the_date_is_folded() -> None:
    # given
    html = (
        "<div>Thanks<br><div><hr>Date: Fri, 23 Mar 2012 12:35:31 -0600<br>"
        'To: <a href="mailto:lee@example.com">lee@example.com</a><br>Subject: Hello<br><br>old text</div></div>'
    )
    # when
    new, folded = html_reply_split(html)
    # then
    assert html_to_text(new).strip() == "Thanks"
    assert "old text" in html_to_text(folded)


# ------------------------------------------------------------------------------------- bounces
def mail(headers: str, body: str) -> bytes:
    return (headers.strip("\n") + "\n\n" + body).encode("utf-8")


def test_a_gateway_bounce_with_an_ordinary_sender_is_a_bounce() -> None:
    # given: an antivirus gateway, no null path, the subject and the text say it
    raw = mail(
        "From: Gateway_Service@example.org\nTo: support@helpline.test\nSubject: Delivery failure notification",
        "Your message with Subject: Re: printer\ncould not be delivered to the following recipients:\n\n"
        "dana@example.com\n\nPlease do not resend your original message.\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert [r.recipient for r in parsed.bounce.recipients] == ["dana@example.com"]


def test_a_customer_writing_about_a_failed_parcel_delivery_is_not_a_bounce() -> None:
    # given
    raw = mail(
        "From: Dana <dana@example.com>\nTo: support@helpline.test\nSubject: Delivery failed",
        "Hello, my order could not be delivered yesterday. Can you resend it?\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is None
    assert parsed.automated is None


def test_a_forwarded_bounce_is_a_persons_question() -> None:
    # given
    raw = mail(
        "From: Dana <dana@example.com>\nTo: support@helpline.test\nSubject: Fwd: Delivery failure notification",
        "Why did this bounce?\n\nYour message could not be delivered to the following recipients:\n\nlee@example.org\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is None


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Warning: message has not yet been delivered",
            "Your message to:\n\tlee@example.org\nhas not yet been delivered: the recipient server did not respond.\n",
        ),
        (
            "Warning: message 1abcDE-0001xY-00 delayed 24 hours",
            "A message that you sent has not yet been delivered to all its recipients.\n\n"
            "The address to which the message has not yet been delivered is:\n\n  lee@example.org\n",
        ),
    ],
)
def test_a_delay_warning_from_a_daemon_is_a_delayed_report(subject: str, body: str) -> None:
    # given: relayed through a list, so the Return-Path is not null
    raw = mail(f"From: MAILER-DAEMON@mx.example.org\nTo: list-bounces@helpline.test\nSubject: {subject}", body)
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.action) == ("lee@example.org", "delayed")


def test_a_sieve_rejection_in_mdn_form_is_a_bounce() -> None:
    # given
    raw = mail(
        "From: Mail Delivery Subsystem <admin@example.org>\nTo: support@helpline.test\n"
        "Subject: Automatically rejected mail\nAuto-Submitted: auto-replied (rejected)\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"',
        "--b\nContent-Type: text/plain\n\nYour message to <lee@example.org> was automatically rejected:\n"
        "Quota exceeded\n--b\nContent-Type: message/disposition-notification\n\n"
        "Reporting-UA: mail; Dovecot\nFinal-Recipient: rfc822; lee@example.org\n"
        "Disposition: automatic-action/MDN-sent-automatically; deleted\n--b--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.action, parsed.bounce.reason) == (
        "lee@example.org",
        "failed",
        "mailboxfull",
    )


def test_a_read_receipt_is_still_not_a_bounce() -> None:
    # given
    raw = mail(
        "From: Lee <lee@example.org>\nTo: support@helpline.test\nSubject: Read: printer\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"',
        "--b\nContent-Type: text/plain\n\nYour message was read.\n--b\n"
        "Content-Type: message/disposition-notification\n\nFinal-Recipient: rfc822; lee@example.org\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n--b--\n",
    )
    # when / then
    assert parse_message(raw).bounce is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Unknown user: lee@example.org\nRCPT TO generated following response:\n553 Addressee unknown\n"
            "Unknown user: kim@example.org\n",
            ["lee@example.org", "kim@example.org"],
        ),
        (
            "----- The following addresses had permanent fatal errors -----\nlee@mx.example.org\n"
            "    (expanded from: lee@example.org)\n",
            ["lee@mx.example.org", "lee@example.org"],
        ),
        ("The following message, addressed to 'lee@example.org', failed.\n", ["lee@example.org"]),
        (
            "The usual form of address here is surnameNumber@example.org.\n"
            "The address to which your message was addressed, lee@example.org, did not match.\n",
            ["lee@example.org"],
        ),
    ],
)
def test_failed_recipients_are_read_in_more_free_text_forms(body: str, expected: list[str]) -> None:
    # given
    raw = mail("From: MAILER-DAEMON@mx.example.org\nTo: support@helpline.test\nSubject: Returned mail", body)
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert [r.recipient for r in parsed.bounce.recipients] == expected


def test_a_dsn_reports_the_address_we_sent_to_not_the_local_mailbox() -> None:
    # given
    raw = mail(
        "From: MAILER-DAEMON@mx.example.org\nTo: support@helpline.test\nSubject: Delivery Notification\n"
        'MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"',
        "--b\nContent-Type: text/plain\n\nYour message cannot be delivered.\n--b\n"
        "Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        "Action: failed\nStatus: 5.2.2\nOriginal-recipient: rfc822;lee@example.org\n"
        "Final-recipient: rfc822;lee@store-daemon\n--b--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert parsed.bounce.recipient == "lee@example.org"


def test_a_bounce_that_names_no_recipient_opens_no_ticket(deliver: Callable[..., InboundMail], db: Any) -> None:
    # given
    raw = mail(
        "From: ndr@example.org\nTo: support@helpline.test\nSubject: Mail delivery failed: returning message to sender\n"
        "Message-ID: <ndr-1@example.org>",
        "This message was created automatically by mail delivery software.\n"
        "A message that you sent could not be delivered to one or more of its recipients.\n",
    )
    # when
    parsed = parse_message(raw)
    inbound = deliver(raw)
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.recipients) == ("", [])
    assert inbound.state == InboundMail.State.IGNORED
    assert not Ticket.objects.exists()
    assert not OutboxMessage.objects.exists()
