"""The retry policy of jobs: a job that raises runs again later, with backoff, a few times.

    @task(queue_name="default")
    @retrying(max_attempts=5)
    def customer_import(*, source_id: int) -> None: ...

Each attempt is its own job result: a failed attempt stays FAILED with its traceback, and the next
attempt is a new job enqueued with `run_after` in the future and the attempt number in the
reserved keyword argument `_attempt` (the wrapped function never sees it). Errors listed in
`give_up_on` (by default `ServiceError`: the input is wrong, running again will not help) and the
last attempt are logged as given up and not enqueued again.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable
from datetime import timedelta
from inspect import iscoroutinefunction
from typing import Any

from django.tasks import Task, TaskContext
from django.utils.module_loading import import_string

from helpline.core.clock import now
from helpline.core.errors import ServiceError

logger = logging.getLogger(__name__)

ATTEMPT_KWARG = "_attempt"
DEFAULT_MAX_ATTEMPTS = 5
NON_RETRYABLE: tuple[type[BaseException], ...] = (ServiceError,)


def backoff_delay(attempt: int, *, base_seconds: float, max_seconds: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based) before the next one.

    Exponential (`base · 2^(attempt-1)`, capped at `max_seconds`) with "equal jitter": a random
    point in the upper half, so jobs that failed together do not all come back together.
    """
    ceiling = min(max_seconds, base_seconds * 2 ** (attempt - 1))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def retrying(
    func: Callable[..., Any] | None = None,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    base_seconds: float = 30.0,
    max_seconds: float = 3600.0,
    give_up_on: tuple[type[BaseException], ...] = NON_RETRYABLE,
) -> Any:
    """Wrap a task function (apply it under `@task`) so that a failure enqueues the next attempt.

    Works with `takes_context=True` too; the next attempt then keeps the queue, priority and
    backend the failed one ran with.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        if iscoroutinefunction(function):
            raise TypeError("retrying() wraps plain functions only")

        @functools.wraps(function)
        def attempt_once(*args: Any, **kwargs: Any) -> Any:
            attempt = int(kwargs.pop(ATTEMPT_KWARG, 1))
            try:
                return function(*args, **kwargs)
            except give_up_on:
                logger.warning("Job %s failed with a non-retryable error; giving up", _path(function))
                raise
            except Exception:
                if attempt >= max_attempts:
                    logger.error("Job %s failed %d times; giving up", _path(function), attempt)
                    raise
                delay = backoff_delay(attempt, base_seconds=base_seconds, max_seconds=max_seconds)
                _enqueue_next_attempt(function, args, kwargs, attempt=attempt + 1, delay=delay)
                raise

        return attempt_once

    return decorate(func) if func is not None else decorate


def _enqueue_next_attempt(
    function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], *, attempt: int, delay: float
) -> None:
    task, task_args = _task_and_args(function, args)
    run_after = now() + timedelta(seconds=delay)
    task.using(run_after=run_after).enqueue(*task_args, **kwargs, **{ATTEMPT_KWARG: attempt})
    logger.warning("Job %s failed; attempt %d runs after %s", _path(function), attempt, run_after.isoformat())


def _task_and_args(function: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Task, tuple[Any, ...]]:
    """The Task this function runs as, and the arguments to enqueue it with (no context)."""
    if args and isinstance(args[0], TaskContext):
        return args[0].task_result.task, args[1:]
    task = import_string(_path(function))
    if not isinstance(task, Task):
        raise TypeError(f"{_path(function)} is not a task: apply @retrying under @task")
    return task, args


def _path(function: Callable[..., Any]) -> str:
    return f"{function.__module__}.{function.__qualname__}"
