"""`parse_message`: raw bytes in, a `ParsedMail` out, for any input at all.

Only a broken limit raises (MessageTooLarge / MessageRejected, with a reason a person
understands); everything else that is wrong with a message becomes a note in `defects` and the
best reading of what is there.
"""

from __future__ import annotations

import re
from email.message import EmailMessage, Message
from email.parser import BytesParser

from .body import extract_body
from .bounces import bounce_info
from .charsets import codec_for
from .headers import (
    addresses,
    content_type,
    decode_words,
    header_param,
    message_ids,
    normalize_email,
    parse_date,
    raw_header,
    raw_headers,
    return_path,
    set_charset_hint,
    unfold,
)
from .html import html_block_remote_images
from .limits import check_raw, too_deep_error, walk
from .loops import LOOP_HEADERS, automated_reason
from .mimepolicy import POLICY
from .model import DEFAULT_LIMITS, Address, MessageRejected, ParsedMail, ParseLimits

_MBOX_FROM = re.compile(rb"^From [^\r\n]*\r?\n")
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,100}:")
_DEFECT_NOTES = {
    "CloseBoundaryNotFoundDefect": "a multipart has no closing boundary (the message may be truncated)",
    "StartBoundaryNotFoundDefect": "a multipart boundary was never found",
    "MultipartInvariantViolationDefect": "a part declared multipart has no parts",
    "MissingHeaderBodySeparatorDefect": "a header line is malformed (no empty line before the body)",
    "FirstHeaderLineIsContinuationDefect": "the first header line is indented",
    "NoBoundaryInMultipartDefect": "a multipart declares no boundary",
    "InvalidMultipartContentTransferEncodingDefect": "a multipart declares a content transfer encoding",
    "MisplacedEnvelopeHeaderDefect": "an mbox 'From ' line sits among the headers",
}


def parse_message(
    raw: bytes, *, limits: ParseLimits = DEFAULT_LIMITS, own_loop_header: str = "X-Helpline-Loop"
) -> ParsedMail:
    """Parse one raw message without touching the database.

    Raises MessageTooLarge (bigger than `limits.max_bytes`) or MessageRejected (a header line
    over `limits.max_header_chars`, nesting deeper than `limits.max_depth`, more parts than
    `limits.max_parts`); both carry `.reason` for the sender's reply. Never raises otherwise.
    """
    raw = bytes(raw)
    check_raw(raw, limits)
    defects: list[str] = []
    msg = _parse(_repair_folding(_strip_envelope(raw, defects), defects), limits, defects)
    try:
        parts = list(walk(msg, limits))
    except RecursionError as exc:
        raise too_deep_error(limits) from exc
    _set_charset_hint(parts)
    for part, _depth in parts:
        for defect in getattr(part, "defects", []):
            note = _DEFECT_NOTES.get(type(defect).__name__)
            if note and note not in defects:
                defects.append(note)
    try:
        return _build(msg, raw, defects, own_loop_header)
    except (MessageRejected, RecursionError):
        raise
    except Exception as exc:  # noqa: BLE001 - the promise is: never raise for bad input
        defects.append(f"the message could not be fully read ({type(exc).__name__}); showing the raw text")
        return _fallback(raw, defects)


def _strip_envelope(raw: bytes, defects: list[str]) -> bytes:
    """Drop an mbox 'From ' line, leading blank lines and junk before the first header line."""
    stripped = raw.lstrip(b"\r\n\t ")
    match = _MBOX_FROM.match(stripped)
    if match:
        stripped = stripped[match.end() :]
    if stripped and not _HEADER_LINE.match(stripped):
        # Banner lines before the headers (mail068): start at the first line that looks like one.
        for found in re.finditer(rb"\r?\n", stripped[:4096]):
            rest = stripped[found.end() :]
            if _HEADER_LINE.match(rest) and re.match(
                rb"^[!-9;-~]{1,100}:[^\r\n]*\r?\n(?:[ \t]|[!-9;-~]{1,100}:)", rest
            ):
                defects.append("text before the first header line was skipped")
                return rest
    return stripped


def _repair_folding(raw: bytes, defects: list[str]) -> bytes:
    """Indent header lines that lost their folding whitespace (mail068), so later headers survive."""
    end = re.search(rb"\r?\n\r?\n", raw)
    block = raw[: end.start()] if end else raw
    lines = block.split(b"\n")
    looks = [bool(_HEADER_LINE.match(line)) or line[:1] in (b" ", b"\t") for line in lines]
    if all(looks):
        return raw
    last_header = max((i for i, ok in enumerate(looks) if ok and _HEADER_LINE.match(lines[i])), default=-1)
    later_headers = sum(1 for i, ok in enumerate(looks) if ok and i > looks.index(False))
    if last_header < looks.index(False) or later_headers < 2:
        return raw
    repaired = [
        line if ok or i > last_header else b" " + line for i, (line, ok) in enumerate(zip(lines, looks, strict=True))
    ]
    defects.append("some header lines were folded without indentation")
    return b"\n".join(repaired) + raw[len(block) :]


