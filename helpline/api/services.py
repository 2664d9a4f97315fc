"""Everything that writes the API's own rows: idempotency keys."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction

from helpline.api.models import IdempotencyKey
from helpline.core.clock import now

# How long a key is remembered; clients must not retry later than this.
IDEMPOTENCY_KEY_TTL = timedelta(hours=24)
# A key still "running" after this long belongs to a process that died; the next retry takes it over.
IDEMPOTENCY_KEY_ABANDONED_AFTER = timedelta(minutes=10)


class ClaimState(enum.Enum):
    NEW = "new"  # the caller runs the request and then completes or releases the key
    REPLAY = "replay"  # the request ran already: send back the stored answer
    MISMATCH = "mismatch"  # the key was used for a different request
    IN_PROGRESS = "in_progress"  # the first request with this key is still running


@dataclass(frozen=True)
class IdempotencyClaim:
    state: ClaimState
    row: IdempotencyKey


def idempotency_key_claim(*, owner: str, key: str, method: str, path: str, request_hash: str) -> IdempotencyClaim:
    """Insert the key, in its own transaction, before the request runs; or say why not.

    The unique (owner, key) constraint makes sure that of two requests sent at once with the same
    key exactly one gets NEW: the other sees IN_PROGRESS (or REPLAY once the first has finished).
    """
    path = path[:500]
    try:
        with transaction.atomic():
            row = IdempotencyKey.objects.create(
                owner=owner, key=key, method=method, path=path, request_hash=request_hash
            )
        return IdempotencyClaim(ClaimState.NEW, row)
    except IntegrityError:
        pass
    existing = IdempotencyKey.objects.filter(owner=owner, key=key).first()
    if existing is None:  # released or pruned a moment ago: claim it afresh
        return idempotency_key_claim(owner=owner, key=key, method=method, path=path, request_hash=request_hash)
    row = existing
    if (row.method, row.path, row.request_hash) != (method, path, request_hash):
        return IdempotencyClaim(ClaimState.MISMATCH, row)
    if row.status_code is not None:
        return IdempotencyClaim(ClaimState.REPLAY, row)
    stamp = now()
    cutoff = stamp - IDEMPOTENCY_KEY_ABANDONED_AFTER
    abandoned = IdempotencyKey.objects.filter(pk=row.pk, status_code__isnull=True, created_at__lt=cutoff)
    if abandoned.update(created_at=stamp):
        return IdempotencyClaim(ClaimState.NEW, row)
    return IdempotencyClaim(ClaimState.IN_PROGRESS, row)


def idempotency_key_complete(
    *, row: IdempotencyKey, status_code: int, body: bytes, content_type: str, headers: dict[str, str]
) -> None:
    """Store the answer of the request that claimed the key, for its retries to replay."""
    IdempotencyKey.objects.filter(pk=row.pk).update(
        status_code=status_code, response_body=body, response_content_type=content_type[:100], response_headers=headers
    )


def idempotency_key_release(*, row: IdempotencyKey) -> None:
    """Forget a key whose request failed on our side, so that a retry runs it again."""
    IdempotencyKey.objects.filter(pk=row.pk, status_code__isnull=True).delete()


def idempotency_keys_prune(*, older_than: timedelta = IDEMPOTENCY_KEY_TTL) -> int:
    """Delete keys older than a day (scheduled); returns how many were deleted."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=now() - older_than).delete()
    return deleted
