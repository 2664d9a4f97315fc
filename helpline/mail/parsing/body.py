"""Walk the MIME tree once: what is the body (text and HTML) and what are the attachments.

Display semantics follow RFC 2046 and what mail clients show: the richest alternative, the root
of multipart/related, inline parts of multipart/mixed in order (Apple Mail's text, image, text),
the signed content of multipart/signed, an inline forwarded message/rfc822 as a quoted block.
Everything else is an attachment, with a readable name.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import unquote

from .attachments import (
    calendar_summary,
    content_id_of,
    fallback_filename,
    looks_like_tnef,
    part_filename,
    unique_filename,
    unpack_tnef,
)
from .headers import addresses, content_type, disposition, header_text, param
from .html import html_to_text, sanitize_email_html
from .mimepolicy import VERBATIM
from .model import ParsedAttachment
from .textparts import extract_uuencoded, part_bytes, part_text, plain_to_html

_MESSAGE_TYPES = ("message/rfc822", "message/global", "message/news")
_CID_REF = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)


@dataclass
class Segment:
    """A piece of the displayed body, in document order."""

    text: str | None = None
    html: str | None = None


@dataclass
class Body:
    """The result of walking a message."""

    segments: list[Segment] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    inline_counter: int = 0

    @property
    def text(self) -> str:
        texts = [s.text if s.text is not None else html_to_text(s.html or "") for s in self.segments]
        return "\n\n".join(t.strip("\n") for t in texts if t and t.strip())

    @property
    def html(self) -> str:
        if not any(s.html for s in self.segments):
            return ""
        return "\n".join(s.html if s.html is not None else plain_to_html(s.text or "") for s in self.segments)


def extract_body(msg: Message) -> Body:
    """Collect the displayed body and the attachments of a parsed message."""
    body = Body()
    _visit(msg, body, in_report=False)
    _mark_inline(body)
    return body


def _visit(part: Message, body: Body, *, in_report: bool) -> None:
    ctype = content_type(part)
    children = _children(part)
    if ctype in _MESSAGE_TYPES:
        _message_part(part, ctype, children, body, in_report=in_report)
    elif ctype.startswith("message/"):
        _attach(part, ctype, body)  # delivery-status, feedback-report, external-body...
    elif ctype.startswith("multipart/") and not children:
        # Declared multipart, but no boundary was found: what is there is shown as text.
        body.defects.append(f"broken {ctype}: no parts found (missing or wrong boundary)")
        _leaf(part, "text/plain", body, in_report=in_report)
    elif children:
        _multipart(part, ctype, children, body, in_report=in_report)
    else:
        _leaf(part, ctype, body, in_report=in_report)


def _children(part: Message) -> list[Message]:
    try:
        payload = part.get_payload()
    except Exception:  # noqa: BLE001
        return []
    return [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []


def _multipart(part: Message, ctype: str, children: list[Message], body: Body, *, in_report: bool) -> None:
    if ctype == "multipart/alternative":
        _alternative(children, body, in_report=in_report)
    elif ctype == "multipart/related":
        root = _related_root(part, children)
        _visit(root, body, in_report=in_report)
        for child in children:
            if child is not root:
                _attach(child, content_type(child), body)
    elif ctype == "multipart/signed":
        _visit(children[0], body, in_report=in_report)
        for child in children[1:]:
            _attach(child, content_type(child), body)
    elif ctype == "multipart/encrypted":
        body.defects.append("the message is encrypted; its content cannot be shown")
        for child in children:
            _attach(child, content_type(child), body)
    elif ctype == "multipart/report":
        _visit(children[0], body, in_report=True)
        for child in children[1:]:
            _attach(child, content_type(child), body)
    else:  # mixed, digest, parallel and unknown multiparts are shown in order
        for child in children:
            _visit(child, body, in_report=in_report)


def _alternative(children: list[Message], body: Body, *, in_report: bool) -> None:
    text: str | None = None
    html: str | None = None
    for child in children:
        sub = Body(taken=body.taken, inline_counter=body.inline_counter)
        _visit(child, sub, in_report=in_report)
        body.inline_counter = sub.inline_counter
        body.attachments.extend(sub.attachments)
        body.defects.extend(sub.defects)
        if not sub.segments:
            continue
        if any(s.html for s in sub.segments):
            html = sub.html  # the last alternative is the richest
        elif text is None:
            text = sub.text
    if text is None and html is None:
        return
    body.segments.append(Segment(text=text if text and text.strip() else None, html=html))


def _related_root(part: Message, children: list[Message]) -> Message:
    start = param(part, "start").strip("<>")
    if start:
        for child in children:
            if content_id_of(child) == start:
                return child
    return children[0]


def _leaf(part: Message, ctype: str, body: Body, *, in_report: bool) -> None:
    filename = part_filename(part)
    disp = disposition(part)
    # "application/plain; charset=utf-8" (an S/MIME library's) is text all the same.
    is_text = ctype in ("text/plain", "text/html") or (ctype.endswith("/plain") and bool(param(part, "charset")))
    ctype = "text/plain" if is_text and ctype != "text/html" else ctype
    shows_inline = disp != "attachment" and (not filename or (disp == "inline" and not body.segments))
    if is_text and shows_inline:
        data, defects = part_bytes(part)
        body.defects.extend(defects)
        text, defect = part_text(part, data, ctype)
        if defect:
            body.defects.append(defect)
        if not text.strip():
            return
        if ctype == "text/html":
            body.segments.append(Segment(html=sanitize_email_html(text)))
        else:
            text, files = extract_uuencoded(text)
            for name, content in files:
                body.attachments.append(
                    ParsedAttachment(
                        filename=unique_filename(name, body.taken),
                        content_type="application/octet-stream",
                        content=content,
                        summary="uuencoded in the message text",
                    )
                )
            body.segments.append(Segment(text=text))
        return
    attachment = _attach(part, ctype, body)
    if attachment and disp == "inline" and ctype.startswith("image/") and body.segments and not in_report:
        # An inline image between text parts (Apple Mail) is shown where it was.
        if not attachment.content_id:
            body.inline_counter += 1
            attachment.content_id = f"inline-{body.inline_counter}@helpline.invalid"
        src = htmllib.escape(f"cid:{attachment.content_id}", quote=True)
        body.segments.append(
            Segment(text="", html=f'<p><img src="{src}" alt="{htmllib.escape(attachment.filename)}"></p>')
        )


def _message_part(part: Message, ctype: str, children: list[Message], body: Body, *, in_report: bool) -> None:
    enclosed = children[0] if children else None
    subject = header_text(enclosed, "Subject") if enclosed is not None else ""
    attachment = _attach(part, ctype, body, enclosed_subject=subject)
    if enclosed is None or in_report or disposition(part) == "attachment":
        return
    # Forwarded inline (Thunderbird, Gmail "forward as attachment" viewed in place): it is content.
    inner = Body(taken=body.taken, inline_counter=body.inline_counter)
    _visit(enclosed, inner, in_report=False)
    body.inline_counter = inner.inline_counter
    body.defects.extend(inner.defects)
    body.attachments.extend(inner.attachments)
    if attachment is not None:
        attachment.summary = f"forwarded message: {subject}" if subject else "forwarded message"
    header = _forward_header(enclosed)
    html = inner.html
    body.segments.append(
        Segment(
            text=f"{header}\n\n{inner.text}".strip(),
            html=f"<blockquote>{plain_to_html(header)}{html or plain_to_html(inner.text)}</blockquote>"
            if html
            else None,
        )
    )


def _forward_header(enclosed: Message) -> str:
    lines = ["---------- Forwarded message ----------"]
    for label, name in (("From", "From"), ("Date", "Date"), ("Subject", "Subject"), ("To", "To")):
        if name in ("From", "To"):
            found = addresses(enclosed, name)
            value = ", ".join(f"{a.name} <{a.email}>" if a.name else a.email for a in found)
        else:
            value = header_text(enclosed, name)
        if value:
            lines.append(f"{label}: {value}")
    return "\n".join(lines)


def _attach(part: Message, ctype: str, body: Body, enclosed_subject: str = "") -> ParsedAttachment | None:
    if ctype.startswith("message/"):
        data = _enclosed_bytes(part)
    else:
        data, defects = part_bytes(part)
        body.defects.extend(defects)
    if ctype in _MESSAGE_TYPES and not enclosed_subject:
        inner = _children(part)
        enclosed_subject = header_text(inner[0], "Subject") if inner else ""
    name = part_filename(part) or fallback_filename(part, ctype, enclosed_subject)
    attachment = ParsedAttachment(
        filename=unique_filename(name, body.taken),
        content_type=ctype,
        content=data,
        content_id=content_id_of(part),
        is_inline=disposition(part) == "inline" and ctype.startswith("image/"),
    )
    if ctype == "text/calendar" or attachment.filename.lower().endswith(".ics"):
        attachment.summary = calendar_summary(data, param(part, "charset") or None)
    if ctype == "message/external-body":
        access = param(part, "access-type")
        attachment.summary = f"external reference ({access or 'unknown access'}), not fetched"
    body.attachments.append(attachment)
    if looks_like_tnef(ctype, attachment.filename, data):
        unpacked, text, html, defects = unpack_tnef(attachment, body.taken)
        body.attachments.extend(unpacked)
        body.defects.extend(defects)
        if html and not body.segments:
            body.segments.append(Segment(html=sanitize_email_html(html)))
        elif text.strip() and not body.segments:
            body.segments.append(Segment(text=text.replace("\r\n", "\n")))
    return attachment


def _enclosed_bytes(part: Message) -> bytes:
    """The enclosed message (or the blocks of a delivery report) as bytes, for the attachment."""
    children = _children(part)
    try:
        if children:
            return b"".join(_serialize(child) for child in children)
        payload = part.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else b""
    except Exception:  # noqa: BLE001 - a damaged enclosure is kept as far as it goes
        try:
            return str(part.get_payload(0)).encode("utf-8", "surrogateescape")
        except Exception:  # noqa: BLE001
            return b""


def _serialize(msg: Message) -> bytes:
    return msg.as_bytes(policy=VERBATIM)


def _mark_inline(body: Body) -> None:
    """Flag attachments the HTML shows via cid: (by Content-ID, case-insensitive, or by file name)."""
    referenced = {ref.lower() for s in body.segments if s.html for ref in _cid_refs(s.html)}
    if not referenced:
        return
    for attachment in body.attachments:
        if attachment.content_id.lower() in referenced:
            attachment.is_inline = True
        elif attachment.filename.lower() in referenced and not attachment.content_id:
            attachment.content_id = attachment.filename
            attachment.is_inline = True


def _cid_refs(html: str) -> list[str]:
    return [unquote(htmllib.unescape(ref)).strip("<>") for ref in _CID_REF.findall(html)]
