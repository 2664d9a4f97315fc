"""Delivery reports, feedback reports, auto-replies and loop signals on generated messages."""

from __future__ import annotations

import json

import pytest

from helpline.mail.parsing import parse_message
from helpline.mail.parsing.bounce_reasons import classify


def mail(headers: str, body: str = "hello\n") -> bytes:
    return (headers.strip("\n") + "\n\n" + body).encode("utf-8")


PERSON = "From: Ann <ann@example.org>\nTo: support@helpline.test\nSubject: Printer\nMessage-ID: <p@example.org>"


def dsn(action: str, status: str, diagnostic: str, *, enclosed: str = "message/rfc822") -> bytes:
    original = (
        "Message-ID: <reply-42-abc@helpline.test>\nFrom: support@helpline.test\nTo: ann@example.org\nSubject: Re: x\n"
    )
    return mail(
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\nTo: support@helpline.test\n"
        "Subject: Undelivered Mail Returned to Sender\nReturn-Path: <>\nAuto-Submitted: auto-replied\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"',
        "--r\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message could not be delivered.\n\n"
        f"<ann@example.org>: host mx.example.org said: {diagnostic} (in reply to RCPT TO command)\n"
        "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        f"Final-Recipient: rfc822; ann@example.org\nAction: {action}\nStatus: {status}\n"
        f"Diagnostic-Code: smtp; {diagnostic}\n\n"
        f"--r\nContent-Type: {enclosed}\n\n{original}\nbody\n--r--\n",
    )


def test_a_permanent_user_unknown_dsn_marks_the_address_as_failing() -> None:
    # when
    parsed = parse_message(dsn("failed", "5.1.1", "550 5.1.1 <ann@example.org>: User unknown"))
    # then
    bounce = parsed.bounce
    assert bounce is not None
    assert (bounce.recipient, bounce.status, bounce.action, bounce.reason, bounce.permanent) == (
        "ann@example.org",
        "5.1.1",
        "failed",
        "userunknown",
        True,
    )
    assert bounce.original_message_id == "reply-42-abc@helpline.test"
    assert bounce.kind == "dsn" and "User unknown" in bounce.diagnostic
    assert parsed.automated == "auto-submitted: auto-replied"
    assert [a.filename for a in parsed.attachments] == ["delivery-status.txt", "Re: x.eml"]


def test_a_delay_notice_is_informational_not_permanent() -> None:
    # when
    parsed = parse_message(dsn("delayed", "4.4.1", "connect to mx.example.org: Connection timed out"))
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.action, parsed.bounce.reason, parsed.bounce.permanent) == ("delayed", "expired", False)


def test_a_full_mailbox_is_not_a_failing_address() -> None:
    # when
    parsed = parse_message(dsn("failed", "5.2.2", "552 5.2.2 Mailbox full"))
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.reason, parsed.bounce.permanent) == ("mailboxfull", False)


def test_original_message_id_comes_from_returned_headers_too() -> None:
    # when
    parsed = parse_message(dsn("failed", "5.1.2", "Host or domain name not found", enclosed="text/rfc822-headers"))
    # then
    assert parsed.bounce is not None
    assert parsed.bounce.original_message_id == "reply-42-abc@helpline.test"
    assert parsed.bounce.reason == "hostunknown" and parsed.bounce.permanent


def test_an_exim_free_text_bounce() -> None:
    # given
    raw = mail(
        "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\nTo: support@helpline.test\n"
        "Subject: Mail delivery failed: returning message to sender\nX-Failed-Recipients: bob@example.net",
        "This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. "
        "The following address(es) failed:\n\n  bob@example.net\n    SMTP error from remote mail server after RCPT "
        "TO:<bob@example.net>:\n    550 5.1.1 <bob@example.net>: Recipient address rejected: User unknown\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n"
        "Message-ID: <reply-7-ff@helpline.test>\nFrom: support@helpline.test\nTo: bob@example.net\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.reason, parsed.bounce.status, parsed.bounce.kind) == (
        "bob@example.net",
        "userunknown",
        "5.1.1",
        "text",
    )
    assert parsed.bounce.original_message_id == "reply-7-ff@helpline.test"


def test_a_qmail_free_text_bounce_without_failed_recipients_header() -> None:
    # given
    raw = mail(
        "From: MAILER-DAEMON@mail.example.org\nTo: support@helpline.test\nSubject: failure notice\nReturn-Path: <>",
        "Hi. This is the qmail-send program at mail.example.org.\nI'm afraid I wasn't able to deliver your message "
        "to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        "<carl@example.net>:\nRemote host said: 552 Error: disk quota exceeded\n\n--- Below this line is a copy of "
        "the message.\n\nTo: carl@example.net\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.reason, parsed.bounce.permanent) == (
        "carl@example.net",
        "mailboxfull",
        False,
    )


def test_an_amazon_ses_bounce_notification() -> None:
    # given
    event = {
        "notificationType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bouncedRecipients": [
                {
                    "emailAddress": "dan@example.net",
                    "action": "failed",
                    "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown",
                }
            ],
        },
        "mail": {"headers": [{"name": "Message-ID", "value": "<reply-9@helpline.test>"}]},
    }
    raw = mail(
        "From: no-reply@sns.amazonaws.com\nTo: support@helpline.test\nSubject: AWS Notification Message",
        json.dumps(event),
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.reason, parsed.bounce.permanent) == (
        "dan@example.net",
        "userunknown",
        True,
    )
    assert parsed.bounce.original_message_id == "reply-9@helpline.test"


