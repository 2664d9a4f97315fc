"""Thin job wrappers of the jobs app's own housekeeping (scheduled in jobs/schedule.py)."""

from __future__ import annotations

from django.tasks import task

from helpline.jobs import services
from helpline.jobs.reaper import stuck_jobs_reap


@task(queue_name="scheduled")
def jobs_reap_stuck() -> int:
    """Hand the jobs of dead workers back to the queue; returns how many were handed back."""
    return stuck_jobs_reap()


@task(queue_name="scheduled")
def schedule_slots_prune() -> int:
    """Delete fired schedule slots older than two days (the newest per job stays)."""
    return services.schedule_slots_prune()


@task(queue_name="scheduled")
def heartbeats_prune() -> int:
    """Delete heartbeats of workers not seen for a day."""
    return services.worker_heartbeats_prune()


@task(queue_name="scheduled")
def task_results_prune() -> int:
    """Delete finished job results (successful after 7 days, failed after 30)."""
    return services.task_results_prune()
