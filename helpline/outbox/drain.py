"""Draining the outbox: claim due rows one by one and send each through its kind's handler.

Any number of drains may run at once (a job per outbox write, the scheduler's safety net, several
workers): each row is claimed with one conditional UPDATE (`pending → sending` where it is still
pending and due), so exactly one drain sends it. Delivery is at least once: a drain that dies
after sending but before recording it leaves the row in `sending`, and after CLAIM_TIMEOUT the row
is handed back and sent again (webhooks carry the row id so receivers can drop the repeat).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from helpline.core.clock import now
from helpline.jobs.lifecycle import instance_id
from helpline.outbox.handlers import PermanentFailure, handler_for
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Message

logger = logging.getLogger(__name__)

State = OutboxMessage.State

# Wait after failed attempt n (1-based); the last value repeats until the row gives up.
BACKOFF_SECONDS = (30, 120, 600, 3600, 6 * 3600)
CLAIM_TIMEOUT = timedelta(minutes=10)
_ERROR_MAX_CHARS = 2000
_LOG_LEVELS: dict[str, int] = {State.SENT: logging.INFO, State.PENDING: logging.WARNING}


class ClaimExpired(Exception):
    """The drain that claimed a row stopped before saying how the attempt went."""


def max_attempts() -> int:
    """Attempts before a row is marked failed (HELPLINE_OUTBOX_MAX_ATTEMPTS, default 8)."""
    return int(getattr(settings, "HELPLINE_OUTBOX_MAX_ATTEMPTS", 8))


def backoff_after(attempts: int) -> timedelta:
    """How long a row waits after its `attempts`-th failed attempt."""
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def outbox_drain_due(limit: int = 100) -> int:
    """Send up to `limit` due outbox rows; returns how many this drain claimed and handled.

    First hands back rows whose claimant died (`sending` for longer than CLAIM_TIMEOUT). Each row
    ends `sent`, back to `pending` with a later `next_attempt_at`, or `failed`; a row tied to a
    ticket message also records its delivery in `message.metadata["delivery"]`.
    """
    drain_id = instance_id()
    outbox_claims_expire()
    due = (
        OutboxMessage.objects.filter(state=State.PENDING, next_attempt_at__lte=now())
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    handled = 0
    for row_id in list(due):
        row = _claim(row_id, drain_id)
        if row is not None:
            _send(row, drain_id)
            handled += 1
    return handled


def outbox_claims_expire() -> int:
    """Hand rows stuck in `sending` past CLAIM_TIMEOUT back to `pending`, due now (or mark them
    `failed` when that was their last attempt); returns how many."""
    moment = now()
    stuck = OutboxMessage.objects.filter(state=State.SENDING, claimed_at__lt=moment - CLAIM_TIMEOUT)
    expired = 0
    for row in stuck:
        gave_up = row.attempts >= max_attempts()
        state, retry_at = (State.FAILED, None) if gave_up else (State.PENDING, moment)
        error = ClaimExpired("The sender stopped before recording the result")
        expired += _record(row, row.claimed_by, state=state, error=error, retry_at=retry_at)
    return expired


def _claim(row_id: int, drain_id: str) -> OutboxMessage | None:
    moment = now()
    won = OutboxMessage.objects.filter(id=row_id, state=State.PENDING, next_attempt_at__lte=moment).update(
        state=State.SENDING, claimed_by=drain_id, claimed_at=moment, attempts=F("attempts") + 1
    )
    return OutboxMessage.objects.get(id=row_id) if won else None


def _send(row: OutboxMessage, drain_id: str) -> None:
    try:
        handler_for(row.kind)(row)
    except PermanentFailure as error:
        _record(row, drain_id, state=State.FAILED, error=error)
    except Exception as error:
        gave_up = row.attempts >= max_attempts()
        retry_at = None if gave_up else now() + backoff_after(row.attempts)
        _record(row, drain_id, state=State.FAILED if gave_up else State.PENDING, error=error, retry_at=retry_at)
    else:
        _record(row, drain_id, state=State.SENT)


def _record(
    row: OutboxMessage,
    drain_id: str,
    *,
    state: str,
    error: BaseException | None = None,
    retry_at: datetime | None = None,
) -> int:
    """Write the attempt's outcome, unless the claim expired meanwhile and someone else owns it;
    returns 1 when written."""
    last_error = f"{type(error).__name__}: {error}"[:_ERROR_MAX_CHARS] if error else ""
    changes: dict[str, object] = {"state": state, "last_error": last_error}
    if state == State.SENT:
        changes["sent_at"] = now()
    if retry_at is not None:
        changes["next_attempt_at"] = retry_at
    with transaction.atomic():
        mine = OutboxMessage.objects.filter(id=row.pk, state=State.SENDING, claimed_by=drain_id)
        if not mine.update(**changes):
            logger.warning("Outbox row %s was handed to another drain before its result was recorded", row.pk)
            return 0
        if row.message_id is not None:
            _message_delivery_record(row.message_id, state=state, attempts=row.attempts, last_error=last_error)
    level = _LOG_LEVELS.get(state, logging.ERROR)
    logger.log(level, "Outbox %s row %s %s (attempt %d) %s", row.kind, row.pk, state, row.attempts, last_error)
    return 1


def _message_delivery_record(message_id: int, *, state: str, attempts: int, last_error: str) -> None:
    """Show the delivery state on the ticket message, so an agent sees a failed send."""
    message = Message.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        return
    delivery = {"state": state, "attempts": attempts, "last_error": last_error, "at": now().isoformat()}
    message.metadata = {**message.metadata, "delivery": delivery}
    message.save(update_fields=["metadata"])