def _set_charset_hint(parts: list[tuple[Message, int]]) -> None:
    hint = None
    for part, _depth in parts:
        codec = codec_for(header_param(raw_header(part, "Content-Type") or "", "charset"))
        if codec and codec not in ("utf-8", "cp1252", "ascii") and not codec.startswith(("utf", "iso2022")):
            hint = codec
            break
    if hint:
        for part, _depth in parts:
            set_charset_hint(part, hint)


def _parse(raw: bytes, limits: ParseLimits, defects: list[str]) -> Message:
    try:
        return BytesParser(policy=POLICY).parsebytes(raw)
    except RecursionError as exc:
        raise too_deep_error(limits) from exc
    except Exception as exc:  # noqa: BLE001
        defects.append(f"the MIME structure could not be parsed ({type(exc).__name__})")
        msg = EmailMessage()
        msg.set_payload(raw.decode("utf-8", "surrogateescape"))
        return msg


def _build(msg: Message, raw: bytes, defects: list[str], own_loop_header: str) -> ParsedMail:
    subject = decode_words(raw_header(msg, "Subject") or "").strip()
    sender = _sender(msg)
    if not sender.email:
        defects.append("the message has no usable sender address")
    path = return_path(msg)
    body = extract_body(msg)
    defects.extend(d for d in body.defects if d not in defects)
    html, blocked = html_block_remote_images(body.html)
    text = body.text
    headers = _loop_headers(msg, own_loop_header)
    report_type = header_param(raw_header(msg, "Content-Type") or "", "report-type").lower()
    ctype = content_type(msg)
    to = addresses(msg, "To")
    cc = addresses(msg, "Cc")
    bounce = bounce_info(
        msg,
        sender=sender,
        subject=subject,
        return_path=path,
        text=text,
        recipients_of_bounce={a.email for a in to + cc if a.email},
    )
    automated = automated_reason(
        headers,
        subject=subject,
        sender=sender,
        return_path=path,
        content_type=ctype,
        report_type=report_type,
        text=text,
        own_loop_header=own_loop_header,
    )
    if bounce is not None and automated is None:
        automated = "delivery report" if bounce.kind != "feedback" else "feedback report"
    return ParsedMail(
        message_id=next(iter(message_ids(raw_header(msg, "Message-ID"))), ""),
        in_reply_to=message_ids(raw_header(msg, "In-Reply-To")),
        references=message_ids(" ".join(raw_headers(msg, "References"))),
        subject=subject,
        sender=sender,
        reply_to=addresses(msg, "Reply-To"),
        to=to,
        cc=cc,
        delivered_to=_delivered_to(msg),
        date=parse_date(raw_header(msg, "Date")),
        return_path=path,
        headers=headers,
        text=text,
        html=html,
        attachments=body.attachments,
        automated=automated,
        bounce=bounce,
        defects=defects,
        size=len(raw),
        blocked_images=blocked,
    )


def _sender(msg: Message) -> Address:
    """The From address; when From has none, its name with Sender, Reply-To or Return-Path (as Zammad)."""
    from_list = addresses(msg, "From")
    with_email = [a for a in from_list if a.email]
    if with_email:
        return with_email[0]
    name = from_list[0].name if from_list else ""
    for header in ("Sender", "Reply-To", "Return-Path"):
        found = [a for a in addresses(msg, header) if a.email]
        if found:
            return Address(name=name or found[0].name, email=found[0].email)
    return Address(name=name, email="")


def _loop_headers(msg: Message, own_loop_header: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    wanted = {*LOOP_HEADERS, own_loop_header.lower()}
    try:
        items = list(msg.raw_items())
    except Exception:  # noqa: BLE001
        items = []
    for name, _value in items:
        key = str(name).lower()
        if (key in wanted or key.startswith("x-helpline") or key.startswith("list-")) and key not in headers:
            value = raw_header(msg, key) or ""
            headers[key] = decode_words(unfold(value)).strip()[:2000]
    return headers


def _delivered_to(msg: Message) -> list[str]:
    found: list[str] = []
    for name in ("Delivered-To", "X-Original-To", "Envelope-To"):
        for value in raw_headers(msg, name):
            for token in re.split(r"[,\s]+", value):
                address = normalize_email(token)
                if address and address not in found:
                    found.append(address)
    return found


def _fallback(raw: bytes, defects: list[str]) -> ParsedMail:
    """The last resort for a message nothing else could read: its bytes as text."""
    text = raw.decode("utf-8", "replace")
    return ParsedMail(
        message_id="",
        in_reply_to=[],
        references=[],
        subject="",
        sender=Address(name="", email=""),
        reply_to=[],
        to=[],
        cc=[],
        delivered_to=[],
        date=None,
        return_path=None,
        headers={},
        text=text,
        html="",
        attachments=[],
        automated=None,
        bounce=None,
        defects=defects,
        size=len(raw),
    )