def test_an_arf_complaint_is_a_feedback_report() -> None:
    # given
    raw = mail(
        "From: fbl@isp.example\nTo: abuse@helpline.test\nSubject: complaint\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="f"',
        "--f\nContent-Type: text/plain\n\nThis is an abuse report\n--f\nContent-Type: message/feedback-report\n\n"
        "Feedback-Type: abuse\nUser-Agent: FBL/1.0\nVersion: 1\nOriginal-Rcpt-To: eve@example.net\n\n"
        "--f\nContent-Type: message/rfc822\n\nMessage-ID: <n-1@helpline.test>\nTo: eve@example.net\n\nhi\n--f--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.kind, parsed.bounce.reason, parsed.bounce.recipient, parsed.bounce.permanent) == (
        "feedback",
        "feedback",
        "eve@example.net",
        False,
    )
    assert parsed.bounce.original_message_id == "n-1@helpline.test"
    assert parsed.automated == "feedback report"


def test_a_read_receipt_is_automated_but_not_a_bounce() -> None:
    # given
    raw = mail(
        "From: ann@example.org\nTo: support@helpline.test\nSubject: Read: Printer\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="d"',
        "--d\nContent-Type: text/plain\n\nYour message was read.\n--d\nContent-Type: message/disposition-notification"
        "\n\nFinal-Recipient: rfc822; ann@example.org\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\n--d--\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is None
    assert parsed.automated == "read receipt"


def test_a_persons_mail_is_neither_automated_nor_a_bounce() -> None:
    # when
    parsed = parse_message(mail(PERSON + "\nAuto-Submitted: no", "The printer is broken again."))
    # then
    assert (parsed.automated, parsed.bounce) == (None, None)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Auto-Submitted: auto-generated", "auto-submitted: auto-generated"),
        ("Auto-Submitted: auto-replied", "auto-submitted: auto-replied"),
        ("X-Autoreply: yes", "x-autoreply"),
        ("X-Autorespond: Thanks", "x-autorespond"),
        ("Precedence: bulk", "precedence: bulk"),
        ("Precedence: junk", "precedence: junk"),
        ("Precedence: list", "precedence: list"),
        ("Precedence: auto_reply", "precedence: auto_reply"),
        ("List-Id: <announce.example.org>", "list-id"),
        ("List-Unsubscribe: <mailto:leave@example.org>", "list-unsubscribe"),
        ("Return-Path: <>", "null return-path"),
        ("X-Auto-Response-Suppress: All", "x-auto-response-suppress"),
        ("X-Helpline-Loop: 1", "own loop header"),
    ],
)
def test_loop_and_noise_headers_make_mail_automated(header: str, reason: str) -> None:
    # when
    parsed = parse_message(mail(PERSON + "\n" + header, "The printer is broken again."))
    # then
    assert parsed.automated == reason
    assert parsed.bounce is None


def test_a_custom_own_loop_header_is_honoured() -> None:
    # when
    parsed = parse_message(mail(PERSON + "\nX-Desk-Loop: yes"), own_loop_header="X-Desk-Loop")
    # then
    assert parsed.automated == "own loop header"


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Printer",
        "Automatic reply: Printer",
        "Autoreply: Printer",
        "Abwesenheitsnotiz: Drucker",
        "Automatische Antwort: Drucker",
        "Réponse automatique : Imprimante",
        "Respuesta automática: Impresora",
        "Risposta automatica: Stampante",
        "Automatisch antwoord: Printer",
        "Resposta automática: Impressora",
        "Автоответ: Принтер",
        "自动回复: 打印机",
        "自動応答: プリンタ",
    ],
)
def test_out_of_office_subjects_in_many_languages(subject: str) -> None:
    # when
    parsed = parse_message(mail(f"From: Ann <ann@example.org>\nTo: support@helpline.test\nSubject: {subject}"))
    # then
    assert parsed.automated == "out-of-office"


def test_an_auto_reply_that_speaks_of_vacation_is_out_of_office() -> None:
    # when
    parsed = parse_message(mail(PERSON + "\nAuto-Submitted: auto-replied", "I am on vacation until May 5."))
    # then
    assert parsed.automated == "out-of-office"


def test_a_helpdesk_acknowledgement_is_auto_replied_not_out_of_office() -> None:
    # when
    parsed = parse_message(mail(PERSON + "\nAuto-Submitted: auto-replied", "We received your request #42."))
    # then
    assert parsed.automated == "auto-submitted: auto-replied"


@pytest.mark.parametrize(
    ("status", "diagnostic", "action", "reason"),
    [
        ("5.1.1", "550 5.1.1 User unknown", "failed", "userunknown"),
        ("5.0.0", "550 Host or domain name not found. Name service error", "failed", "hostunknown"),
        ("4.0.0", "Host or domain name not found, try again", "delayed", "networkerror"),
        ("5.2.2", "552 Mailbox quota exceeded", "failed", "mailboxfull"),
        ("5.3.4", "552 Message size exceeds maximum", "failed", "mesgtoobig"),
        ("5.7.1", "554 Client host [192.0.2.1] blocked using zen.spamhaus.org", "failed", "blocked"),
        ("5.7.1", "550 Message rejected as spam", "failed", "spamdetected"),
        ("5.7.26", "550 Unauthenticated email: DMARC policy", "failed", "authfailure"),
        ("5.7.1", "554 Relay access denied", "failed", "norelaying"),
        ("4.4.7", "retry timeout exceeded", "failed", "expired"),
        ("5.0.0", "550 Account disabled", "failed", "suspend"),
        ("2.0.0", "250 OK", "delivered", "delivered"),
        ("5.0.0", "", "failed", "undefined"),
    ],
)
def test_reason_codes_use_sisimai_names(status: str, diagnostic: str, action: str, reason: str) -> None:
    assert classify(status, diagnostic, action) == reason
