"""Reads of the jobs app: which workers are alive."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet

from helpline.core.clock import now
from helpline.jobs.models import WorkerHeartbeat
from helpline.jobs.services import heartbeat_seconds

# A worker that missed this many heartbeats in a row counts as gone.
MISSED_HEARTBEATS = 3


def worker_heartbeats_fresh(*, moment: datetime | None = None) -> QuerySet[WorkerHeartbeat]:
    """Heartbeats of the workers seen within the last 3 heartbeat intervals (/readyz, the reaper)."""
    fresh_after = (moment or now()) - timedelta(seconds=MISSED_HEARTBEATS * heartbeat_seconds())
    return WorkerHeartbeat.objects.filter(last_seen_at__gte=fresh_after).order_by("worker_id")
