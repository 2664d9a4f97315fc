"""Filling a canned response's placeholders for one ticket.

A tiny whitelist substitution, never a template engine: a response's text is written by agents,
and the values (a requester's name, a subject) come from customers. Unknown placeholders stay as
they are; values are inserted once and never read again, so a subject that itself looks like a
placeholder stays text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from helpline.accounts.models import Agent
from helpline.tickets.models import Ticket

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")


def _first_name(name: str) -> str:
    words = (name or "").split()
    return words[0] if words else ""


# name → (what it is, its value for a ticket and the agent writing)
PLACEHOLDERS: dict[str, tuple[str | Promise, Callable[[Ticket, Agent], str]]] = {
    "requester.name": (_("The requester's name"), lambda t, a: t.requester.name),
    "requester.first_name": (_("The requester's first name"), lambda t, a: _first_name(t.requester.name)),
    "ticket.number": (_("The ticket's number"), lambda t, a: str(t.number)),
    "ticket.subject": (_("The ticket's subject"), lambda t, a: t.subject),
    "agent.name": (_("Your name"), lambda t, a: a.name),
    "agent.first_name": (_("Your first name"), lambda t, a: _first_name(a.name)),
}


def placeholders_fill(text: str, *, ticket: Ticket, agent: Agent) -> str:
    """`text` with each known {{ placeholder }} replaced by its value for `ticket` and `agent`."""
    cache: dict[str, str] = {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        if name not in cache:
            cache[name] = PLACEHOLDERS[name][1](ticket, agent) or ""
        return cache[name]

    return PLACEHOLDER.sub(value, text)
