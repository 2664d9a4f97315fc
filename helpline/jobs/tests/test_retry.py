from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from helpline.core.errors import InvalidInput
from helpline.jobs.models import ScheduleSlot
from helpline.jobs.retry import backoff_delay
from helpline.jobs.tests.tasks_for_tests import (
    RUN_PREFIX,
    always_fails_with_context,
    fail_until,
    refuses_bad_input,
)
from helpline.jobs.worker import HelplineWorker

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
FAIL_UNTIL = "helpline.jobs.tests.tasks_for_tests.fail_until"


def _run_ready_jobs() -> None:
    HelplineWorker(worker_id="w", batch=True).run()


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(1, 15, 30), (2, 30, 60), (3, 60, 120), (7, 900, 1800), (30, 900, 1800)],
)
def test_backoff_doubles_per_attempt_with_jitter_in_the_upper_half(attempt, low, high):
    # given a base of 30 s and a cap of 1800 s
    delays = [backoff_delay(attempt, base_seconds=30, max_seconds=1800, rng=random.Random(seed)) for seed in range(200)]

    # then every delay lies between half and all of the ceiling, and they are spread out
    assert low <= min(delays) and max(delays) <= high
    assert max(delays) - min(delays) > (high - low) / 2


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_is_enqueued_again_with_run_after_in_the_future(time_machine):
    # given a job that fails on its first attempt
    time_machine.move_to(T0, tick=False)
    first = fail_until.enqueue(key="k", succeed_on=2)

    # when a worker runs it
    _run_ready_jobs()

    # then the attempt is failed, and attempt 2 waits 30 to 60 s (base 60 s, half to all of it)
    assert DBTaskResult.objects.get(id=first.id).status == TaskResultStatus.FAILED
    retry = DBTaskResult.objects.exclude(id=first.id).get()
    assert retry.status == TaskResultStatus.READY
    assert retry.task_path == FAIL_UNTIL
    assert retry.args_kwargs == {"args": [], "kwargs": {"key": "k", "succeed_on": 2, "_attempt": 2}}
    assert T0 + timedelta(seconds=30) <= retry.run_after <= T0 + timedelta(seconds=60)
    assert (retry.queue_name, retry.priority) == ("default", 0)

    # when a worker looks again before run_after, then nothing runs
    _run_ready_jobs()
    assert DBTaskResult.objects.get(id=retry.id).status == TaskResultStatus.READY

    # when the time has come, then attempt 2 runs and succeeds, and nothing more is enqueued
    time_machine.move_to(T0 + timedelta(seconds=61), tick=False)
    _run_ready_jobs()
    retry.refresh_from_db()
    assert (retry.status, retry.return_value) == (TaskResultStatus.SUCCESSFUL, "succeeded on attempt 2")
    assert DBTaskResult.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_job_gives_up_after_its_last_attempt(time_machine, caplog):
    # given a job that always fails, allowed 3 attempts
    time_machine.move_to(T0, tick=False)
    fail_until.enqueue(key="k", succeed_on=99)

    # when the worker runs every attempt as it comes due
    for minutes in range(3):
        time_machine.move_to(T0 + timedelta(minutes=10 * minutes), tick=False)
        _run_ready_jobs()

    # then three attempts ran and failed, and no fourth was enqueued
    results = DBTaskResult.objects.order_by("enqueued_at")
    assert [r.args_kwargs["kwargs"].get("_attempt", 1) for r in results] == [1, 2, 3]
    assert [r.status for r in results] == [TaskResultStatus.FAILED] * 3
    assert ScheduleSlot.objects.filter(name=f"{RUN_PREFIX}k").count() == 3
    assert f"Job {FAIL_UNTIL} failed 3 times; giving up" in caplog.messages


@pytest.mark.django_db(transaction=True)
def test_a_non_retryable_error_is_not_retried(caplog):
    # given a job that raises a ServiceError
    result = refuses_bad_input.enqueue()

    # when a worker runs it
    _run_ready_jobs()

    # then it failed once and nothing was enqueued again
    job = DBTaskResult.objects.get()
    assert (str(job.id), job.status) == (result.id, TaskResultStatus.FAILED)
    assert job.exception_class_path == f"{InvalidInput.__module__}.InvalidInput"
    assert any("non-retryable error; giving up" in message for message in caplog.messages)


@pytest.mark.django_db(transaction=True)
def test_a_retried_job_with_context_keeps_its_queue_priority_and_arguments(time_machine):
    # given a job taking the context, enqueued on the outbox queue with priority 5
    time_machine.move_to(T0, tick=False)
    first = always_fails_with_context.enqueue("E42")

    # when it fails
    _run_ready_jobs()

    # then the next attempt has the same queue, priority and positional argument, 5 to 10 s later
    retry = DBTaskResult.objects.exclude(id=first.id).get()
    assert (retry.queue_name, retry.priority) == ("outbox", 5)
    assert retry.args_kwargs == {"args": ["E42"], "kwargs": {"_attempt": 2}}
    assert T0 + timedelta(seconds=5) <= retry.run_after <= T0 + timedelta(seconds=10)
