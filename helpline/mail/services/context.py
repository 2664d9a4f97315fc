"""One inbound mail as the pipeline sees it: the parsed message, its mailbox, who sent it, who
else it went to, and what is written down about it on the ticket's message."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from helpline.mail.headers import address_clean, header_clean
from helpline.mail.models import InboundMail, Mailbox
from helpline.mail.parsing import Address, ParsedMail
from helpline.mail.tokens import address_base
from helpline.tickets.services.messages import MAX_BODY_CHARS

EMPTY_BODY = "(This message has no text.)"
MAX_CCS = 20


@dataclass
class MailContext:
    inbound: InboundMail
    parsed: ParsedMail
    mailbox: Mailbox | None
    own: set[str]
    sender: str = ""
    sender_name: str = ""
    automated: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def message_id(self) -> str:
        """The mail's Message-ID, or the one synthesised when it had none (so a retry finds it)."""
        return self.parsed.message_id or self.inbound.message_id

    def recipients(self) -> list[str]:
        """Every address it was delivered to: envelope, Delivered-To, To, Cc (lower-case)."""
        found = [*self.inbound.envelope_recipients, *self.parsed.delivered_to]
        found += [a.email for a in (*self.parsed.to, *self.parsed.cc)]
        return list(dict.fromkeys(a.strip().lower() for a in found if a and "@" in a))

    def is_own(self, address: str) -> bool:
        return address_base(address) in self.own

    def others(self) -> list[Address]:
        """To and Cc people other than the sender and our own addresses (at most MAX_CCS)."""
        seen = {self.sender}
        people = []
        for person in (*self.parsed.to, *self.parsed.cc):
            email = address_clean(person.email)
            if email is None or email in seen or self.is_own(email):
                continue
            seen.add(email)
            people.append(Address(name=header_clean(person.name, max_chars=200), email=email))
        return people[:MAX_CCS]

    def metadata(self, **extra: Any) -> dict[str, Any]:
        """What the ticket's message keeps about the mail, under the key `mail`."""
        parsed = self.parsed
        mail = {
            "inbound_id": self.inbound.pk,
            "mailbox_id": self.mailbox.pk if self.mailbox else None,
            "source": self.inbound.source,
            "from": [self.sender_name, self.sender],
            "to": [[a.name, a.email] for a in parsed.to][:MAX_CCS],
            "cc": [[a.name, a.email] for a in parsed.cc][:MAX_CCS],
            "subject": header_clean(parsed.subject, max_chars=500),
            "date": parsed.date.isoformat() if parsed.date else None,
            "automated": self.automated,
            "defects": parsed.defects[:20],
            "blocked_images": parsed.blocked_images,
            **self.notes,
            **extra,
        }
        return {"mail": mail}

    def bodies(self, html: str, text: str | None = None) -> tuple[str, str]:
        """Text (the mail's, unless given) and HTML within the tickets' limits; an empty mail gets
        a placeholder text."""
        text = (self.parsed.text or "") if text is None else text
        if len(text) > MAX_BODY_CHARS:
            text = text[: MAX_BODY_CHARS - 100] + "\n\n[… cut: the full text is in the original message]"
        if len(html) > MAX_BODY_CHARS:
            html = ""
        if not text.strip() and not html.strip():
            text = EMPTY_BODY
        return text, html


def sender_of(parsed: ParsedMail) -> tuple[str, str]:
    """(address, display name) of the person the mail is from; '' when it has no usable From."""
    address = address_clean(parsed.sender.email) if parsed.sender else None
    return (address or "", header_clean(parsed.sender.name, max_chars=200) if address else "")
