"""The outbox handler of kind `mail`: threaded replies, acknowledgements, notices, notifications.

Registered in the outbox's handler registry when the app loads (MailConfig.ready). An SMTP answer
of 5xx is final (the row fails at once and the message shows it); anything else is retried by the
drain with backoff.
"""

from __future__ import annotations

import email.policy
import smtplib

from django.core.mail import mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

from helpline.mail.conf import MAIL_KIND
from helpline.mail.outbound.compose import PreparedEmail, mime_build
from helpline.outbox.handlers import PermanentFailure, handler
from helpline.outbox.models import OutboxMessage


@handler(MAIL_KIND)
def mail_send(row: OutboxMessage) -> None:
    """Build the row's mail and hand it to the default mailer."""
    try:
        prepared = mime_build(row.payload)
    except (ValueError, KeyError, IndexError, TypeError) as error:
        raise PermanentFailure(f"The mail cannot be built: {error}") from error
    try:
        _send(prepared)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            raise PermanentFailure(f"Every recipient was refused: {_refusals(error)}") from error
        raise
    except smtplib.SMTPResponseException as error:
        if error.smtp_code >= 500:
            raise PermanentFailure(f"The mail server refused the mail: {error.smtp_code} {_text(error)}") from error
        raise


def _send(prepared: PreparedEmail) -> None:
    mailer = mailers.default
    if not prepared.null_sender or not isinstance(mailer, SmtpBackend):
        mailer.send_messages([prepared])
        return
    # Django's SMTP backend refuses an empty envelope sender, so automatic mail (null reverse-path,
    # `MAIL FROM:<>`) goes through its connection directly; the errors are smtplib's, as above.
    recipients = [mailer.prep_address(address) for address in prepared.recipients()]
    with mailer:
        assert mailer.connection is not None  # noqa: S101 - opened by `with` (or it raised)
        mailer.connection.sendmail("", recipients, prepared.message(policy=email.policy.SMTP).as_bytes())


def _refusals(error: smtplib.SMTPRecipientsRefused) -> str:
    return "; ".join(f"{address}: {code} {_decode(text)}" for address, (code, text) in error.recipients.items())


def _text(error: smtplib.SMTPResponseException) -> str:
    return _decode(error.smtp_error)


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
