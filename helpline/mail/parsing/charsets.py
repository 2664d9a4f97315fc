"""Turn bytes in whatever charset a mail declares into text, and never fail doing it.

The order follows the WHATWG encoding standard and what mail clients do: the declared charset
through an alias map (labels mail software really sends, including misspellings), then UTF-8,
then windows-1252, always with replacement characters as the last resort.
"""

from __future__ import annotations

import codecs
import functools
import re

# Labels seen in real mail mapped to the Python codec that decodes them best. Supersets are
# preferred on purpose: a message labelled gb2312 or shift_jis is nearly always written by
# software that used the vendor extension of that charset.
_ALIASES: dict[str, str] = {
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "windows-1252": "cp1252",
    "cp-1252": "cp1252",
    "x-ansi": "cp1252",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-8-e": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "iso-8859-6-e": "iso8859_6",
    "iso-8859-11": "cp874",
    "tis-620": "cp874",
    "windows-874": "cp874",
    "gb2312": "gb18030",
    "iso-gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "x-gbk": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "euc-kr": "cp949",
    "x-euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "unicode-1-1-utf-7": "utf-7",
    "x-unicode-2-0-utf-7": "utf-7",
    "utf7": "utf-7",
    "uft-8": "utf-8",
    "utf8": "utf-8",
    "x-utf-8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "unicode": "utf-16",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-ce": "mac_latin2",
    "x-mac-greek": "mac_greek",
    "x-mac-turkish": "mac_turkish",
    "koi8-ru": "koi8_u",
    "cp-850": "cp850",
    "ibm850": "cp850",
    "cp-866": "cp866",
    "ibm866": "cp866",
}

# Japanese 7-bit mail often contains vendor characters the strict codec refuses; these
# supersets are tried in turn (Zammad does the same with ISO-2022-JP-KDDI and Shift_JIS).
_JAPANESE_FALLBACKS = ("iso2022_jp_2", "iso2022_jp_ext", "iso2022_jp_2004", "iso2022_jp_3", "x-iso2022jp-via-euc")

# Labels that say "no idea": sniff instead of trusting them.
_UNKNOWN_LABELS = frozenset({"", "x-unknown", "unknown", "unknown-8bit", "x-user-defined", "default", "none", "8bit"})


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejects as windows-1252: mixed UTF-8/Latin-1 text reads right."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    return chunk.decode("cp1252", errors="replace"), error.end


codecs.register_error("helpline-cp1252", _cp1252_fallback)

_LABEL_JUNK = re.compile(r"[^a-z0-9_.:+\-]")


@functools.lru_cache(maxsize=256)
def codec_for(label: str | None) -> str | None:
    """The Python codec name for a declared charset label, or None when it is unknown or unusable."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    # Garbage after the name ("utf-8; format=flowed" mangled into the value, "utf-8?") is cut off.
    name = _LABEL_JUNK.split(name, maxsplit=1)[0].rstrip(".:")
    if name in _UNKNOWN_LABELS:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    # Codecs that turn bytes into bytes (base64, zlib, rot13...) are not text charsets.
    if info.name in {"base64", "bz2", "hex", "quopri", "uu", "zlib", "rot-13"}:
        return None
    return info.name


def decode_bytes(data: bytes, charset: str | None = None) -> tuple[str, str]:
    """Decode `data` declared as `charset`; return the text and a defect note ('' when clean).

    The declared charset wins when it decodes cleanly. Otherwise UTF-8, then windows-1252 (which
    maps every byte), with the declared codec and replacement characters as the very last resort.
    """
    if not data:
        return "", ""
    codec = codec_for(charset)
    if data.isascii() and codec not in ("utf-7", "utf-16", "utf-32", "hz") and not codec_is_7bit_stateful(codec):
        return data.decode("ascii"), ""
    defect = ""
    if charset and codec is None and charset.strip().lower() not in _UNKNOWN_LABELS:
        defect = f"unknown charset {charset.strip()[:40]!r}"
    candidates: list[str] = []
    if codec is not None:
        if codec == "cp1252" and _looks_like_utf8(data):
            # A message labelled ASCII/Latin-1 whose bytes form valid multi-byte UTF-8 is UTF-8.
            candidates.append("utf-8")
        candidates.append(codec)
        if codec.startswith("iso2022_jp"):
            candidates.extend(_JAPANESE_FALLBACKS)
    candidates.append("utf-8")
    for name in dict.fromkeys(candidates):
        try:
            text = _iso2022jp_via_euc(data) if name == "x-iso2022jp-via-euc" else data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        superset = name in _JAPANESE_FALLBACKS or (codec == "cp1252" and name == "utf-8")
        if codec is not None and name != codec and not superset:
            defect = defect or f"text is not valid {charset}; read as {name}"
        return text, defect
    # Mixed UTF-8 and Latin-1 (or plain Latin-1): each byte UTF-8 rejects is read as windows-1252.
    text = data.decode("utf-8", "helpline-cp1252")
    if codec is not None and codec != "cp1252":
        defect = defect or f"text is not valid {charset}; read as UTF-8 and windows-1252"
    return text, defect


def codec_is_7bit_stateful(codec: str | None) -> bool:
    """Whether the codec is a 7-bit escape-sequence encoding (ASCII bytes that are not ASCII text)."""
    return bool(codec) and codec.startswith("iso2022")  # type: ignore[union-attr]


_JIS_ESCAPES = {
    b"\x1b(B": "ascii",
    b"\x1b(J": "ascii",
    b"\x1b(I": "kana",
    b"\x1b$@": "x0208",
    b"\x1b$B": "x0208",
    b"\x1b$(D": "x0212",
    b"\x1b$(Q": "x0208",
    b"\x1b$(O": "x0208",
}


def _iso2022jp_via_euc(data: bytes) -> str:
    """ISO-2022-JP with vendor characters (NEC row 13: circled digits...) that the codecs refuse.

    The 7-bit JIS code points are moved to EUC-JP, whose JIS X 0213 codec knows those rows.
    """
    out = bytearray()
    mode = "ascii"
    pos = 0
    while pos < len(data):
        if data[pos] == 0x1B:
            for escape, new_mode in _JIS_ESCAPES.items():
                if data.startswith(escape, pos):
                    mode, pos = new_mode, pos + len(escape)
                    break
            else:
                raise UnicodeDecodeError("iso2022_jp", data, pos, pos + 1, "unknown escape")
            continue
        byte = data[pos]
        if mode == "ascii" or byte < 0x21 or byte > 0x7E:
            out.append(byte)
            pos += 1
        elif mode == "kana":
            out += bytes((0x8E, byte | 0x80))
            pos += 1
        else:
            pair = data[pos : pos + 2]
            out += (b"\x8f" if mode == "x0212" else b"") + bytes(b | 0x80 for b in pair)
            pos += 2
    return out.decode("euc_jis_2004", errors="replace")


def _looks_like_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


_MULTIBYTE = frozenset({"gb18030", "big5hkscs", "cp949", "cp932", "euc_jis_2004", "hz"})


def decode_8bit(data: bytes, hint: str | None = None) -> str:
    """Raw 8-bit header bytes: UTF-8 (RFC 6532); else the charset the message declares for its text
    (old clients write headers in it; a multi-byte one only when the bytes are mostly non-ASCII
    and decode strictly); else windows-1252 for the bytes UTF-8 rejects."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = codec_for(hint)
    plausible = codec not in _MULTIBYTE or sum(b >= 0x80 for b in data) * 5 >= len(data) * 2
    if codec and codec not in ("utf-8", "cp1252") and plausible:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return data.decode("utf-8", "helpline-cp1252")
