"""What processing one inbound mail came to: the state it ends in, why, and where it went."""

from __future__ import annotations

from dataclasses import dataclass

from helpline.mail.models import InboundMail
from helpline.tickets.models import Message, Ticket


@dataclass
class Outcome:
    State = InboundMail.State

    state: str
    reason: str
    ticket: Ticket | None = None
    message: Message | None = None
