"""Helpline's email parsing library: pure functions from raw bytes to a structured message.

No database access here; the email pipeline (mailboxes, storage, threading, IMAP, SMTP) builds
tickets from what `parse_message` returns.
"""

from __future__ import annotations

from .html import html_block_remote_images, sanitize_email_html
from .model import (
    DEFAULT_LIMITS,
    Address,
    BounceInfo,
    BounceRecipient,
    MessageRejected,
    MessageTooLarge,
    ParsedAttachment,
    ParsedMail,
    ParseLimits,
)
from .parser import parse_message
from .quotes import reply_split
from .quotes_html import html_fold_mark, html_fold_split, html_reply_split

__all__ = [
    "DEFAULT_LIMITS",
    "Address",
    "BounceInfo",
    "BounceRecipient",
    "MessageRejected",
    "MessageTooLarge",
    "ParseLimits",
    "ParsedAttachment",
    "ParsedMail",
    "html_block_remote_images",
    "html_fold_mark",
    "html_fold_split",
    "html_reply_split",
    "parse_message",
    "reply_split",
    "sanitize_email_html",
]
