"""Free-text bounce forms and refusal wordings found in real reports beyond the corpus.

Each test is a short synthetic message in the shape a real MTA writes (ActiveHunter, Exchange
2003, Zoho, Exim, Lotus Domino, Symantec MessageLabs); the reason names are sisimai's.
"""

from __future__ import annotations

from helpline.mail.parsing import parse_message
from helpline.mail.parsing.bounce_reasons import classify, smtp_command


def daemon_mail(subject: str, body: str, *, extra: str = "") -> bytes:
    headers = (
        f"From: MAILER-DAEMON@mx.example.org\nTo: support@helpline.test\nSubject: {subject}\nReturn-Path: <>\n{extra}"
    )
    return (headers.rstrip("\n") + "\n\n" + body).encode("utf-8")


def test_an_address_repeated_in_angle_brackets_is_read_whole() -> None:
    # given: ActiveHunter lists the failed address twice on one line
    raw = daemon_mail(
        "FAILURE NOTICE : Nyaan",
        "  ----- The following addresses had permanent fatal errors -----\n\n"
        ">>> kijitora@example.org <kijitora@example.org>\n\n"
        "  ----- Transcript of session follows -----\n"
        "550 sorry, no mailbox here by that name (#5.1.1 - chkusr)\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.reason, parsed.bounce.permanent) == (
        "kijitora@example.org",
        "userunknown",
        True,
    )


def test_an_address_followed_by_words_is_not_cut_at_a_dot_of_its_domain() -> None:
    # given: Exchange 2003 writes "user@DOMAIN on <date>" under "did not reach"
    raw = daemon_mail(
        "Undeliverable: Nyaan",
        "Your message\n\n  Subject: Nyaan\n\ndid not reach the following recipient(s):\n\n"
        "kijitora@EXAMPLE.ORG on Thu, 29 Apr 2005 23:34:45 +0000\n"
        "    The recipient name is not recognized\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert parsed.bounce.recipient == "kijitora@example.org"
    assert [r.recipient for r in parsed.bounce.recipients] == ["kijitora@example.org"]


def test_each_listed_recipient_keeps_its_own_reason() -> None:
    # given: Zoho puts each failed address and its error on one line, one after the other
    raw = daemon_mail(
        "Undelivered Mail Returned to Sender",
        "A message that you sent could not be delivered to one or more of its recipients. "
        "This is a permanent error.\n\n"
        "ann@example.co.jp Invalid Address, ERROR_CODE :550, ERROR_CODE :5.2.1 <ann@example.co.jp>... User Unknown\n"
        "bob@example.co.jp Invalid Address, ERROR_CODE :550, ERROR_CODE :5.2.2 <bob@example.co.jp>... Mailbox Full\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert [(r.recipient, r.reason) for r in parsed.bounce.recipients] == [
        ("ann@example.co.jp", "userunknown"),
        ("bob@example.co.jp", "mailboxfull"),
    ]


def test_an_unknown_domain_refused_at_mail_from_is_our_sender_being_rejected() -> None:
    # given: Exim reports the remote server refusing our MAIL FROM, naming our own domain
    raw = daemon_mail(
        "Mail delivery failed: returning message to sender",
        "A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent "
        "error. The following address(es) failed:\n\n  kijitora@example.org\n    host mail2.example.org "
        "[192.0.2.222]\n    SMTP error from remote mail server after MAIL FROM:<sender@neko.example.com>:\n"
        "    550 5.1.7 No such domain neko.example.com.\n",
        extra="X-Failed-Recipients: kijitora@example.org\n",
    )
    # when
    parsed = parse_message(raw)
    # then: the recipient's address is fine, so it is not marked as failing
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.reason, parsed.bounce.permanent) == (
        "kijitora@example.org",
        "rejected",
        False,
    )


def test_a_user_unknown_at_mail_from_is_not_a_missing_mailbox() -> None:
    # when
    reason = classify(
        "5.1.0",
        "SMTP error from remote mail server after MAIL FROM:<me@neko.example.com> SIZE=1022: "
        "553 5.1.0 me neko.example.com does not exist",
        "failed",
    )
    # then
    assert reason == "rejected"


def test_your_mail_in_plain_words_is_not_the_mail_from_command() -> None:
    # given / when
    stages = [
        smtp_command("Please turn on SMTP Authentication in your mail client."),
        smtp_command("Your mail provider is working on the network issue"),
        smtp_command("550 5.1.1 unknown (in reply to MAIL FROM command)"),
    ]
    # then
    assert stages == ["", "", "MAIL"]


def test_a_demand_for_smtp_authentication_is_a_security_error() -> None:
    # when
    reason = classify("5.0.0", "550-Please turn on SMTP Authentication in your mail client.", "failed")
    # then
    assert reason == "securityerror"


def test_a_name_missing_from_a_named_directory_is_an_unknown_user() -> None:
    # given: Lotus Domino names its directory
    raw = daemon_mail(
        "DELIVERY FAILURE: User Kijitora (kijitora@example.jp) not listed in Domino Directory",
        "Your message\n\n  Subject: Test Bounce\n\nwas not delivered to:\n\n  kijitora@example.jp\n\nbecause:\n\n"
        "  User some.name (kijitora@example.jp) not listed in Domino Directory\n",
    )
    # when
    parsed = parse_message(raw)
    # then
    assert parsed.bounce is not None
    assert (parsed.bounce.recipient, parsed.bounce.reason, parsed.bounce.permanent) == (
        "kijitora@example.jp",
        "userunknown",
        True,
    )
