"""Putting things in the outbox. The drain (outbox/drain.py) sends them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from helpline.core.prepared import insert_row
from helpline.outbox.models import OutboxMessage

if TYPE_CHECKING:
    from helpline.tickets.models import Message, Ticket


def outbox_enqueue(
    *,
    kind: str,
    payload: dict[str, Any],
    ticket: Ticket | None = None,
    message: Message | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Write an outbox row in the caller's transaction and ask for a drain once it commits.

    With `dedupe_key`, a second row with the same key is not written (returns None): the thing
    leaves once however often its cause is processed.
    """
    try:
        with transaction.atomic():
            row = insert_row(
                OutboxMessage(kind=kind, payload=payload, ticket=ticket, message=message, dedupe_key=dedupe_key)
            )
    except IntegrityError:
        if dedupe_key and OutboxMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    transaction.on_commit(_drain_soon)
    return row


def _drain_soon() -> None:
    from helpline.outbox.tasks import outbox_drain

    outbox_drain.enqueue()
