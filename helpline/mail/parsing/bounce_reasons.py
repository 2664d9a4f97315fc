"""Why a delivery failed, as a code compatible with sisimai's reason names.

First the remote server's words (ordered phrase table: the specific before the generic), then
the RFC 3463 enhanced status code, then the action. The names are sisimai's (userunknown,
mailboxfull, expired, ...) so reports and dashboards can use the vocabulary people know.
"""

from __future__ import annotations

import re

from .bounce_phrases import PHRASES

# Reasons that say the address itself is unusable: the contact address is marked as failing.
HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved"})


# RFC 3463 subject.detail -> reason, for when the words said nothing we recognise.
_STATUS: dict[str, str] = {
    "1.0": "userunknown",
    "1.1": "userunknown",
    "1.2": "hostunknown",
    "1.3": "userunknown",
    "1.4": "userunknown",
    "1.6": "hasmoved",
    "1.7": "rejected",
    "1.8": "rejected",
    "1.10": "userunknown",
    "2.0": "filtered",
    "2.1": "filtered",
    "2.2": "mailboxfull",
    "2.3": "exceedlimit",
    "2.4": "systemerror",
    "3.0": "systemerror",
    "3.1": "systemfull",
    "3.2": "notaccept",
    "3.3": "systemerror",
    "3.4": "mesgtoobig",
    "3.5": "systemerror",
    "4.0": "networkerror",
    "4.1": "expired",
    "4.2": "networkerror",
    "4.3": "systemerror",
    "4.4": "hostunknown",
    "4.5": "systemfull",
    "4.6": "networkerror",
    "4.7": "expired",
    "5.0": "syntaxerror",
    "5.1": "syntaxerror",
    "5.2": "syntaxerror",
    "5.3": "exceedlimit",
    "5.4": "syntaxerror",
    "5.5": "syntaxerror",
    "5.6": "syntaxerror",
    "6.0": "contenterror",
    "6.1": "contenterror",
    "6.2": "contenterror",
    "6.3": "contenterror",
    "6.4": "contenterror",
    "6.5": "contenterror",
    "6.6": "contenterror",
    "6.7": "contenterror",
    "7.0": "securityerror",
    "7.1": "securityerror",
    "7.2": "securityerror",
    "7.3": "securityerror",
    "7.4": "securityerror",
    "7.5": "securityerror",
    "7.6": "securityerror",
    "7.7": "policyviolation",
    "7.8": "authfailure",
    "7.9": "securityerror",
    "7.13": "suspend",
    "7.14": "securityerror",
    "7.15": "securityerror",
    "7.17": "suspend",
    "7.18": "suspend",
    "7.20": "authfailure",
    "7.21": "authfailure",
    "7.22": "authfailure",
    "7.23": "authfailure",
    "7.24": "authfailure",
    "7.25": "requireptr",
    "7.26": "authfailure",
    "7.27": "notaccept",
    "7.28": "blocked",
}
_STATUS_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
# "after RCPT", "in reply to MAIL", ">>> DATA"; whole words, so "your mail client" names no command.
_AT = r"(?:\bin\s+reply\s+to|\bafter|\bour|>>>)\s+"
_COMMANDS = [
    (
        "RCPT",
        re.compile(_AT + r"RCPT|RCPT\s+(?:TO\s+)?command|\[RCPT_TO\]|RCPT\s+TO:<", re.I),
    ),
    ("MAIL", re.compile(_AT + r"MAIL|\[MAIL_FROM\]|but\s+sender\s+was\s+rejected", re.I)),
    ("DATA", re.compile(_AT + r"(?:end\s+of\s+)?DATA|\[DATA\]", re.I)),
    (
        "HELO",
        re.compile(
            r"(?:\bin\s+reply\s+to|\bafter|>>>)\s+(?:HELO|EHLO)|initial\s+connection|my\s+name\s+was\s+rejected", re.I
        ),
    ),
]
# First pass (when the server's own words are SMTP ones): the reasons a status code or the words
# decide on their own, most specific first. Second pass: the status code, then the rest.
_FIRST = [
    "mailboxfull",
    "mesgtoobig",
    "exceedlimit",
    "suspend",
    "hasmoved",
    "norelaying",
    "authfailure",
    "requireptr",
    "badreputation",
    "notcompliantrfc",
    "speeding",
    "notaccept",
    "userunknown",
    "filtered",
    "hostunknown",
    "expired",
    "rejected",
    "virusdetected",
    "spamdetected",
    "toomanyconn",
    "blocked",
    "mailererror",
]
_SECOND = [
    "mailboxfull",
    "spamdetected",
    "policyviolation",
    "virusdetected",
    "securityerror",
    "systemerror",
    "networkerror",
    "suspend",
    "expired",
    "contenterror",
    "systemfull",
    "notaccept",
    "mailererror",
    "syntaxerror",
]
_UNSURE = {"", "undefined", "onhold", "systemerror", "securityerror", "networkerror", "userunknown"}


