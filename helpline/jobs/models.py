from __future__ import annotations

from django.db import models

from helpline.core.clock import now


class WorkerHeartbeat(models.Model):
    """A job worker says it is alive; /readyz and the reaper read these."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=now)
    last_seen_at = models.DateTimeField(default=now)

    def __str__(self) -> str:
        return self.worker_id


class ScheduleSlot(models.Model):
    """One firing of a scheduled job. The unique key makes two schedulers fire a slot once."""

    name = models.CharField(max_length=100)
    slot = models.DateTimeField()
    fired_by = models.CharField(max_length=64)
    fired_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="schedule_slot_unique")]

    def __str__(self) -> str:
        return f"{self.name}@{self.slot:%Y-%m-%d %H:%M}"
