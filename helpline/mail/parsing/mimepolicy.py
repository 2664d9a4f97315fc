"""The email policy this library parses and re-serializes with."""

from __future__ import annotations

from email.policy import EmailPolicy


class RawHeaderPolicy(EmailPolicy):
    """`policy.default`, except that reading a header hands back its raw string.

    This library decodes every header itself, leniently (headers.py); the structured parse that
    policy.default runs on each read raises on some broken input and is the costliest step of
    reading a message (the parse of a typical 20 KB message is four times faster without it).
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


# Parsing.
POLICY = RawHeaderPolicy()
# Writing an enclosed message back out (the .eml attachment, CRLF as RFC 5322 wants): headers as
# they came, 8-bit bytes included, never re-folded.
VERBATIM = RawHeaderPolicy(refold_source="none", linesep="\r\n", max_line_length=None)