def find_status(text: str) -> str:
    """The first RFC 3463 enhanced status code in a text ('' if none)."""
    match = _STATUS_CODE.search(text)
    return ".".join(match.groups()) if match else ""


def smtp_command(text: str) -> str:
    """The SMTP stage the remote server refused at: RCPT, MAIL, DATA, HELO, or '' when not said."""
    found = [(m.start(), name) for name, pattern in _COMMANDS for m in pattern.finditer(text)]
    return max(found)[1] if found else ""


def status_reason(status: str) -> str:
    """The reason an RFC 3463 code names ('' for x.0.0 and unknown codes)."""
    _cls, subject, detail = (status.split(".") + ["", "", ""])[:3]
    if subject == "0":
        return ""
    # An unlisted detail falls back to its subject's x.0 meaning, except for addresses, where
    # x.1.0 (unknown address) is too strong a reading of a code we do not know.
    return _STATUS.get(f"{subject}.{detail}") or ("" if subject == "1" else _STATUS.get(f"{subject}.0", ""))


def _says(reason: str, words: str) -> bool:
    pattern = PHRASES.get(reason)
    return bool(pattern and pattern.search(words))


def _first_pass(reason: str, named: str, words: str, command: str) -> bool:
    if reason in ("userunknown", "hostunknown") and command == "MAIL":
        return False  # refused at MAIL FROM: an unknown user or domain there is our sender's, not the recipient's
    if reason == "userunknown":
        if named == "userunknown":
            return not any(_says(r, words) for r in ("norelaying", "blocked", "mailboxfull", "hasmoved", "rejected"))
        return command != "DATA" and _says(reason, words)
    if reason == "filtered":
        # "User unknown" said only after the message text was sent is a filter, not a missing mailbox.
        return named == "filtered" or _says("filtered", words) or (command == "DATA" and _says("userunknown", words))
    if reason == "rejected":
        return named == "rejected" or (command == "MAIL" and not _says("blocked", words)) or _says(reason, words)
    if reason == "blocked" and command == "HELO":
        return True
    if reason == "expired" and command == "HELO":
        return False  # refused at the greeting: blocked, however long the queue tried
    return named == reason or _says(reason, words)


def classify(
    status: str, diagnostic: str, action: str, context: str = "", diagnostic_type: str = "", recipient: str = ""
) -> str:
    """The sisimai-compatible reason for one failed (or delayed, or delivered) recipient."""
    action = action.lower()
    if action in ("delivered", "relayed", "expanded") or status.startswith("2."):
        return "delivered"
    if recipient.lower().endswith("@googlegroups.com") and not status_reason(status):
        return "rejected"  # Google Groups refuses posts from non-members in many languages
    words = " ".join((diagnostic or context).split())
    named = status_reason(status)
    command = smtp_command(f"{diagnostic}\n{context}")
    if diagnostic_type.lower() == "x-unix":  # a local delivery program failed
        return "mailboxfull" if _says("mailboxfull", words) else "mailererror"
    for reason in _FIRST:
        if _first_pass(reason, named, words, command):
            if reason == "hostunknown" and (
                status.startswith("4.") or re.search(r"not\s+found,\s+try\s+again", words, re.I)
            ):
                return "networkerror"  # a DNS answer that may change: try again later
            return reason
    if action == "delayed" and named == "syntaxerror":
        return "expired"
    if named not in _UNSURE:
        return named
    for reason in _SECOND:
        if _says(reason, words):
            return reason
    if named:
        return named
    if action == "delayed" or status.startswith("4."):
        return "expired"
    return "onhold" if words else "undefined"
