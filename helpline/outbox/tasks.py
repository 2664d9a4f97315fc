"""Thin job wrappers of the outbox (the drain is written in outbox/drain.py)."""

from __future__ import annotations

from django.tasks import task


@task(queue_name="outbox")
def outbox_drain() -> int:
    """Send what is due in the outbox; returns how many rows were handled."""
    from helpline.outbox.drain import outbox_drain_due

    return outbox_drain_due()
