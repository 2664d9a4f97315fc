"""The email channel's few settings, each with a default that works without configuration.

| setting | default | meaning |
| --- | --- | --- |
| HELPLINE_MAIL_MAX_RAW_BYTES | 100 MB | the largest message accepted at all (SMTP SIZE, pipe); larger is refused |
| HELPLINE_MAIL_MAX_MESSAGE_BYTES | 25 MB | the largest message processed (larger: kept, quarantined, sender told) |
| HELPLINE_MAIL_INLINE_RAW_BYTES | 256 kB | raw messages up to this size are kept in their row, larger as files |
| HELPLINE_MAIL_ACKS_PER_HOUR | 3 | acknowledgements (and notices) one address gets per hour at most |
| HELPLINE_MAIL_ACK_LOG_DAYS | 7 | how long acknowledgement log rows are kept |
| HELPLINE_MAIL_LOOP_HEADER | X-Helpline-Loop | the header on everything we send; mail carrying it is ours coming back |
"""

from __future__ import annotations

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


def attachment_url(attachment_id: int) -> str:
    """Where the agent workspace and the portal fetch an attachment's content."""
    return f"/api/v1/attachments/{attachment_id}/content"
