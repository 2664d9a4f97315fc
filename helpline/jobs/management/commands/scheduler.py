"""`helpline scheduler`: enqueue recurring jobs (jobs/schedule.py) until SIGTERM."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from helpline.jobs.lifecycle import StopFlag
from helpline.jobs.scheduler import DEFAULT_SCHEDULE, Scheduler, install_stop_signals


class Command(BaseCommand):
    help = "Run the scheduler. Several may run at once: each slot still fires once."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--tick", type=float, default=1.0, help="Seconds between ticks.")
        parser.add_argument("--once", action="store_true", help="Tick once, then stop.")
        parser.add_argument("--scheduler-id", default=None, help="Id recorded on fired slots.")
        parser.add_argument(
            "--schedule",
            default=DEFAULT_SCHEDULE,
            help="Dotted path of the list of ScheduledJob to run (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scheduler = Scheduler(jobs=import_string(options["schedule"]), scheduler_id=options["scheduler_id"])
        if options["once"]:
            scheduler.tick()
            return
        stop = StopFlag()
        install_stop_signals(stop)
        scheduler.run(stop, tick_seconds=options["tick"])
