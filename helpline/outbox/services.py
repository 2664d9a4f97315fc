"""Putting things in the outbox. The drain (outbox/drain.py) sends them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from helpline.core.prepared import insert_row, insert_row_unless_exists
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
    """Write an outbox row in the caller's transaction and ask for a drain in the same transaction.

    With `dedupe_key`, a second row with the same key is not written (returns None): the thing
    leaves once however often its cause is processed.
    """
    row = OutboxMessage(kind=kind, payload=payload, ticket=ticket, message=message, dedupe_key=dedupe_key)
    # ON CONFLICT DO NOTHING rather than catching IntegrityError: no savepoint (two round trips)
    # around every acknowledgement and notification, and the caller's transaction stays usable.
    written = insert_row_unless_exists(row, unique=("dedupe_key",)) if dedupe_key else insert_row(row)
    if written is None:
        return None
    _drain_soon()
    return written


def _drain_soon() -> None:
    """Queue a drain job, once per transaction.

    The job row is written in the caller's transaction (django-tasks-db keeps jobs in the
    database), so a worker sees it exactly when the outbox rows it is to send are committed, and
    a rollback takes both away. Several outbox rows in one transaction need one drain; the
    transaction's on-commit list remembers that one was queued (a rolled-back savepoint forgets it
    with its job). With another job backend, a drain that runs before the commit finds nothing and
    the scheduler's drain (every 5 s) sends the rows: later, never lost.
    """
    from helpline.outbox.tasks import outbox_drain

    connection = transaction.get_connection()
    if connection.in_atomic_block:
        if any(callback is _drain_queued for _, callback, _ in connection.run_on_commit):
            return
        transaction.on_commit(_drain_queued)
    outbox_drain.enqueue()


def _drain_queued() -> None:
    """A marker in the on-commit list (see _drain_soon); nothing to do at commit."""
