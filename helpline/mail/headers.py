"""Header values we write: no CR/LF or other control characters can get through, so a subject,
a name or an address can never add a header (header injection), and subjects keep one "Re:"."""

from __future__ import annotations

import re
from email.headerregistry import Address as HeaderAddress

_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_ADDRESS = re.compile(r"^[^@\s<>\"(),;:\[\]\\]+@[^@\s<>\"(),;:\[\]\\]+\.[^@\s<>\"(),;:\[\]\\]+$")
_TAG = re.compile(r"\[#(\d{1,18})\]")
# "Re:", "RE:", "Aw:", "Sv:", "Antw:", "Re[2]:", "Réf.:", "回复:"… once or many times at the start.
_REPLY_PREFIX = re.compile(
    r"^\s*((re|aw|sv|vs|antw|odp|ynt|res|réf\.?|ref|回复|答复)(\[\d+\]|\(\d+\))?\s*[:：]\s*)+", re.IGNORECASE
)
MAX_HEADER_CHARS = 900


def header_clean(value: object, *, max_chars: int = MAX_HEADER_CHARS) -> str:
    """One line of text safe to put in a header: control characters become spaces, runs of
    whitespace become one space, and the value is cut to `max_chars`."""
    text = _CONTROL.sub(" ", str(value or ""))
    return " ".join(text.split())[:max_chars]


def address_clean(address: object) -> str | None:
    """The address lower-cased when it is a plain, safe `local@domain`; None otherwise."""
    text = str(address or "").strip().lower()
    if not text or len(text) > 320 or _CONTROL.search(text) or not _ADDRESS.match(text):
        return None
    return text


def header_address(email: str, name: str = "") -> HeaderAddress:
    """A header address object; ValueError when `email` is not a safe address."""
    clean = address_clean(email)
    if clean is None:
        raise ValueError(f"Not a usable e-mail address: {email!r}")
    local, _, domain = clean.rpartition("@")
    return HeaderAddress(display_name=header_clean(name, max_chars=200), username=local, domain=domain)


def subject_ticket_number(subject: str) -> int | None:
    """The ticket number of a `[#1042]` tag in the subject (the last one), or None."""
    found = _TAG.findall(subject or "")
    return int(found[-1]) if found else None


def subject_base(subject: str) -> str:
    """The customer's words: reply prefixes and our ticket tags removed."""
    text = _TAG.sub(" ", header_clean(subject))
    previous = None
    while previous != text:
        previous = text
        text = _REPLY_PREFIX.sub("", text).strip()
    return " ".join(text.split())


def subject_reply(subject: str, number: int) -> str:
    """`Re: <the customer's words> [#number]` with exactly one "Re:" and one tag."""
    base = subject_base(subject) or "Your request"
    return header_clean(f"Re: {base} [#{number}]")


def subject_tagged(subject: str, number: int) -> str:
    """The subject with our ticket tag (no "Re:"), for mails that start a conversation."""
    base = subject_base(subject) or "Your request"
    return header_clean(f"{base} [#{number}]")
