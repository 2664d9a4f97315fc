"""Limits on size, header length, nesting depth and part count, checked as cheaply as possible.

Size and the top-level header are checked on the raw bytes before anything is parsed; depth and
part count are checked while walking the parsed tree (the parser itself is bounded by Python's
recursion limit, which is turned into the same polite rejection).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import Message
from email.parser import BytesHeaderParser

from .headers import header_text, message_ids, parse_addresses, raw_header
from .mimepolicy import POLICY
from .model import MessageRejected, MessageTooLarge, ParseLimits

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_LOGICAL_LINE = re.compile(rb"\r?\n(?![ \t])")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def header_block(raw: bytes) -> bytes:
    """The raw top-level header section (everything before the first empty line)."""
    end = _HEADER_END.search(raw)
    return raw[: end.start()] if end else raw


def check_raw(raw: bytes, limits: ParseLimits) -> None:
    """Reject before parsing: too many bytes, or a top-level header line that is too long."""
    if len(raw) > limits.max_bytes:
        error: MessageRejected = MessageTooLarge(
            f"The message is {_megabytes(len(raw))}, more than the {_megabytes(limits.max_bytes)} we accept. "
            "Please send large files as a link, or split them over several messages."
        )
        _describe(error, raw, limits)
        raise error
    block = header_block(raw)
    if len(block) <= limits.max_header_chars:
        return
    longest = max((len(line) for line in _LOGICAL_LINE.split(block)), default=0)
    if longest > limits.max_header_chars:
        error = MessageRejected(
            f"A header line of the message is {longest:,} characters long, more than the "
            f"{limits.max_header_chars:,} we accept; the message looks damaged or hostile.",
            code="header-too-long",
        )
        _describe(error, raw, limits)
        raise error


def _describe(error: MessageRejected, raw: bytes, limits: ParseLimits) -> None:
    """Attach sender, subject and Message-ID from the header lines that are within limits."""
    block = header_block(raw[: limits.max_header_chars * 4])
    lines = [line for line in _LOGICAL_LINE.split(block) if len(line) <= min(limits.max_header_chars, 8000)]
    try:
        head = BytesHeaderParser(policy=POLICY).parsebytes(b"\r\n".join(lines) + b"\r\n\r\n")
    except Exception:  # noqa: BLE001 - best effort only
        return
    senders = parse_addresses(raw_header(head, "From") or "") or parse_addresses(raw_header(head, "Sender") or "")
    error.sender = senders[0] if senders else None
    error.subject = header_text(head, "Subject")
    ids = message_ids(raw_header(head, "Message-ID"))
    error.message_id = ids[0] if ids else ""


def walk(msg: Message, limits: ParseLimits) -> Iterator[tuple[Message, int]]:
    """Every part with its depth, depth-first in document order; raises on too deep or too many."""
    count = 0
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > limits.max_parts:
            raise MessageRejected(
                f"The message has more than {limits.max_parts:,} MIME parts; it looks damaged or hostile.",
                code="too-many-parts",
            )
        if depth > limits.max_depth:
            raise MessageRejected(
                f"The message is nested more than {limits.max_depth} levels deep (forwards inside forwards); "
                "please forward the original message on its own.",
                code="too-deep",
            )
        if depth:
            _check_part_headers(part, limits)
        yield part, depth
        children = _children(part)
        stack.extend((child, depth + 1) for child in reversed(children))


def _check_part_headers(part: Message, limits: ParseLimits) -> None:
    try:
        longest = max((len(k) + len(v) + 2 for k, v in part.raw_items()), default=0)
    except Exception:  # noqa: BLE001
        return
    if longest > limits.max_header_chars:
        raise MessageRejected(
            f"A header line inside the message is {longest:,} characters long, more than the "
            f"{limits.max_header_chars:,} we accept; the message looks damaged or hostile.",
            code="header-too-long",
        )


def _children(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001
        return []
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    return []


def too_deep_error(limits: ParseLimits) -> MessageRejected:
    """The rejection used when the parser itself runs out of recursion depth."""
    return MessageRejected(
        f"The message is nested more than {limits.max_depth} levels deep (forwards inside forwards); "
        "please forward the original message on its own.",
        code="too-deep",
    )
