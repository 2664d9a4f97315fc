"""The workspace's own writes: several tickets changed at once (each through the ticket services)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from helpline.accounts.models import Agent
from helpline.core.errors import ServiceError
from helpline.tickets.selectors import ticket_queryset
from helpline.tickets.services import ticket_spam, ticket_update

BULK_LIMIT = 100


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)  # ticket numbers
    failed: list[tuple[int, str]] = field(default_factory=list)  # (number, why)


def tickets_bulk_change(
    *, actor: Agent, ticket_ids: Sequence[int], changes: dict[str, Any], spam: bool = False
) -> BulkResult:
    """Apply the same change (ticket_update's `changes`, or spam) to up to BULK_LIMIT tickets.

    Each ticket is changed in its own transaction by the ticket services, which check permission,
    transitions and write the events; one ticket refusing the change leaves the others changed and
    is reported with the reason. Tickets the agent may not see are left out silently.
    """
    numbers = dict(
        ticket_queryset(actor=actor)
        .filter(pk__in=list(ticket_ids)[:BULK_LIMIT])
        .order_by("number")
        .values_list("pk", "number")
    )
    result = BulkResult()
    for pk, number in numbers.items():
        try:
            if spam:
                ticket_spam(actor=actor, ticket=pk)
            else:
                ticket_update(actor=actor, ticket=pk, changes=changes)
        except ServiceError as error:
            result.failed.append((number, error.detail))
        else:
            result.done.append(number)
    return result
