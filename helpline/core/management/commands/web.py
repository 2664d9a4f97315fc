"""`helpline web`: the HTTP and websocket server of the scaled mode (uvicorn worker processes)."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from helpline.core.management.commands._server import (
    ASGI_APP,
    database_description,
    signals_end_quietly,
    url_of,
    uvicorn_options,
)

logger = logging.getLogger("helpline.web")


class Command(BaseCommand):
    help = (
        "Serve HTTP and websockets with N uvicorn worker processes. Jobs run elsewhere: "
        "`helpline worker` and `helpline scheduler`. Run `helpline migrate` first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="Address to bind (default 127.0.0.1; 0.0.0.0 to listen on every interface).",
        )
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY") or 2),
            help="Worker processes (default $WEB_CONCURRENCY, else 2).",
        )
        parser.add_argument(
            "--proxy-headers",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Trust X-Forwarded-For/-Proto from --forwarded-allow-ips (default on).",
        )
        parser.add_argument(
            "--forwarded-allow-ips",
            default=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
            help="Proxies whose forwarded headers are trusted: IPs, networks or '*' "
            "(default $FORWARDED_ALLOW_IPS, else 127.0.0.1).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Serve until SIGINT/SIGTERM; uvicorn's supervisor restarts worker processes that die."""
        if options["workers"] < 1:
            raise CommandError("--workers must be 1 or more.")
        if not settings.REDIS_URL:
            logger.warning(
                "REDIS_URL is not set: live updates reach only websockets of the process that "
                "made the change, and each process has its own cache. Set REDIS_URL when running "
                "more than one process."
            )
        self.stdout.write(
            f"Helpline web on {url_of(options['host'], options['port'])} with "
            f"{options['workers']} worker process(es) ({database_description()})"
        )
        self.stdout.flush()
        with signals_end_quietly():
            uvicorn.run(
                ASGI_APP,
                workers=options["workers"],
                **uvicorn_options(
                    host=options["host"],
                    port=options["port"],
                    proxy_headers=options["proxy_headers"],
                    forwarded_allow_ips=options["forwarded_allow_ips"],
                ),
            )
