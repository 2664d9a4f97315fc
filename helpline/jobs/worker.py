"""The job worker: django-tasks-db's worker plus a heartbeat row and a graceful stop.

Claiming is django-tasks-db's own (`select_for_update(skip_locked=True)` on PostgreSQL, an
exclusive transaction on SQLite), so any number of workers, in processes or in threads of the
embedded server, share the queues and run each job once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
from datetime import datetime, timedelta
from types import FrameType

from django.conf import settings
from django.db import OperationalError, close_old_connections, connections
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from helpline.core.clock import now
from helpline.jobs.lifecycle import StopFlag, instance_id
from helpline.jobs.services import heartbeat_seconds, worker_heartbeat_beat, worker_heartbeat_end

logger = logging.getLogger(__name__)

# A worker thread of the embedded server that crashed (database gone for a moment) starts again.
_THREAD_RESTART_SECONDS = 5.0


def configured_queues(backend_name: str = DEFAULT_TASK_BACKEND_ALIAS) -> list[str]:
    """Every queue of the backend in the TASKS setting: a worker serves them all by default."""
    return list(settings.TASKS[backend_name].get("QUEUES", ["default"]))


class HelplineWorker(Worker):
    """Run jobs until stopped, writing a heartbeat row from the loop.

    The heartbeat is written once at start and then every HELPLINE_WORKER_HEARTBEAT_SECONDS between
    jobs (not while a job runs: the reaper allows for that), and deleted on a clean stop. The first
    SIGTERM/SIGINT lets the running job finish; a second one abandons it.
    """

    def __init__(
        self,
        *,
        queue_names: list[str] | None = None,
        interval: float = 1.0,
        worker_id: str | None = None,
        backend_name: str = DEFAULT_TASK_BACKEND_ALIAS,
        max_tasks: int | None = None,
        batch: bool = False,
        stop_event: threading.Event | None = None,
    ) -> None:
        super().__init__(
            queue_names=queue_names or configured_queues(backend_name),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=False,
            max_tasks=max_tasks,
            worker_id=worker_id or instance_id(),
            excluded_queue_names=[],
        )
        self.stop = StopFlag(stop_event)
        self.hostname = socket.gethostname()[:255]
        self.heartbeat_every = heartbeat_seconds()
        self._next_beat_at: datetime | None = None

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        """Signal handler: the first signal stops after the running job, the second at once."""
        if not self.running:
            super().shutdown(signum, frame)  # logs, restores default handlers, exits with 1
            return
        logger.warning("Received %s: stopping after the running job", signal.strsignal(signum))
        self.running = False
        self.stop.request()

    def run(self) -> None:
        """Claim and run jobs until stopped (or out of work with `batch`, or after `max_tasks`)."""
        logger.info("Worker %s serving queues %s", self.worker_id, ",".join(self.queue_names))
        self._beat()
        while self.running and not self.stop.is_set():
            close_old_connections()
            self._beat_if_due()
            looked, db_task_result = self.claim_next()
            if db_task_result is not None:
                self.run_task(db_task_result)
            if self.batch and looked and db_task_result is None:
                break
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                break
            close_old_connections()
            if db_task_result is None:
                self.stop.sleep(self.interval)
        worker_heartbeat_end(worker_id=self.worker_id)
        logger.info("Worker %s stopped after %d jobs", self.worker_id, self._run_tasks)

    def claim_next(self) -> tuple[bool, DBTaskResult | None]:
        """Claim the next ready job of our queues, as django-tasks-db's worker does.

        Returns whether the queue could be looked at (False when SQLite was locked) and the job.
        """
        ready = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            ready = ready.filter(queue_name__in=self.queue_names)
        try:
            with exclusive_transaction(ready.db):
                db_task_result = ready.get_locked()
                if db_task_result is not None:
                    db_task_result.claim(self.worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):
                return False, None
            raise
        return True, db_task_result

    def _beat_if_due(self) -> None:
        if self._next_beat_at is None or now() >= self._next_beat_at:
            self._beat()

    def _beat(self) -> None:
        worker_heartbeat_beat(worker_id=self.worker_id, hostname=self.hostname, pid=os.getpid())
        self._next_beat_at = now() + timedelta(seconds=self.heartbeat_every)


def run_worker_in_thread(
    *, stop_event: threading.Event, worker_id: str | None = None, interval: float = 1.0
) -> threading.Thread:
    """Start a worker in a daemon thread of this process (the embedded server); return the thread.

    No signal handlers are installed: the owner sets `stop_event` and joins the thread. A crash of
    the loop (database briefly unavailable) is logged and the worker starts again; the thread's
    database connections are closed when it ends.
    """
    worker = HelplineWorker(worker_id=worker_id, interval=interval, stop_event=stop_event)

    def serve() -> None:
        try:
            while not stop_event.is_set():
                try:
                    worker.run()
                except Exception:
                    logger.exception("Worker %s crashed; starting again", worker.worker_id)
                    stop_event.wait(_THREAD_RESTART_SECONDS)
        finally:
            connections.close_all()

    thread = threading.Thread(target=serve, name=f"helpline-worker-{worker.worker_id}", daemon=True)
    thread.start()
    return thread
