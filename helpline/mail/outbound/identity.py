"""Which of our addresses a mail about a ticket comes from, and who receives it."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings

from helpline.core.prepared import PreparedQuery
from helpline.customers.models import ContactIdentity
from helpline.mail.models import Mailbox
from helpline.mail.tokens import reply_address_make
from helpline.tickets.models import Message, Ticket


@dataclass(frozen=True)
class Sender:
    """The mailbox a mail leaves from (or the site's default address when there is none)."""

    address: str
    from_name: str
    name: str = ""
    signature: str = ""
    mailbox_id: int | None = None

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1]

    def reply_to(self, number: int) -> list[str]:
        """[name, address with the ticket's token] for Reply-To."""
        return [self.from_name, reply_address_make(self.address, number)]

    def from_(self) -> list[str]:
        return [self.from_name, self.address]

    def context(self) -> dict[str, str]:
        return {"name": self.name, "address": self.address, "from_name": self.from_name, "signature": self.signature}


def mailbox_sender(mailbox: Mailbox | None) -> Sender:
    """The sender for a mailbox; the site's DEFAULT_FROM_EMAIL when there is none."""
    if mailbox is not None:
        return Sender(
            address=mailbox.address.lower(),
            from_name=mailbox.from_name or mailbox.name,
            name=mailbox.name,
            signature=mailbox.signature,
            mailbox_id=mailbox.pk,
        )
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return Sender(address=(address or "helpline@localhost").lower(), from_name=name or "Helpline", name=name)


def ticket_mailbox(ticket: Ticket) -> Mailbox | None:
    """The mailbox the ticket's conversation runs through: the one its first mail came to, else
    the first active mailbox of its team, else the first active mailbox."""
    first = Message.objects.filter(ticket=ticket, metadata__has_key="mail").order_by("created_at", "id").first()
    mailbox_id = (first.metadata.get("mail") or {}).get("mailbox_id") if first is not None else None
    active = Mailbox.objects.filter(is_active=True)
    found = active.filter(pk=mailbox_id).first() if mailbox_id else None
    if found is None and ticket.team_id:
        found = active.filter(default_team_id=ticket.team_id).order_by("id").first()
    return found or active.order_by("id").first()


def ticket_sender(ticket: Ticket) -> Sender:
    return mailbox_sender(ticket_mailbox(ticket))


# Asked for every inbound message: compiled once (helpline/core/prepared.py).
_ADDRESSES = PreparedQuery(lambda: Mailbox.objects.values_list("address", "aliases").order_by())


def own_addresses() -> set[str]:
    """Every address of ours (mailboxes and their aliases), lower-case, without tokens."""
    found: set[str] = set()
    for address, aliases in _ADDRESSES():
        found.add(address.lower())
        found.update(a.lower() for a in aliases or [])
    found.add(mailbox_sender(None).address)
    return found


def ticket_recipients(ticket: Ticket) -> tuple[list[list[str]], list[list[str]]]:
    """([name, address] of the requester, [[name, address] of each CC]) — customers with an
    e-mail address that is not one of ours; the requester's primary address first."""
    ours = own_addresses()
    cc_ids = list(ticket.ccs.values_list("id", flat=True))
    rows = (
        ContactIdentity.objects.filter(kind=ContactIdentity.Kind.EMAIL, customer_id__in=[ticket.requester_id, *cc_ids])
        .select_related("customer")
        .order_by("-is_primary", "id")
    )
    to: list[list[str]] = []
    cc: list[list[str]] = []
    seen: set[int] = set()
    for identity in rows:
        if identity.customer_id in seen or identity.value in ours:
            continue
        seen.add(identity.customer_id)
        entry = [identity.customer.name, identity.value]
        (to if identity.customer_id == ticket.requester_id else cc).append(entry)
    return to, cc
