"""`helpline serve`: the whole of Helpline in one process (the embedded mode)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import uvicorn
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from helpline.core.management.commands._server import (
    ASGI_APP,
    database_description,
    signals_end_quietly,
    url_of,
    uvicorn_options,
)
from helpline.settings import env_bool

logger = logging.getLogger("helpline.serve")

DEMO_TICKETS = 300
THREAD_STOP_SECONDS = 4.0

WorkerStarter = Callable[..., threading.Thread]
SchedulerStarter = Callable[[threading.Event], threading.Thread]


class Command(BaseCommand):
    help = (
        "Run Helpline in one process: migrate, ensure the admin, (optionally) load demo data, "
        "then serve HTTP and websockets with the job worker and scheduler as threads."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument(
            "--demo",
            action="store_true",
            help="Load demo data when the database has no tickets yet (same as HELPLINE_DEMO=1).",
        )
        parser.add_argument("--job-workers", type=int, default=1, help="Job worker threads (default 1).")

    def handle(self, *args: Any, **options: Any) -> None:
        """Prepare the database, start the job threads, serve until SIGINT/SIGTERM, stop cleanly."""
        start_worker, start_scheduler = job_runners()
        quiet = max(0, options["verbosity"] - 1)
        call_command("migrate", interactive=False, verbosity=quiet, stdout=self.stdout)
        call_command("ensure_admin", verbosity=quiet, stdout=self.stdout)
        if options["demo"] or env_bool("HELPLINE_DEMO"):
            self._load_demo()
        self.stdout.flush()
        # The threads and the server open their own connections; don't share the migrate one.
        connections.close_all()

        stop = threading.Event()
        threads = [start_worker(stop_event=stop) for _ in range(max(1, options["job_workers"]))]
        threads.append(start_scheduler(stop))
        line = (
            f"Helpline is running on {url_of(options['host'], options['port'])} "
            f"(embedded: {database_description()}, worker and scheduler in this process)"
        )
        config = uvicorn.Config(
            ASGI_APP,
            **uvicorn_options(
                host=options["host"],
                port=options["port"],
                proxy_headers=True,
                forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            ),
        )
        server = _AnnouncingServer(config, announce=lambda: self._say(line))
        with signals_end_quietly():
            try:
                server.run()
            finally:
                _stop_threads(stop, threads)
        self._say("Helpline stopped.")

    def _load_demo(self) -> None:
        from helpline.tickets.models import Ticket

        if Ticket.objects.exists():
            logger.info("demo data not loaded: the database has tickets already")
            return
        try:
            from helpline.demo.generator import demo_load
        except ImportError as exc:
            logger.warning("demo data not loaded: the demo generator is not available (%s)", exc)
            return
        self._say(f"Loading demo data ({DEMO_TICKETS} tickets)…")
        demo_load(tickets=DEMO_TICKETS)

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()


class _AnnouncingServer(uvicorn.Server):
    """A uvicorn server that says so once it really listens."""

    def __init__(self, config: uvicorn.Config, *, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self.announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.announce()


def job_runners() -> tuple[WorkerStarter, SchedulerStarter]:
    """The job worker and scheduler thread starters, or a CommandError saying what is missing."""
    try:
        from helpline.jobs.scheduler import run_scheduler_in_thread
        from helpline.jobs.worker import run_worker_in_thread
    except ImportError as exc:
        raise CommandError(
            "helpline serve runs the job worker and the scheduler in this process, but they cannot "
            f"be imported ({exc}); it needs helpline.jobs.worker.run_worker_in_thread and "
            "helpline.jobs.scheduler.run_scheduler_in_thread."
        ) from exc
    return run_worker_in_thread, run_scheduler_in_thread


def _stop_threads(stop: threading.Event, threads: list[threading.Thread]) -> None:
    stop.set()
    deadline = time.monotonic() + THREAD_STOP_SECONDS
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            logger.warning("thread %s did not stop within %s s", thread.name, THREAD_STOP_SECONDS)
