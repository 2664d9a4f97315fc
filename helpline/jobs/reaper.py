"""The reaper: hands the jobs of workers that died back to the queue.

A RUNNING job is stuck when it started more than HELPLINE_JOB_STUCK_SECONDS ago (default 600) and
the worker that claimed it has no fresh heartbeat (none at all, or older than 3 heartbeat
intervals). Both conditions are needed because a worker writes its heartbeat between jobs only: a
live worker in a long job looks stale for a while, and the stuck delay is its allowance.

A stuck job is put back to READY (same result row, id and arguments), so it runs again as soon as a
worker is free; jobs are idempotent. A job already claimed DEFAULT_MAX_ATTEMPTS times (it may be
what kills its workers) is marked FAILED with `JobLost` instead. Each change is one conditional
UPDATE on (id, RUNNING, started_at), so of two reapers, or a reaper and a worker that just finished
the job, only one acts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from helpline.core.clock import now
from helpline.jobs.retry import DEFAULT_MAX_ATTEMPTS
from helpline.jobs.selectors import worker_heartbeats_fresh

logger = logging.getLogger(__name__)


class JobLost(Exception):
    """Recorded on a job whose workers kept dying while running it."""


def stuck_seconds() -> int:
    return int(getattr(settings, "HELPLINE_JOB_STUCK_SECONDS", 600))


def stuck_jobs_reap() -> int:
    """Put stuck RUNNING jobs back to READY (or FAILED after too many claims); returns how many."""
    moment = now()
    alive = set(worker_heartbeats_fresh(moment=moment).values_list("worker_id", flat=True))
    running = DBTaskResult.objects.running().filter(started_at__lt=moment - timedelta(seconds=stuck_seconds()))
    handled = 0
    for job in running.only("id", "task_path", "worker_ids", "started_at"):
        if job.worker_ids and job.worker_ids[-1] in alive:
            continue
        handled += _job_hand_back(job, moment)
    return handled


def _job_hand_back(job: DBTaskResult, moment: datetime) -> int:
    still_stuck = DBTaskResult.objects.filter(id=job.id, status=TaskResultStatus.RUNNING, started_at=job.started_at)
    worker = job.worker_ids[-1] if job.worker_ids else "?"
    if len(job.worker_ids) >= DEFAULT_MAX_ATTEMPTS:
        changed = still_stuck.update(
            status=TaskResultStatus.FAILED,
            finished_at=moment,
            return_value=None,
            exception_class_path=f"{JobLost.__module__}.{JobLost.__qualname__}",
            traceback=f"JobLost: the worker died while running it, {len(job.worker_ids)} times\n",
        )
        if changed:
            logger.error("Job %s (%s) lost %d times; marked failed", job.id, job.task_path, len(job.worker_ids))
        return changed
    changed = still_stuck.update(status=TaskResultStatus.READY, started_at=None)
    if changed:
        logger.warning("Job %s (%s) of gone worker %s put back to ready", job.id, job.task_path, worker)
    return changed
