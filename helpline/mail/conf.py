"""The email channel's few settings, each with a default that works without configuration.

| setting | default | meaning |
| --- | --- | --- |
| HELPLINE_MAIL_MAX_RAW_BYTES | 100 MB | the largest message accepted at all (SMTP SIZE, pipe); larger is refused |
| HELPLINE_MAIL_MAX_MESSAGE_BYTES | 25 MB | the largest message processed (larger: kept, quarantined, sender told) |
| HELPLINE_MAIL_INLINE_RAW_BYTES | 256 kB | raw messages up to this size are kept in their row, larger as files |
| HELPLINE_MAIL_ACKS_PER_HOUR | 3 | acknowledgements (and notices) one address gets per hour at most |
| HELPLINE_MAIL_ACK_LOG_DAYS | 7 | how long acknowledgement log rows are kept |
| HELPLINE_MAIL_LOOP_HEADER | X-Helpline-Loop | the header on everything we send; mail carrying it is ours coming back |
| HELPLINE_MAIL_IMAP_CA_FILE | system CAs | PEM bundle IMAP certificates are checked against instead |
| HELPLINE_SMTPD_TLS_CERT, _KEY | no STARTTLS | PEM certificate chain and key: `helpline smtpd` offers STARTTLS |
| HELPLINE_SMTPD_USER, _PASSWORD | AUTH refused | both set: mail only after AUTH (PLAIN/LOGIN, after STARTTLS) |

Each is read from Django's settings when set there, else from the environment (`NAME_FILE` works).
Certificates are always verified: there is no setting that turns verification off.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

# The outbox kind of every mail the email channel sends (see helpline/mail/outbound/send.py).
MAIL_KIND = "mail"


def max_raw_bytes() -> int:
    return int(getattr(settings, "HELPLINE_MAIL_MAX_RAW_BYTES", 100 * 1024 * 1024))


def max_message_bytes() -> int:
    return int(getattr(settings, "HELPLINE_MAIL_MAX_MESSAGE_BYTES", 25 * 1024 * 1024))


def inline_raw_bytes() -> int:
    return int(getattr(settings, "HELPLINE_MAIL_INLINE_RAW_BYTES", 256 * 1024))


def acks_per_hour() -> int:
    return int(getattr(settings, "HELPLINE_MAIL_ACKS_PER_HOUR", 3))


def ack_log_days() -> int:
    return int(getattr(settings, "HELPLINE_MAIL_ACK_LOG_DAYS", 7))


def loop_header() -> str:
    return str(getattr(settings, "HELPLINE_MAIL_LOOP_HEADER", "X-Helpline-Loop"))


def secret_from_env(name: str) -> str:
    """The value of environment variable `name`, or of the file `name_FILE` names; '' if neither."""
    if not name:
        return ""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, "")


def _setting(name: str) -> str:
    value = getattr(settings, name, None)
    return str(value) if value is not None else secret_from_env(name)


def imap_ca_file() -> str:
    return _setting("HELPLINE_MAIL_IMAP_CA_FILE")


def smtpd_tls_files() -> tuple[str, str]:
    """(certificate, key) PEM paths of the SMTP receiver's STARTTLS; ('', '') when not configured."""
    return _setting("HELPLINE_SMTPD_TLS_CERT"), _setting("HELPLINE_SMTPD_TLS_KEY")


def smtpd_credentials() -> tuple[str, str]:
    """(user, password) senders must AUTH with; ('', '') when AUTH is not configured."""
    return _setting("HELPLINE_SMTPD_USER"), _setting("HELPLINE_SMTPD_PASSWORD")


def attachment_url(attachment_id: int) -> str:
    """Where the agent workspace and the portal fetch an attachment's content."""
    return f"/api/v1/attachments/{attachment_id}/content"
