"""Sender block and allow lists, and "mark as spam" that teaches the block list."""

from __future__ import annotations

from django.db import transaction

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor, can_manage
from helpline.audit.services import event_record
from helpline.core.errors import InvalidInput, PermissionDenied
from helpline.core.prepared import PreparedQuery
from helpline.customers.models import ContactIdentity
from helpline.mail.headers import address_clean
from helpline.mail.models import SenderRule
from helpline.tickets.models import Ticket
from helpline.tickets.services import ticket_spam

# Asked for every inbound message: compiled once (helpline/core/prepared.py).
_RULES = PreparedQuery(
    lambda address, domain: SenderRule.objects.filter(pattern__in=[address, domain]).order_by(),
    address="\x00address\x00",
    domain="\x00domain\x00",
)


def sender_rule_for(address: str) -> SenderRule | None:
    """The rule that decides about this sender: an address rule before a domain rule, and at the
    same level allow before block; None when no rule names it."""
    address = (address or "").strip().lower()
    if "@" not in address:
        return None
    domain = "@" + address.rsplit("@", 1)[1]
    rules = list(_RULES(address=address, domain=domain))
    rules.sort(key=lambda r: (r.pattern != address, r.action != SenderRule.Action.ALLOW))
    return rules[0] if rules else None


def pattern_normalize(pattern: str) -> str:
    """`someone@example.com` or `@example.com`, lower-cased; InvalidInput otherwise."""
    value = (pattern or "").strip().lower()
    if value.startswith("@"):
        domain = value[1:]
        if domain and "." in domain and address_clean(f"x@{domain}"):
            return value
    elif address_clean(value):
        return value
    raise InvalidInput(f"'{pattern}' is neither an e-mail address nor @domain.")


def sender_rule_set(*, actor: Actor | None, pattern: str, action: str, note: str = "") -> SenderRule:
    """Create or change the rule for an address or a domain (admins only); an event records it."""
    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Only admins change the sender lists.")
    if action not in SenderRule.Action.values:
        raise InvalidInput(f"'{action}' is not one of {', '.join(SenderRule.Action.values)}.")
    value = pattern_normalize(pattern)
    with transaction.atomic():
        rule, _ = SenderRule.objects.update_or_create(
            pattern=value,
            defaults={"action": action, "note": note[:500], "created_by": actor if isinstance(actor, Agent) else None},
        )
        event_record(
            actor=actor, entity="sender_rule", entity_id=rule.pk, kind="mail.sender_rule_set",
            after={"pattern": value, "action": action},
        )  # fmt: skip
    return rule


def ticket_spam_and_block(*, actor: Actor | None, ticket: Ticket | int) -> Ticket:
    """Mark a ticket as spam and block its requester's e-mail addresses, so their next mail is ignored.

    Agents who may change the ticket do it; an address with an allow rule is left alone.
    """
    pk = ticket if isinstance(ticket, int) else ticket.pk
    with transaction.atomic():
        locked = ticket_spam(actor=actor, ticket=pk)  # checks that the actor may change it
        addresses = ContactIdentity.objects.filter(
            customer_id=locked.requester_id, kind=ContactIdentity.Kind.EMAIL
        ).values_list("value", flat=True)
        for address in addresses:
            existing = SenderRule.objects.filter(pattern=address).first()
            if existing is None:
                rule = SenderRule.objects.create(
                    pattern=address,
                    action=SenderRule.Action.BLOCK,
                    note=f"Ticket #{locked.number} marked as spam",
                    created_by=actor if isinstance(actor, Agent) else None,
                )
                event_record(
                    actor=actor, ticket=locked, entity="sender_rule", entity_id=rule.pk,
                    kind="mail.sender_blocked", after={"pattern": address},
                )  # fmt: skip
    return locked
