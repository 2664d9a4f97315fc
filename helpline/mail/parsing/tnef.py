"""A small reader for TNEF (`winmail.dat`, MS-OXTNEF): the files and the body Outlook wrapped inside.

Only what a helpdesk needs: attachments (with their long names, MIME types and content ids), the
plain and HTML body, and the compressed RTF body (decompressed, MS-OXRTFCP) when that is all
there is. Every read is bounds-checked; a damaged stream yields what was read so far.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

TNEF_SIGNATURE = 0x223E9F78

# Attribute ids (MS-OXTNEF 2.1.3.2), with the type word stripped.
_ATT_BODY = 0x800C
_ATT_ATTACH_DATA = 0x800F
_ATT_ATTACH_TITLE = 0x8010
_ATT_ATTACH_RENDDATA = 0x9002
_ATT_MAPI_PROPS = 0x9003
_ATT_ATTACHMENT = 0x9005
_ATT_OEM_CODEPAGE = 0x9007

# MAPI property ids (MS-OXPROPS).
_PR_BODY = 0x1000
_PR_RTF_COMPRESSED = 0x1009
_PR_BODY_HTML = 0x1013
_PR_ATTACH_DATA = 0x3701
_PR_ATTACH_FILENAME = 0x3704
_PR_ATTACH_LONG_FILENAME = 0x3707
_PR_ATTACH_MIME_TAG = 0x370E
_PR_ATTACH_CONTENT_ID = 0x3712
_PR_DISPLAY_NAME = 0x3001

_FIXED_SIZES = {
    0x0002: 4,
    0x0003: 4,
    0x0004: 4,
    0x0005: 8,
    0x0006: 8,
    0x0007: 8,
    0x000A: 4,
    0x000B: 4,
    0x0014: 8,
    0x0040: 8,
    0x0048: 16,
    0x0001: 4,
}
_MULTI = 0x1000


@dataclass
class TnefAttachment:
    """One file found inside the TNEF stream."""

    filename: str = ""
    content_type: str = "application/octet-stream"
    content: bytes = b""
    content_id: str = ""


@dataclass
class TnefContent:
    """What came out of a TNEF stream."""

    attachments: list[TnefAttachment] = field(default_factory=list)
    text: str = ""
    html: str = ""
    rtf: bytes = b""
    complete: bool = True


def is_tnef(data: bytes) -> bool:
    """Whether the bytes start with the TNEF signature."""
    return len(data) >= 6 and struct.unpack_from("<I", data)[0] == TNEF_SIGNATURE


def read_tnef(data: bytes) -> TnefContent:
    """Unpack a TNEF stream; never raises (a truncated stream sets `complete` to False)."""
    content = TnefContent()
    if not is_tnef(data):
        content.complete = False
        return content
    codepage = "cp1252"
    pos = 6
    current: TnefAttachment | None = None
    try:
        while pos + 9 <= len(data):
            level = data[pos]
            attr_id = struct.unpack_from("<I", data, pos + 1)[0] & 0xFFFF
            length = struct.unpack_from("<I", data, pos + 5)[0]
            start = pos + 9
            if start + length > len(data):
                content.complete = False
                break
            value = data[start : start + length]
            pos = start + length + 2  # skip the checksum
            if attr_id == _ATT_OEM_CODEPAGE and length >= 4:
                codepage = f"cp{struct.unpack_from('<I', value)[0]}"
            elif level == 2 and attr_id == _ATT_ATTACH_RENDDATA:
                current = TnefAttachment()
                content.attachments.append(current)
            elif level == 2 and current is not None:
                _attachment_attribute(current, attr_id, value, codepage)
            elif level == 1 and attr_id == _ATT_BODY:
                content.text = content.text or _text(value, codepage)
            elif level == 1 and attr_id == _ATT_MAPI_PROPS:
                _message_props(content, _mapi_props(value), codepage)
    except (struct.error, IndexError, ValueError):
        content.complete = False
    content.attachments = [a for a in content.attachments if a.content or a.filename]
    return content


def _attachment_attribute(att: TnefAttachment, attr_id: int, value: bytes, codepage: str) -> None:
    if attr_id == _ATT_ATTACH_DATA:
        att.content = value
    elif attr_id == _ATT_ATTACH_TITLE and not att.filename:
        att.filename = _text(value, codepage)
    elif attr_id == _ATT_ATTACHMENT:
        props = _mapi_props(value)
        long_name = props.get(_PR_ATTACH_LONG_FILENAME) or props.get(_PR_DISPLAY_NAME)
        if isinstance(long_name, str) and long_name:
            att.filename = long_name
        mime = props.get(_PR_ATTACH_MIME_TAG)
        if isinstance(mime, str) and "/" in mime:
            att.content_type = mime.lower()
        cid = props.get(_PR_ATTACH_CONTENT_ID)
        if isinstance(cid, str):
            att.content_id = cid.strip("<>")
        data = props.get(_PR_ATTACH_DATA)
        if isinstance(data, bytes) and not att.content:
            att.content = data[16:] if len(data) > 16 else data  # PT_OBJECT starts with an IID


def _message_props(content: TnefContent, props: dict[int, object], codepage: str) -> None:
    body, html, rtf = props.get(_PR_BODY), props.get(_PR_BODY_HTML), props.get(_PR_RTF_COMPRESSED)
    if isinstance(body, str) and not content.text:
        content.text = body
    if isinstance(html, bytes):
        html = _text(html, "utf-8" if html.startswith(b"\xef\xbb\xbf") else codepage)
    if isinstance(html, str) and not content.html:
        content.html = html
    if isinstance(rtf, bytes) and not content.rtf:
        content.rtf = decompress_rtf(rtf)


def _text(value: bytes, codepage: str) -> str:
    value = value.split(b"\x00", 1)[0]
    try:
        return value.decode(codepage, errors="replace")
    except LookupError:
        return value.decode("cp1252", errors="replace")


def _mapi_props(data: bytes) -> dict[int, object]:
    """Parse a MAPI property list (MS-OXTNEF 2.1.3.4); unknown types end the list."""
    props: dict[int, object] = {}
    count = struct.unpack_from("<I", data, 0)[0]
    pos = 4
    for _ in range(min(count, 10_000)):
        if pos + 4 > len(data):
            break
        ptype, pid = struct.unpack_from("<HH", data, pos)
        pos += 4
        if pid >= 0x8000:  # named property: GUID, kind, then an id or a name
            kind = struct.unpack_from("<I", data, pos + 16)[0]
            pos += 20
            if kind == 0:
                pos += 4
            else:
                name_len = struct.unpack_from("<I", data, pos)[0]
                pos += 4 + name_len + (-name_len % 4)
        base = ptype & ~_MULTI
        values = 1
        if ptype & _MULTI or base in (0x001E, 0x001F, 0x0102, 0x000D):
            values = struct.unpack_from("<I", data, pos)[0]
            pos += 4
        items: list[object] = []
        for _v in range(min(values, 10_000)):
            if base in _FIXED_SIZES:
                size = _FIXED_SIZES[base]
                items.append(data[pos : pos + size])
                pos += size
            elif base in (0x001E, 0x001F, 0x0102, 0x000D):
                size = struct.unpack_from("<I", data, pos)[0]
                raw = data[pos + 4 : pos + 4 + size]
                pos += 4 + size + (-size % 4)
                if base == 0x001F:
                    items.append(raw.decode("utf-16-le", errors="replace").rstrip("\x00"))
                elif base == 0x001E:
                    items.append(raw.rstrip(b"\x00").decode("cp1252", errors="replace"))
                else:
                    items.append(raw)
            else:
                return props
        if items:
            props[pid] = items[0]
    return props


_RTF_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript "
    b"\\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par "
    b"\\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)


def decompress_rtf(data: bytes) -> bytes:
    """Decompress PR_RTF_COMPRESSED (MS-OXRTFCP): 'MELA' is stored, 'LZFu' is compressed."""
    if len(data) < 16:
        return b""
    _size, raw_size, magic = struct.unpack_from("<III", data)
    body = data[16:]
    if magic == 0x414C454D:  # MELA: uncompressed
        return body[:raw_size]
    if magic != 0x75465A4C:  # LZFu
        return b""
    window = bytearray(_RTF_PREBUF.ljust(4096, b"\x00"))
    write = len(_RTF_PREBUF)
    out = bytearray()
    pos = 0
    while pos < len(body) and len(out) < raw_size:
        flags = body[pos]
        pos += 1
        for bit in range(8):
            if pos >= len(body) or len(out) >= raw_size:
                break
            if flags & (1 << bit):
                if pos + 2 > len(body):
                    return bytes(out)
                ref = (body[pos] << 8) | body[pos + 1]
                pos += 2
                offset, length = ref >> 4, (ref & 0xF) + 2
                if offset == write:
                    return bytes(out)
                for i in range(length):
                    byte = window[(offset + i) % 4096]
                    out.append(byte)
                    window[write] = byte
                    write = (write + 1) % 4096
            else:
                byte = body[pos]
                pos += 1
                out.append(byte)
                window[write] = byte
                write = (write + 1) % 4096
    return bytes(out)
