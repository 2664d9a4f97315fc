"""Readiness checks for /readyz: the database answers, the schema is migrated, a worker is alive.

Read-only: nothing here writes a row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Max

from helpline.core.clock import now
from helpline.jobs.models import WorkerHeartbeat
from helpline.jobs.selectors import MISSED_HEARTBEATS, worker_heartbeats_fresh
from helpline.jobs.services import heartbeat_seconds

logger = logging.getLogger(__name__)

# Migrations only ever get applied, so once this process saw none pending it never looks again
# (reading every migration file on each probe would cost ~100 ms).
_migrations_applied = False


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str


def readiness_checks() -> list[Check]:
    """Every readiness check, in order; the later ones are skipped when the database is down."""
    database = check_database()
    if not database.ok:
        skipped = "not checked: the database is unreachable"
        return [database, Check("migrations", False, skipped), Check("worker", False, skipped)]
    return [database, check_migrations(), check_worker()]


def check_database() -> Check:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # a probe must answer, whatever the driver raises
        logger.warning("readiness: database unreachable: %s", exc)
        return Check("database", False, f"unreachable: {type(exc).__name__}")
    return Check("database", True, "reachable")


def check_migrations() -> Check:
    global _migrations_applied
    if _migrations_applied:
        return Check("migrations", True, "all applied")
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        logger.warning("readiness: cannot read the migration state: %s", exc)
        return Check("migrations", False, f"cannot read the migration state: {type(exc).__name__}")
    if pending:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _backwards in pending[:3])
        more = f" and {len(pending) - 3} more" if len(pending) > 3 else ""
        reason = f"{len(pending)} unapplied ({names}{more}): run helpline migrate"
        return Check("migrations", False, reason)
    _migrations_applied = True
    return Check("migrations", True, "all applied")


def check_worker() -> Check:
    at = now()
    try:
        alive = worker_heartbeats_fresh(moment=at).exists()
        newest = WorkerHeartbeat.objects.aggregate(newest=Max("last_seen_at"))["newest"]
    except Exception as exc:
        logger.warning("readiness: cannot read worker heartbeats: %s", exc)
        return Check("worker", False, f"cannot read worker heartbeats: {type(exc).__name__}")
    if newest is None:
        return Check("worker", False, "no job worker is running (no heartbeat)")
    age = max(0, int((at - newest).total_seconds()))
    if not alive:
        limit = MISSED_HEARTBEATS * heartbeat_seconds()
        return Check("worker", False, f"newest heartbeat is {age} s old (limit {limit} s)")
    return Check("worker", True, f"newest heartbeat is {age} s old")
