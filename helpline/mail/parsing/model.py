"""The parsed shape of an inbound message: what the email pipeline builds tickets from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Address:
    """A mailbox: display name (decoded) and address with a lower-cased domain ('' if unparseable)."""

    name: str
    email: str


@dataclass
class ParsedAttachment:
    """A file that came with the message (or was unpacked from one that did)."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""  # without <>
    is_inline: bool = False  # referenced by cid: in the HTML, or an inline image
    summary: str = ""  # e.g. the SUMMARY of a calendar invite, "unpacked from winmail.dat"


@dataclass
class BounceRecipient:
    """One recipient of a delivery report."""

    recipient: str
    status: str  # RFC 3463 code, e.g. "5.1.1" ('' when the report gives none)
    action: str  # RFC 3464: failed, delayed, delivered, relayed, expanded
    reason: str  # sisimai-compatible code: userunknown, mailboxfull, expired, ...
    permanent: bool  # the address itself is unusable: mark the contact address as failing
    diagnostic: str = ""  # the remote server's words


@dataclass
class BounceInfo:
    """A delivery report (bounce, delay, success notice) or a feedback report about our mail.

    The top-level fields describe the first recipient that failed (or the first recipient at all);
    `recipients` lists every one the report names.
    """

    recipient: str
    status: str
    action: str
    reason: str
    permanent: bool
    original_message_id: str  # from the returned message/rfc822(-headers) part, '' if none
    diagnostic: str = ""
    kind: str = "dsn"  # dsn (RFC 3464), text (free-text bounce), feedback (RFC 5965 ARF)
    recipients: list[BounceRecipient] = field(default_factory=list)


@dataclass
class ParsedMail:
    """Everything the pipeline needs from one raw message; built without touching the database."""

    message_id: str  # without <>, '' if missing (the pipeline derives one from sha256 of raw)
    in_reply_to: list[str]  # without <>, in header order
    references: list[str]
    subject: str
    sender: Address
    reply_to: list[Address]
    to: list[Address]
    cc: list[Address]
    delivered_to: list[str]  # Delivered-To / X-Original-To / Envelope-To values
    date: datetime | None  # aware
    return_path: str | None  # None when the header is absent, '' for a null path <>
    headers: dict[str, str]  # lower-cased names -> decoded values that matter for loops and threading
    text: str  # the body as plain text (from text/plain, else from the HTML)
    html: str  # sanitized HTML ('' if none), remote images blocked, cid: references kept
    attachments: list[ParsedAttachment]
    automated: str | None  # None for a person's mail; else the reason ("list-id", "out-of-office", ...)
    bounce: BounceInfo | None
    defects: list[str]  # human-readable problems found (bad charset, missing boundary, ...)
    size: int  # raw bytes
    blocked_images: int = 0  # remote images blocked in `html` (data-blocked-src keeps their URL)


@dataclass(frozen=True)
class ParseLimits:
    """Bounds that keep one hostile message from stalling the pipeline."""

    max_bytes: int = 40 * 1024 * 1024
    max_header_chars: int = 100_000
    max_depth: int = 20
    max_parts: int = 1000


DEFAULT_LIMITS = ParseLimits()


class MessageRejected(Exception):  # noqa: N818 - the name the pipeline codes against
    """The message breaks a parse limit; it is kept raw and its sender is told.

    `reason` is a sentence for a person (the sender's "message too large" reply, the agent's
    note); `code` is for programs. What could be read cheaply from the top-level header is
    attached so the pipeline can answer without parsing the message again.
    """

    code = "rejected"

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        if code:
            self.code = code
        self.sender: Address | None = None
        self.subject: str = ""
        self.message_id: str = ""


class MessageTooLarge(MessageRejected):
    """The raw message is bigger than `ParseLimits.max_bytes`."""

    code = "too-large"
