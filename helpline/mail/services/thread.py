"""Which ticket an inbound mail belongs to, in the issue's order, never on subject text alone.

1. In-Reply-To / References (newest first) name a message of a ticket (ours or theirs);
2. one of them is a Message-ID of ours whose HMAC checks out (no database row needed);
3. a recipient is our reply address with a valid token;
4. the subject carries `[#1042]` and the sender is that ticket's requester, a CC, or an agent;
5. otherwise no ticket: the caller opens a new one.

Tokens whose HMAC is wrong are reported as forged and never trusted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from helpline.accounts.models import Agent
from helpline.core.prepared import INT_PLACEHOLDER, PreparedQuery
from helpline.customers.models import ContactIdentity
from helpline.mail.headers import subject_ticket_number
from helpline.mail.tokens import Token, message_id_token, reply_address_token
from helpline.tickets.models import Message, Ticket

MAX_REFERENCES_LOOKED_UP = 50
MAX_MERGE_HOPS = 10


@dataclass
class ThreadMatch:
    """The ticket found (None: a new one), how, and what the tokens said."""

    ticket: Ticket | None = None
    how: str = ""
    # Ticket numbers named by valid tokens: mail from an agent counts as the agent's only then.
    verified_numbers: set[int] = field(default_factory=set)
    token_kinds: set[str] = field(default_factory=set)
    forged: list[str] = field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.ticket is not None and self.ticket.number in self.verified_numbers


def thread_ids(in_reply_to: Iterable[str], references: Iterable[str]) -> list[str]:
    """The Message-IDs a mail answers, the most telling first: In-Reply-To, then References newest first."""
    return list(dict.fromkeys([*in_reply_to, *reversed(list(references))]))[:MAX_REFERENCES_LOOKED_UP]


def stored_message_tickets(ids: Iterable[str]) -> dict[str, int]:
    """The ticket id of each of `ids` that a stored message carries (the earliest such message
    wins); one narrow query."""
    wanted = [i for i in dict.fromkeys(ids) if i]
    if not wanted:
        return {}
    # Asked for every inbound mail: SQL written here rather than compiled by the ORM each time.
    table = Message._meta.db_table
    sql = (
        f"SELECT message_id, ticket_id FROM {table} WHERE message_id IN ({', '.join(['%s'] * len(wanted))}) "  # noqa: S608
        "ORDER BY created_at, id"
    )
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, wanted)
        for message_id, ticket_id in cursor.fetchall():
            found.setdefault(message_id, ticket_id)
    return found


def thread_find(*, in_reply_to: Iterable[str], references: Iterable[str], recipients: Iterable[str],
                subject: str, sender: str, stored: dict[str, int] | None = None) -> ThreadMatch:  # fmt: skip
    """Find the ticket of an inbound mail (see the module's docstring for the order). `stored`:
    `stored_message_tickets` of the mail's thread ids, when the caller looked them up already."""
    ids = thread_ids(in_reply_to, references)
    match = ThreadMatch()
    id_tokens = [(ref, message_id_token(ref)) for ref in ids]
    address_tokens = [(addr, reply_address_token(addr)) for addr in recipients]
    for value, token in [*id_tokens, *address_tokens]:
        _note_token(match, value, token)

    found = stored_message_tickets(ids) if stored is None else stored
    ticket_id = next((found[ref] for ref in ids if ref in found), None)
    threaded = next(iter(_TICKET_WITH_TEAM(pk=ticket_id)), None) if ticket_id is not None else None
    if threaded is not None:
        return _found(match, threaded, "references")
    for _, token in id_tokens:
        if token is not None and token.valid and (ticket := _by_number(token.number)) is not None:
            return _found(match, ticket, "message-id token")
    for _, token in address_tokens:
        if token is not None and token.valid and (ticket := _by_number(token.number)) is not None:
            return _found(match, ticket, "reply address token")
    number = subject_ticket_number(subject)
    if number is not None and (ticket := _by_number(number)) is not None and _may_use_tag(ticket, sender):
        return _found(match, ticket, "subject tag")
    return match


# Every reply by mail reads its ticket: compiled once (helpline/core/prepared.py).
_TICKET_WITH_TEAM = PreparedQuery(
    lambda pk: Ticket.objects.select_related("team").filter(pk=pk).order_by(), pk=INT_PLACEHOLDER
)


def _note_token(match: ThreadMatch, value: str, token: Token | None) -> None:
    if token is None:
        return
    if token.valid:
        match.verified_numbers.add(token.number)
        match.token_kinds.add(token.kind)
    else:
        match.forged.append(value)


def _found(match: ThreadMatch, ticket: Ticket, how: str) -> ThreadMatch:
    match.ticket = _follow_merges(ticket)
    match.how = how
    if match.ticket.pk != ticket.pk and ticket.number in match.verified_numbers:
        match.verified_numbers.add(match.ticket.number)
    return match


def _by_number(number: int) -> Ticket | None:
    return Ticket.objects.select_related("team").filter(number=number).first()


def _follow_merges(ticket: Ticket) -> Ticket:
    hops = 0
    while ticket.merged_into_id and hops < MAX_MERGE_HOPS:
        ticket = Ticket.objects.select_related("team").get(pk=ticket.merged_into_id)
        hops += 1
    return ticket


def _may_use_tag(ticket: Ticket, sender: str) -> bool:
    """A subject tag counts only from the requester, a CC, or an agent (never from a stranger)."""
    if not sender:
        return False
    customers = [ticket.requester_id, *ticket.ccs.values_list("id", flat=True)]
    identities = ContactIdentity.objects.filter(kind=ContactIdentity.Kind.EMAIL, value=sender)
    if identities.filter(customer_id__in=customers).exists():
        return True
    return Agent.objects.filter(email__iexact=sender, is_active=True).exists()
