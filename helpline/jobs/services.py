"""Writes of the jobs app: worker heartbeats and the pruning of bookkeeping rows."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from helpline.core.clock import now
from helpline.jobs.models import ScheduleSlot, WorkerHeartbeat

logger = logging.getLogger(__name__)

HEARTBEAT_RETENTION = timedelta(days=1)
SCHEDULE_SLOT_RETENTION = timedelta(days=2)
SUCCESSFUL_RESULT_RETENTION = timedelta(days=7)
FAILED_RESULT_RETENTION = timedelta(days=30)


def heartbeat_seconds() -> int:
    """How often a worker writes its heartbeat (HELPLINE_WORKER_HEARTBEAT_SECONDS)."""
    return int(getattr(settings, "HELPLINE_WORKER_HEARTBEAT_SECONDS", 10))


def worker_heartbeat_beat(*, worker_id: str, hostname: str, pid: int) -> None:
    """Say that the worker is alive: insert its heartbeat row, or move its `last_seen_at`.

    One upsert statement, so it costs the same on every loop; `started_at` keeps its first value.
    """
    moment = now()
    WorkerHeartbeat.objects.bulk_create(
        [WorkerHeartbeat(worker_id=worker_id, hostname=hostname, pid=pid, started_at=moment, last_seen_at=moment)],
        update_conflicts=True,
        unique_fields=["worker_id"],
        update_fields=["last_seen_at"],
    )


def worker_heartbeat_end(*, worker_id: str) -> None:
    """Delete the heartbeat of a worker that stopped cleanly (it holds no job any more)."""
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()


def worker_heartbeats_prune() -> int:
    """Delete heartbeats not refreshed for a day (workers that died); returns how many.

    The reaper treats a missing heartbeat like a stale one, so this changes none of its decisions.
    """
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen_at__lt=now() - HEARTBEAT_RETENTION).delete()
    return deleted


def schedule_slots_prune() -> int:
    """Delete fired schedule slots older than two days, keeping the newest slot of every job.

    The newest slot must stay: it is what tells a (re)starting scheduler that the latest slot of a
    rare job (a monthly cron) has already fired.
    """
    newest = ScheduleSlot.objects.filter(name=OuterRef("name")).order_by("-slot").values("slot")[:1]
    deleted, _ = ScheduleSlot.objects.filter(
        fired_at__lt=now() - SCHEDULE_SLOT_RETENTION, slot__lt=Subquery(newest)
    ).delete()
    return deleted


def task_results_prune() -> int:
    """Delete finished job results: successful ones after 7 days, failed ones after 30.

    Every outbox write and every scheduler slot adds a result row, so without this the table grows
    without bound. Ready and running rows are never touched.
    """
    moment = now()
    deleted, _ = DBTaskResult.objects.filter(
        Q(status=TaskResultStatus.SUCCESSFUL, finished_at__lt=moment - SUCCESSFUL_RESULT_RETENTION)
        | Q(status=TaskResultStatus.FAILED, finished_at__lt=moment - FAILED_RESULT_RETENTION)
    ).delete()
    return deleted
