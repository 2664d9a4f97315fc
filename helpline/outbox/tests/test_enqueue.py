"""Putting mail in the outbox: once per dedupe key, and one drain job per writing transaction."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from helpline.outbox.models import OutboxMessage
from helpline.outbox.services import outbox_enqueue

pytestmark = pytest.mark.django_db(transaction=True)

DRAIN = "helpline.outbox.tasks.outbox_drain"


def _drains() -> int:
    return DBTaskResult.objects.filter(task_path=DRAIN, status=TaskResultStatus.READY).count()


def _mail(n: int) -> dict[str, object]:
    return {"to": [["Ann", "ann@example.com"]], "subject": f"Mail {n}", "text": "Hello"}


def test_the_same_dedupe_key_is_written_once_and_the_transaction_goes_on():
    # when the same acknowledgement is enqueued twice in one transaction, and more is written after
    with transaction.atomic():
        first = outbox_enqueue(kind="email", payload=_mail(1), dedupe_key="ack:one")
        second = outbox_enqueue(kind="email", payload=_mail(1), dedupe_key="ack:one")
        third = outbox_enqueue(kind="email", payload=_mail(2), dedupe_key="ack:two")

    # then one row per key, and the duplicate said so with None
    assert first is not None and third is not None and second is None
    assert list(OutboxMessage.objects.order_by("dedupe_key").values_list("dedupe_key", flat=True)) == [
        "ack:one",
        "ack:two",
    ]


def test_one_drain_job_per_transaction_committed_with_the_rows():
    # when one transaction writes three outbox rows
    with transaction.atomic():
        for n in range(3):
            outbox_enqueue(kind="email", payload=_mail(n))
        inside = _drains()

    # then it queued one drain job, in the same transaction
    assert inside == 1
    assert _drains() == 1
    assert OutboxMessage.objects.count() == 3


def test_a_rolled_back_transaction_leaves_neither_rows_nor_a_drain_job():
    # when a transaction writes outbox rows and then fails
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue(kind="email", payload=_mail(1))
        raise RuntimeError("the cause of the mail failed")

    # then nothing is left to send, and no job wakes a worker for nothing
    assert (OutboxMessage.objects.count(), _drains()) == (0, 0)


def test_a_rolled_back_savepoint_forgets_its_drain_job_and_the_next_row_queues_one():
    # given a transaction whose savepoint wrote a row (and queued the drain) and was rolled back
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_enqueue(kind="email", payload=_mail(1))
            raise RuntimeError("refused")
        # when the transaction writes another row
        outbox_enqueue(kind="email", payload=_mail(2))

    # then that row has a drain job of its own
    assert OutboxMessage.objects.count() == 1
    assert _drains() == 1


def test_outside_a_transaction_each_row_queues_its_drain():
    # when rows are written one by one in autocommit
    outbox_enqueue(kind="email", payload=_mail(1))
    outbox_enqueue(kind="email", payload=_mail(2))

    # then each row is committed at once and asks for a drain
    assert _drains() == 2
