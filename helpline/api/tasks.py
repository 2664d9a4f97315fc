"""Thin job wrappers of the API's housekeeping."""

from __future__ import annotations

from django.tasks import task


@task(queue_name="scheduled")
def idempotency_keys_prune() -> int:
    """Delete Idempotency-Key records older than 24 hours; returns how many were deleted."""
    from helpline.api.services import idempotency_keys_prune as prune

    return prune()
