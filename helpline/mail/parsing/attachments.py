"""Attachments: a readable file name for every part, calendar summaries, TNEF unpacking."""

from __future__ import annotations

import posixpath
import re
from email.message import Message

from .charsets import decode_bytes
from .headers import header_text, param, raw_header
from .model import ParsedAttachment
from .tnef import is_tnef, read_tnef

# Names for parts that carry none, by type (Zammad's choices, so tickets read the same).
_TYPE_NAMES = {
    "message/delivery-status": ("delivery-status", "txt"),
    "message/disposition-notification": ("disposition-notification", "txt"),
    "message/feedback-report": ("feedback-report", "txt"),
    "text/rfc822-headers": ("headers", "txt"),
    "text/plain": ("document", "txt"),
    "text/html": ("document", "html"),
    "text/calendar": ("invite", "ics"),
    "text/csv": ("document", "csv"),
    "video/quicktime": ("video", "mov"),
    "image/jpeg": ("image", "jpg"),
    "image/jpg": ("image", "jpg"),
    "image/pjpeg": ("image", "jpg"),
    "image/png": ("image", "png"),
    "image/gif": ("image", "gif"),
    "application/pdf": ("document", "pdf"),
    "application/pgp-signature": ("signature", "asc"),
    "application/pkcs7-signature": ("smime", "p7s"),
    "application/x-pkcs7-signature": ("smime", "p7s"),
    "application/pkcs7-mime": ("smime", "p7m"),
    "application/x-pkcs7-mime": ("smime", "p7m"),
}
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\]+")


def part_filename(part: Message) -> str:
    """The name a person should see for this part; '' when it has none of its own."""
    name = param(part, "filename", "content-disposition") or param(part, "name", "content-type")
    if not name:
        location = raw_header(part, "Content-Location")
        if location:
            name = posixpath.basename(location.strip().split("?", 1)[0])
    return clean_filename(name)


def clean_filename(name: str) -> str:
    """Strip paths and control characters from a file name (it is shown and used for downloads)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    return _UNSAFE.sub("_", name).strip().strip(".")[:255]


def fallback_filename(part: Message, ctype: str, enclosed_subject: str = "") -> str:
    """A name for a part that has none: the enclosed subject for mails, else by content type."""
    if ctype in ("message/rfc822", "message/global", "message/news"):
        subject = clean_filename(enclosed_subject)
        description = clean_filename(header_text(part, "Content-Description"))
        return f"{subject or description or 'Mail'}.eml"
    content_id = content_id_of(part)
    if content_id and "@" in content_id:
        local = clean_filename(content_id.split("@", 1)[0])
        if re.search(r"\.[A-Za-z][A-Za-z0-9]{1,4}$", local):  # Outlook's image001.png@01D...
            return local
    base, ext = _TYPE_NAMES.get(ctype, ("file", ""))
    description = clean_filename(header_text(part, "Content-Description"))
    if ext and description:
        return f"{description}.{ext}"
    return f"{base}.{ext}" if ext else base


def unique_filename(name: str, taken: set[str]) -> str:
    """`name`, or `name1.ext`, `name2.ext`... when an earlier attachment already uses it."""
    if name not in taken:
        taken.add(name)
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    for i in range(1, 10_000):
        candidate = f"{stem}{i}.{ext}" if ext else f"{stem}{i}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate
    return name


def content_id_of(part: Message) -> str:
    """The part's Content-ID without angle brackets ('' if none)."""
    value = raw_header(part, "Content-ID") or raw_header(part, "X-Attachment-Id") or ""
    return value.strip().strip("<>").strip()


def calendar_summary(data: bytes, charset: str | None = None) -> str:
    """'SUMMARY (METHOD)' of the first event in an iCalendar object, '' if it has none."""
    text = decode_bytes(data[:200_000], charset or "utf-8")[0]
    text = re.sub(r"\r?\n[ \t]", "", text)
    summary = method = ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.split(";", 1)[0].strip().upper()
        if key == "METHOD" and not method:
            method = value.strip().upper()
        elif key == "SUMMARY" and not summary:
            summary = re.sub(r"\\([,;\\])", r"\1", value.replace("\\n", " ").replace("\\N", " ")).strip()
    labels = {"REQUEST": "invitation", "CANCEL": "cancellation", "REPLY": "reply", "COUNTER": "counter-proposal"}
    if summary and method in labels:
        return f"{summary} ({labels[method]})"
    return summary


def unpack_tnef(container: ParsedAttachment, taken: set[str]) -> tuple[list[ParsedAttachment], str, str, list[str]]:
    """Files, plain body and HTML body inside a winmail.dat; the original stays attached too."""
    tnef = read_tnef(container.content)
    defects = [] if tnef.complete else [f"{container.filename} is damaged; unpacked what could be read"]
    found: list[ParsedAttachment] = []
    for inner in tnef.attachments:
        name = unique_filename(clean_filename(inner.filename) or "file", taken)
        found.append(
            ParsedAttachment(
                filename=name,
                content_type=inner.content_type,
                content=inner.content,
                content_id=inner.content_id,
                summary=f"unpacked from {container.filename}",
            )
        )
    if tnef.rtf and not (tnef.text or tnef.html):
        found.append(
            ParsedAttachment(
                filename=unique_filename("message.rtf", taken),
                content_type="application/rtf",
                content=tnef.rtf,
                summary=f"message body unpacked from {container.filename}",
            )
        )
    return found, tnef.text, tnef.html, defects


def looks_like_tnef(ctype: str, filename: str, data: bytes) -> bool:
    """TNEF by type, by the conventional name, or by its signature."""
    return (
        ctype in ("application/ms-tnef", "application/vnd.ms-tnef") or filename.lower() == "winmail.dat"
    ) and is_tnef(data)
