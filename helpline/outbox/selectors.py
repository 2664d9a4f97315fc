"""Reads of the outbox: what could not be delivered."""

from __future__ import annotations

from helpline.outbox.models import OutboxMessage


def outbox_failed_list(*, kind: str | None = None, limit: int = 100) -> list[OutboxMessage]:
    """Rows the drain gave up on, newest first (an admin's view of undeliverable mail and hooks)."""
    rows = OutboxMessage.objects.filter(state=OutboxMessage.State.FAILED)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("-created_at", "-id")[:limit])
