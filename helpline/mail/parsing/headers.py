"""Read header values safely: raw 8-bit bytes, RFC 2047 encoded-words, addresses, ids and dates.

The standard library's structured headers (`policy.default`) raise on some broken input when a
header is read, and are slow on long ones. Every value here is therefore read raw
(`Message.raw_items`, which never parses) and decoded by the lenient functions below; each
part's headers are indexed once (decoded, unfolded) and cached on the part.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from .charsets import codec_for, decode_8bit, decode_bytes
from .model import Address

_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?]*?)\?=")
_BETWEEN_WORDS = re.compile(r"\?=[ \t\r\n]+=\?")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_MSG_ID = re.compile(r"<([^<>\s]{1,998})>")
_BARE_ADDR = re.compile(r"[^\s<>()\[\]\\,;:\"]{1,200}@[^\s<>()\[\]\\,;:\"]{1,255}")


# Set on parsed parts by the parser: the non-Latin charset the message declares for its text, used
# for raw 8-bit header bytes that are not UTF-8 (old clients write headers in it).
CHARSET_HINT = "_helpline_charset_hint"
_INDEX = "_helpline_header_index"


def _index(msg: Message) -> dict[str, list[str]]:
    """Header values by lower-cased name, decoded and unfolded once per message part."""
    index = getattr(msg, _INDEX, None)
    if index is None:
        index = {}
        hint = getattr(msg, CHARSET_HINT, None)
        for key, value in _raw_items(msg):
            index.setdefault(key.lower(), []).append(unfold(_as_text(value, hint)))
        try:
            setattr(msg, _INDEX, index)
        except AttributeError:
            pass
    return index


def set_charset_hint(msg: Message, hint: str) -> None:
    """Read this part's raw 8-bit headers with `hint` when they are not UTF-8 (see decode_8bit)."""
    setattr(msg, CHARSET_HINT, hint)
    if hasattr(msg, _INDEX):
        delattr(msg, _INDEX)


def raw_header(msg: Message, name: str) -> str | None:
    """The first raw value of header `name` (unfolded, 8-bit bytes decoded), or None if absent."""
    values = _index(msg).get(name.lower())
    return values[0] if values else None


def raw_headers(msg: Message, name: str) -> list[str]:
    """Every raw value of header `name`, in order."""
    return list(_index(msg).get(name.lower(), ()))


def header_text(msg: Message, name: str) -> str:
    """The decoded, human-readable value of header `name` ('' if absent)."""
    value = raw_header(msg, name)
    return decode_words(value).strip() if value else ""


def _raw_items(msg: Message) -> list[tuple[str, str]]:
    try:
        return [(str(k), v if isinstance(v, str) else str(v)) for k, v in msg.raw_items()]
    except Exception:  # noqa: BLE001 - a broken header list must not stop the parse
        return []


def _as_text(value: str, hint: str | None = None) -> str:
    """Header strings from BytesParser carry 8-bit bytes as surrogate escapes; decode them properly."""
    if value.isascii():
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value  # already real text (a str-parsed message)
    return decode_8bit(data, hint)


