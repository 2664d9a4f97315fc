"""`helpline worker`: run jobs from the database queues until SIGTERM."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from helpline.jobs.worker import HelplineWorker, configured_queues


class Command(BaseCommand):
    help = "Run a job worker (all queues by default). SIGTERM stops it after the running job."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--queues",
            default="",
            help="Comma-separated queues to serve, or '*' (default: every queue in TASKS).",
        )
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds to wait when no job is ready.")
        parser.add_argument("--worker-id", default=None, help="Unique id (default: host-pid-random).")
        parser.add_argument("--max-tasks", type=int, default=None, help="Stop after running this many jobs.")
        parser.add_argument("--batch", action="store_true", help="Run what is ready now, then stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        queues = [q for q in options["queues"].split(",") if q] or configured_queues()
        unknown = set(queues) - set(configured_queues()) - {"*"}
        if unknown:
            raise CommandError(f"Unknown queues: {', '.join(sorted(unknown))}")
        if options["worker_id"] is not None and not 0 < len(options["worker_id"]) <= 64:
            raise CommandError("--worker-id must have 1 to 64 characters")
        worker = HelplineWorker(
            queue_names=queues,
            interval=options["interval"],
            worker_id=options["worker_id"],
            max_tasks=options["max_tasks"],
            batch=options["batch"],
        )
        worker.configure_signals()
        try:
            worker.run()
        finally:
            worker.reset_signals()
