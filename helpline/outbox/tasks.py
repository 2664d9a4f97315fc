"""Thin job wrappers of the outbox (the drain is written in outbox/drain.py)."""

from __future__ import annotations

from django.tasks import task

DRAIN_BATCH = 100


@task(queue_name="outbox")
def outbox_drain() -> int:
    """Send what is due in the outbox; returns how many rows were handled.

    After a full batch it enqueues another drain, so a backlog empties at once rather than one
    batch per scheduler slot.
    """
    from helpline.outbox.drain import outbox_drain_due

    handled = outbox_drain_due(limit=DRAIN_BATCH)
    if handled >= DRAIN_BATCH:
        outbox_drain.enqueue()
    return handled
