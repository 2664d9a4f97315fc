"""Decoding one text part: charset, format=flowed, HTML meta charsets, inline uuencode blocks."""

from __future__ import annotations

import binascii
import html as htmllib
import re
from email.message import Message

from .charsets import decode_bytes
from .headers import header_param, raw_header

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_UU_BLOCK = re.compile(r"^begin [0-7]{3,4} ([^\r\n]+)\r?\n(.*?)^end[ \t]*$", re.MULTILINE | re.DOTALL)


def part_bytes(part: Message) -> tuple[bytes, list[str]]:
    """The decoded payload (base64/quoted-printable/uuencode undone) and the defects noticed."""
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 - unusual payloads must not stop the parse
        return b"", [f"could not decode a part: {type(exc).__name__}"]
    if data is None:
        return b"", []
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    defects = []
    for defect in getattr(part, "defects", []):
        name = type(defect).__name__
        if "Base64" in name:
            defects.append("damaged base64 in a part (decoded what could be read)")
    return bytes(data), defects


def part_text(part: Message, data: bytes, ctype: str) -> tuple[str, str]:
    """Decode a text part's bytes; return the text and a charset defect ('' if none)."""
    value = raw_header(part, "Content-Type") or ""
    charset = header_param(value, "charset")
    if not charset and ctype == "text/html":
        meta = _META_CHARSET.search(data[:4096])
        if meta:
            charset = meta.group(1).decode("ascii", "replace")
    text, defect = decode_bytes(data, charset or None)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if ctype == "text/plain" and header_param(value, "format").lower() == "flowed":
        text = unflow(text, delsp=header_param(value, "delsp").lower() == "yes")
    return text, defect


def unflow(text: str, *, delsp: bool = False) -> str:
    """Undo RFC 3676 format=flowed: join soft-broken lines, remove space-stuffing."""
    out: list[str] = []
    current = ""
    current_depth = -1
    for line in text.split("\n"):
        stripped = line.lstrip(">")
        depth = len(line) - len(stripped)
        if stripped.startswith(" "):
            stripped = stripped[1:]
        if current_depth >= 0 and depth != current_depth:
            out.append(">" * current_depth + (" " if current_depth else "") + current)
            current, current_depth = "", -1
        soft = stripped.endswith(" ") and stripped != "-- "
        piece = stripped[:-1] if soft and delsp else stripped
        current += piece
        current_depth = depth
        if not soft:
            out.append(">" * depth + (" " if depth and current else "") + current)
            current, current_depth = "", -1
    if current_depth >= 0:
        out.append(">" * current_depth + (" " if current_depth else "") + current)
    return "\n".join(out)


def plain_to_html(text: str) -> str:
    """Escaped plain text as HTML paragraphs with line breaks, for mixing with HTML parts."""
    paragraphs = [p for p in re.split(r"\n{2,}", text.strip()) if p.strip()]
    return "".join(f"<p>{htmllib.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def extract_uuencoded(text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Lift `begin 644 name ... end` blocks out of a text body; return the text and the files."""
    if "begin " not in text:
        return text, []
    files: list[tuple[str, bytes]] = []

    def lift(match: re.Match[str]) -> str:
        data = bytearray()
        for line in match.group(2).splitlines():
            if not line.strip() or line.strip() == "`":
                continue
            try:
                data += binascii.a2b_uu(line)
            except binascii.Error:
                try:  # some encoders pad lines wrongly; the length byte tells the truth
                    size = ((ord(line[0]) - 32) & 63) * 4 // 3
                    data += binascii.a2b_uu(line[: size + 1])
                except (binascii.Error, IndexError):
                    return match.group(0)
        files.append((match.group(1).strip(), bytes(data)))
        return ""

    return _UU_BLOCK.sub(lift, text), files
