"""Tokens that tie a mail to its ticket without a database hit, and that nobody can forge.

Our Message-IDs look like `hl-r1042.55.7d1c9a0b3e5f2a6d@example.com` (kind, ticket number, a
unique part, HMAC) and our Reply-To addresses like `support+t1042-5f0c2a9e1b@example.com`. The
HMAC keys derive from SECRET_KEY; everything is lower-case because some servers lower-case local parts.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass

from django.utils.crypto import get_random_string, salted_hmac

# Kinds of message we send: an agent reply (r), an acknowledgement (a), an agent notification (n),
# a "you were mentioned" notification (m: answering it writes a note), a "too large" notice (o).
KINDS = frozenset("ranmo")

_MESSAGE_ID_SALT = "helpline.mail.message-id"
_ADDRESS_SALT = "helpline.mail.reply-address"
_MESSAGE_ID = re.compile(r"^hl-([a-z])(\d{1,18})\.([0-9a-z]{1,32})\.([0-9a-z]{1,64})@", re.IGNORECASE)
_ADDRESS_TOKEN = re.compile(r"^([^@+]+)\+t(\d{1,18})-([0-9a-z]{1,64})@(.+)$", re.IGNORECASE)
_MESSAGE_ID_MAC_CHARS = 16
_ADDRESS_MAC_CHARS = 10


@dataclass(frozen=True)
class Token:
    """What a token says: the ticket number, the kind of mail, and whether its HMAC is ours."""

    number: int
    kind: str
    valid: bool


def _mac(salt: str, value: str, length: int) -> str:
    return salted_hmac(salt, value, algorithm="sha256").hexdigest()[:length]


def message_id_make(*, kind: str, number: int, domain: str, unique: str | int | None = None) -> str:
    """A Message-ID (without <>) for a mail of `kind` about ticket `number`."""
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of outgoing mail: {kind!r}")
    part = str(unique) if unique is not None else get_random_string(12, "abcdefghijklmnopqrstuvwxyz0123456789")
    body = f"{kind}{int(number)}.{part.lower()}"
    return f"hl-{body}.{_mac(_MESSAGE_ID_SALT, body, _MESSAGE_ID_MAC_CHARS)}@{domain.lower()}"


def message_id_token(message_id: str) -> Token | None:
    """The token of a Message-ID of ours, `valid=False` when the HMAC is wrong; None if not our form."""
    match = _MESSAGE_ID.match((message_id or "").strip().strip("<>"))
    if match is None:
        return None
    kind, number, part, mac = (g.lower() for g in match.groups())
    expected = _mac(_MESSAGE_ID_SALT, f"{kind}{number}.{part}", _MESSAGE_ID_MAC_CHARS)
    return Token(number=int(number), kind=kind, valid=kind in KINDS and hmac.compare_digest(mac, expected))


def reply_address_make(address: str, number: int) -> str:
    """The mailbox address with the ticket's token: `support+t1042-<hmac>@example.com`."""
    local, _, domain = address.lower().partition("@")
    local = local.split("+", 1)[0]
    return f"{local}+t{int(number)}-{_mac(_ADDRESS_SALT, f't{int(number)}', _ADDRESS_MAC_CHARS)}@{domain}"


def reply_address_token(address: str) -> Token | None:
    """The token of a reply address of ours, `valid=False` when forged; None if it has none."""
    match = _ADDRESS_TOKEN.match((address or "").strip().lower())
    if match is None:
        return None
    _, number, mac, _ = match.groups()
    expected = _mac(_ADDRESS_SALT, f"t{number}", _ADDRESS_MAC_CHARS)
    return Token(number=int(number), kind="t", valid=hmac.compare_digest(mac, expected))


def address_base(address: str) -> str:
    """`support+t1042-abc@example.com` → `support@example.com` (lower-case)."""
    local, _, domain = (address or "").strip().lower().partition("@")
    return f"{local.split('+', 1)[0]}@{domain}" if domain else local
