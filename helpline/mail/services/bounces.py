"""Bounces and delivery reports: a system entry on the ticket the bounced mail belonged to, and a
permanent failure marks the contact address as failing (agents see it on the customer).

A bounce never opens a ticket, never reopens one and is never acknowledged. An address is marked
only when the report answers a mail we know (a stored Message-ID or a valid token) and the address
belongs to that ticket's requester or CCs, so a forged bounce cannot mark anyone's address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from django.db.models import Q

from helpline.audit.services import event_record
from helpline.core.clock import now
from helpline.customers.models import ContactIdentity
from helpline.mail.parsing import BounceInfo, BounceRecipient
from helpline.mail.services.outcome import Outcome
from helpline.mail.services.thread import ThreadMatch
from helpline.mail.tokens import message_id_token
from helpline.tickets.models import Message, Ticket
from helpline.tickets.services import system_entry_add

State = Outcome.State


def bounce_record(*, bounce: BounceInfo, match: ThreadMatch, metadata: dict[str, Any]) -> Outcome:
    """Record a delivery report on its ticket; see the module's docstring."""
    origin, ticket = _origin(bounce.original_message_id)
    if ticket is None:
        ticket = match.ticket
    reported: Sequence[BounceRecipient | BounceInfo] = bounce.recipients or [bounce]
    failures = [r for r in reported if r.action == "failed" or r.permanent]
    if bounce.kind != "feedback" and not failures and bounce.action not in ("delayed", "failed"):
        return Outcome(State.IGNORED, f"Delivery notice ({bounce.action or 'no action'}): nothing to record")
    if ticket is None:
        return Outcome(State.IGNORED, f"Bounce about a mail we do not know ({_describe(bounce)})")
    marked = _mark_failing(ticket, [r for r in failures if r.permanent], reason=_describe(bounce))
    text = _entry_text(bounce, marked)
    entry = system_entry_add(
        ticket=ticket, body_text=text, metadata={**metadata, "bounce": asdict(bounce), "failing": marked}
    )
    if origin is not None:
        origin.metadata = {
            **origin.metadata,
            "bounce": {
                "recipient": bounce.recipient,
                "status": bounce.status,
                "permanent": bounce.permanent,
                "at": now().isoformat(),
            },
        }
        origin.save(update_fields=["metadata"])  # fmt: skip
    return Outcome(State.PROCESSED, f"Bounce recorded on #{ticket.number}", ticket=ticket, message=entry)


def _origin(original_message_id: str) -> tuple[Message | None, Ticket | None]:
    if not original_message_id:
        return None, None
    origin = Message.objects.select_related("ticket").filter(message_id=original_message_id).first()
    if origin is not None:
        return origin, origin.ticket
    token = message_id_token(original_message_id)
    if token is not None and token.valid:
        return None, Ticket.objects.filter(number=token.number).first()
    return None, None


def _mark_failing(ticket: Ticket, failures: list[Any], *, reason: str) -> list[str]:
    """Mark the permanently failing addresses of the ticket's requester and CCs; returns them."""
    addresses = {str(r.recipient).strip().lower() for r in failures if r.recipient}
    if not addresses:
        return []
    customers = [ticket.requester_id, *ticket.ccs.values_list("id", flat=True)]
    identities = ContactIdentity.objects.filter(
        Q(kind=ContactIdentity.Kind.EMAIL) & Q(value__in=addresses) & Q(customer_id__in=customers)
    )
    marked = []
    for identity in identities:
        if identity.failing_since is None:
            identity.failing_since = now()
            identity.failing_reason = reason[:500]
            identity.save(update_fields=["failing_since", "failing_reason"])
            event_record(
                actor=None, ticket=ticket, entity="customer", entity_id=identity.customer_id,
                kind="customer.identity_failing", after={"value": identity.value, "reason": reason[:500]},
            )  # fmt: skip
        marked.append(identity.value)
    return sorted(marked)


def _describe(bounce: BounceInfo) -> str:
    parts = [p for p in (bounce.status, bounce.reason) if p]
    detail = f" ({' '.join(parts)})" if parts else ""
    diagnostic = f": {bounce.diagnostic.strip()[:300]}" if bounce.diagnostic.strip() else ""
    return f"{bounce.recipient or 'unknown recipient'}{detail}{diagnostic}"


def _entry_text(bounce: BounceInfo, marked: list[str]) -> str:
    if bounce.kind == "feedback":
        return f"A recipient reported our mail as unwanted: {_describe(bounce)}."
    if bounce.action == "delayed" and not bounce.permanent:
        return f"Delivery of our mail is delayed (the server keeps trying): {_describe(bounce)}."
    text = f"Our mail could not be delivered: {_describe(bounce)}."
    if marked:
        text += f" Marked as failing: {', '.join(marked)}."
    return text
