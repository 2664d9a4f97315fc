"""Tasks and a schedule that only the tests use; module level, so a worker subprocess imports them."""

from __future__ import annotations

import time

from django.tasks import TaskContext, task

from helpline.core.clock import now
from helpline.core.errors import InvalidInput
from helpline.jobs.models import ScheduleSlot
from helpline.jobs.retry import retrying
from helpline.jobs.scheduler import ScheduledJob, cron

RUN_PREFIX = "test-run:"


@task(takes_context=True)
def record_run(context: TaskContext) -> None:
    """Leave one row per run: a ScheduleSlot named after the job id, stamped with the worker."""
    time.sleep(0.01)  # long enough that two workers interleave
    result = context.task_result
    ScheduleSlot.objects.create(name=f"{RUN_PREFIX}{result.id}", slot=now(), fired_by=result.worker_ids[-1])


@task(takes_context=True)
def hang_on_first_run(context: TaskContext) -> str:
    """Hangs for a minute the first time it is claimed (its worker is killed meanwhile)."""
    if len(context.task_result.worker_ids) == 1:
        time.sleep(60)
    return "done"


@task()
def noop() -> None:
    """Does nothing: what the scheduler tests enqueue."""


@task()
@retrying(max_attempts=3, base_seconds=60, max_seconds=600)
def fail_until(*, key: str, succeed_on: int) -> str:
    """Fails on every attempt before `succeed_on` (attempts are counted in ScheduleSlot rows)."""
    attempt = ScheduleSlot.objects.filter(name=f"{RUN_PREFIX}{key}").count() + 1
    ScheduleSlot.objects.create(name=f"{RUN_PREFIX}{key}", slot=now(), fired_by=str(attempt))
    if attempt < succeed_on:
        raise ConnectionError(f"attempt {attempt} failed")
    return f"succeeded on attempt {attempt}"


@task(queue_name="outbox", priority=5, takes_context=True)
@retrying(max_attempts=2, base_seconds=10, max_seconds=10)
def always_fails_with_context(context: TaskContext, code: str) -> None:
    raise ConnectionError(code)


@task()
@retrying
def refuses_bad_input() -> None:
    raise InvalidInput("the input is wrong")


# Twenty jobs on the same yearly slot: two schedulers started together contend on every one.
CONTENDED_SCHEDULE = tuple(
    ScheduledJob(f"test_yearly_{n}", cron("0 0 1 1 *"), "helpline.jobs.tests.tasks_for_tests.noop") for n in range(20)
)
