"""The scheduler: enqueues recurring jobs, each slot exactly once however many schedulers run.

Every tick, each scheduled job's latest slot (the newest time at or before now that its trigger
names) is fired unless this process already saw it fired. Firing is one transaction: INSERT a
`ScheduleSlot(name, slot)` row, then enqueue the job. The unique key on (name, slot) lets exactly
one scheduler win; the losers get an IntegrityError and enqueue nothing. Because only the latest
slot is ever considered, a scheduler that was down fires one missed slot per job, not a storm.

The schedule itself is listed in `helpline/jobs/schedule.py`.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Protocol

from django.db import IntegrityError, close_old_connections, connections, transaction
from django.tasks import Task
from django.utils.module_loading import import_string

from helpline.core.clock import now
from helpline.jobs.cron import parse_cron
from helpline.jobs.lifecycle import StopFlag, instance_id
from helpline.jobs.models import ScheduleSlot

logger = logging.getLogger(__name__)

DEFAULT_SCHEDULE = "helpline.jobs.schedule.SCHEDULE"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Trigger(Protocol):
    def latest_slot(self, moment: datetime) -> datetime: ...


@dataclass(frozen=True)
class Every:
    """Slots every `seconds`, aligned on the Unix epoch so that all schedulers agree on them."""

    seconds: int

    def __str__(self) -> str:
        return f"every({self.seconds}s)"

    def latest_slot(self, moment: datetime) -> datetime:
        elapsed = int((moment - _EPOCH).total_seconds())
        return _EPOCH + timedelta(seconds=elapsed - elapsed % self.seconds)


def every(*, seconds: int = 0, minutes: int = 0, hours: int = 0) -> Every:
    """A trigger firing at a fixed period (`every(seconds=5)`, `every(hours=1)`)."""
    total = seconds + 60 * minutes + 3600 * hours
    if total < 1:
        raise ValueError("every() needs a period of at least one second")
    return Every(total)


def cron(expression: str) -> Trigger:
    """A trigger firing at the minutes a cron expression names, in UTC (see jobs/cron.py)."""
    return parse_cron(expression)


@dataclass(frozen=True)
class ScheduledJob:
    """A recurring job: its slot name, when it fires, and the dotted path of its Task."""

    name: str
    when: Trigger
    task_path: str


def scheduled_tasks(jobs: list[ScheduledJob] | tuple[ScheduledJob, ...]) -> list[tuple[ScheduledJob, Task]]:
    """Import each job's Task; a job whose task cannot be imported (yet) is skipped with a warning."""
    resolved = []
    for job in jobs:
        try:
            task = import_string(job.task_path)
        except ImportError as error:
            logger.warning("Scheduled job %s skipped: cannot import %s (%s)", job.name, job.task_path, error)
            continue
        if not isinstance(task, Task):
            logger.warning("Scheduled job %s skipped: %s is not a task", job.name, job.task_path)
            continue
        resolved.append((job, task))
    return resolved


class Scheduler:
    """Fire due slots of the given jobs; run `tick()` about once a second."""

    def __init__(
        self,
        *,
        jobs: list[ScheduledJob] | tuple[ScheduledJob, ...] | None = None,
        scheduler_id: str | None = None,
    ) -> None:
        if jobs is None:
            jobs = import_string(DEFAULT_SCHEDULE)
        self.scheduled = scheduled_tasks(jobs)
        self.scheduler_id = scheduler_id or instance_id()
        # The newest slot of each job this process knows to be fired (by itself or another).
        self._seen: dict[str, datetime] = {}

    def tick(self, moment: datetime | None = None) -> list[str]:
        """Fire every job whose latest slot is new; returns the names this scheduler fired.

        Writes a ScheduleSlot row and enqueues the job for each slot it wins.
        """
        moment = moment or now()
        fired = []
        for job, task in self.scheduled:
            slot = job.when.latest_slot(moment)
            if self._seen.get(job.name) == slot:
                continue
            try:
                won = self._fire(job, task, slot)
            except Exception:
                # One broken job (or a database hiccup) must not hold up the others; try next tick.
                logger.exception("Could not fire %s@%s", job.name, slot.isoformat())
                continue
            if won:
                fired.append(job.name)
            self._seen[job.name] = slot
        return fired

    def _fire(self, job: ScheduledJob, task: Task, slot: datetime) -> bool:
        try:
            with transaction.atomic():
                ScheduleSlot.objects.create(name=job.name, slot=slot, fired_by=self.scheduler_id, fired_at=now())
                task.enqueue()
        except IntegrityError:
            logger.debug("Slot %s@%s was fired by another scheduler", job.name, slot.isoformat())
            return False
        logger.info("Fired %s@%s", job.name, slot.isoformat())
        return True

    def run(self, stop: StopFlag, *, tick_seconds: float = 1.0) -> None:
        """Tick until `stop` is set."""
        names = ", ".join(job.name for job, _ in self.scheduled)
        logger.info("Scheduler %s running: %s", self.scheduler_id, names)
        while not stop.is_set():
            close_old_connections()
            self.tick()
            stop.sleep(tick_seconds)
        logger.info("Scheduler %s stopped", self.scheduler_id)


def install_stop_signals(stop: StopFlag) -> None:
    """Let SIGTERM/SIGINT end the scheduler's loop after the current tick (main thread only)."""

    def handle(signum: int, frame: FrameType | None) -> None:
        logger.warning("Received %s: stopping the scheduler", signal.strsignal(signum))
        stop.request()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


def run_scheduler_in_thread(
    stop_event: threading.Event, *, tick_seconds: float = 1.0, scheduler_id: str | None = None
) -> threading.Thread:
    """Start a scheduler in a daemon thread (the embedded server); return the thread.

    The owner sets `stop_event` and joins it; the thread closes its database connections at the end.
    """
    scheduler = Scheduler(scheduler_id=scheduler_id)

    def serve() -> None:
        try:
            scheduler.run(StopFlag(stop_event), tick_seconds=tick_seconds)
        finally:
            connections.close_all()

    thread = threading.Thread(target=serve, name=f"helpline-scheduler-{scheduler.scheduler_id}", daemon=True)
    thread.start()
    return thread