def unfold(value: str) -> str:
    """Join folded header lines (RFC 5322 section 2.2.3)."""
    return _FOLD.sub("", value).replace("\r", "").replace("\n", " ")


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded-words anywhere in `value` (also inside quotes, also malformed).

    Adjacent encoded-words are joined before decoding so that a multi-byte character split across
    two words survives; unknown charsets fall back like body text does.
    """
    if "=?" not in value:
        return value
    value = _BETWEEN_WORDS.sub("?==?", value)
    out: list[str] = []
    pos = 0
    pending: bytearray = bytearray()
    pending_charset: str | None = None
    for match in _ENCODED_WORD.finditer(value):
        if match.start() > pos:
            if pending:
                out.append(decode_bytes(bytes(pending), pending_charset)[0])
                pending, pending_charset = bytearray(), None
            out.append(value[pos : match.start()])
        charset = match.group(1).split("*", 1)[0]  # RFC 2231 language suffix: =?utf-8*de?...
        data = _word_bytes(match.group(2), match.group(3))
        if pending and codec_for(charset) != codec_for(pending_charset):
            out.append(decode_bytes(bytes(pending), pending_charset)[0])
            pending = bytearray()
        pending += data
        pending_charset = charset
        pos = match.end()
    if pending:
        out.append(decode_bytes(bytes(pending), pending_charset)[0])
    out.append(value[pos:])
    return "".join(out)


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding in "bB":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return text.encode("ascii", "replace")
    return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=False)


def addresses(msg: Message, *names: str) -> list[Address]:
    """Every address in the named headers, display names decoded, domains lower-cased."""
    found: list[Address] = []
    for name in names:
        for value in raw_headers(msg, name):
            found.extend(parse_addresses(value))
    return found


def parse_addresses(value: str) -> list[Address]:
    """Parse an address-list header value leniently; never raises."""
    if not value.strip():
        return []
    pairs = _getaddresses(value)
    result = []
    for name, email in pairs:
        email = normalize_email(email)
        name = decode_words(name).strip().strip("\"'").strip()
        if email or name:
            result.append(Address(name=name, email=email))
    if not any(a.email for a in result):
        # Undecodable syntax: take anything that looks like an address.
        bare = [normalize_email(m) for m in _BARE_ADDR.findall(decode_words(value))]
        if bare:
            return [Address(name="", email=e) for e in bare if e]
    return result


def _getaddresses(value: str) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses([value])
    except Exception:  # noqa: BLE001
        pairs = []
    if pairs == [("", "")] or not pairs:
        try:
            pairs = getaddresses([value], strict=False)
        except Exception:  # noqa: BLE001
            pairs = []
    return [(n, e) for n, e in pairs if n or e]


def normalize_email(email: str) -> str:
    """Lower-case the domain of an address and drop obvious junk; '' when it is not an address."""
    email = email.strip().strip("<>").strip().rstrip(".")
    if email.lower().startswith("mailto:"):
        email = email[7:]
    local, sep, domain = email.rpartition("@")
    quoted = local.startswith('"') and local.endswith('"') and len(local) > 1
    if not sep or not local or not domain or " " in domain or (" " in local and not quoted):
        return ""
    return f"{local}@{domain.lower()}"


def message_ids(value: str | None) -> list[str]:
    """Message-IDs in a Message-ID / In-Reply-To / References value, without <>, in order."""
    if not value:
        return []
    ids = _MSG_ID.findall(value)
    if not ids:
        # Some clients drop the angle brackets.
        ids = [t for t in re.split(r"[\s,]+", value) if "@" in t and len(t) < 998]
    return list(dict.fromkeys(i.strip() for i in ids if i.strip()))


def parse_date(value: str | None) -> datetime | None:
    """An aware datetime from a Date header (UTC when the zone is missing), or None."""
    if not value:
        return None
    try:
        date = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if date.tzinfo is None:
        date = date.replace(tzinfo=UTC)
    return date


def return_path(msg: Message) -> str | None:
    """The Return-Path address: None when absent, '' for the null path <>."""
    value = raw_header(msg, "Return-Path")
    if value is None:
        return None
    value = value.strip()
    if value in ("<>", "", "<<>>") or re.fullmatch(r"<\s*>", value):
        return ""
    found = parse_addresses(value)
    return found[0].email if found and found[0].email else ""


def param(msg: Message, name: str, header: str = "content-type") -> str:
    """A decoded MIME parameter (RFC 2231 continuations and charsets, RFC 2047 misuse), '' if absent."""
    value = raw_header(msg, header)
    return header_param(value, name) if value else ""


_PARAM = re.compile(r';\s*([^\s=;]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)')


def header_param(value: str, name: str) -> str:
    """Parameter `name` of a structured header value, decoded; '' when absent."""
    name = name.lower()
    plain: str | None = None
    sections: dict[int, tuple[str, bool]] = {}
    for match in _PARAM.finditer(value):
        key = match.group(1).lower()
        raw = match.group(2).strip()
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:])
        if key == name and plain is None:
            plain = raw
        elif key == name + "*":
            sections[0] = (raw, True)
        elif key.startswith(name + "*"):
            index, star, _ = key[len(name) + 1 :].partition("*")
            if index.isdigit():
                sections.setdefault(int(index), (raw, bool(star)))
    if sections:
        return _rfc2231(sections)
    return decode_words(plain).strip() if plain else ""


def _rfc2231(sections: dict[int, tuple[str, bool]]) -> str:
    charset = "utf-8"
    data = bytearray()
    for position, index in enumerate(sorted(sections)):
        text, encoded = sections[index]
        if position == 0 and encoded and text.count("'") >= 2:
            charset, _lang, text = text.split("'", 2)
        data += unquote_to_bytes(text) if encoded else text.encode("utf-8", "surrogateescape")
    return decode_bytes(bytes(data), charset or "utf-8")[0].strip()


def content_type(msg: Message) -> str:
    """The part's content type, lower-cased; the default type when missing or malformed."""
    value = raw_header(msg, "Content-Type")
    if value:
        ctype = value.split(";", 1)[0].strip().strip('"').lower()
        if re.fullmatch(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+", ctype):
            return ctype
    try:
        return msg.get_default_type()
    except Exception:  # noqa: BLE001
        return "text/plain"


def disposition(msg: Message) -> str:
    """'attachment', 'inline' or '' for a part's Content-Disposition."""
    value = raw_header(msg, "Content-Disposition") or ""
    head = value.split(";", 1)[0].strip().lower()
    return head if head in ("attachment", "inline") else ("attachment" if "attachment" in head else "")
