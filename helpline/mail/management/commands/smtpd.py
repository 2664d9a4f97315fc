"""`helpline smtpd`: the built-in SMTP receiver (see helpline/mail/smtpd.py)."""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand

from helpline.mail.conf import smtpd_credentials, smtpd_tls_files
from helpline.mail.smtpd import smtpd_controller


class Command(BaseCommand):
    help = "Receive mail by SMTP for the configured mailboxes (store, then process)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=2525, help="Port to listen on (default 2525).")
        parser.add_argument("--no-process", action="store_true", help="Only store; jobs process the mail.")

    def handle(self, *args: Any, **options: Any) -> None:
        controller = smtpd_controller(host=options["host"], port=options["port"], process=not options["no_process"])
        stop = threading.Event()

        def handle_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, handle_signal)
        signal.signal(signal.SIGINT, handle_signal)
        controller.start()
        tls = "STARTTLS offered" if smtpd_tls_files()[0] else "no STARTTLS"
        auth = "AUTH required" if smtpd_credentials()[0] else "no AUTH"
        self.stdout.write(f"SMTP receiver on {options['host']}:{options['port']} ({tls}, {auth}); Ctrl+C stops")
        try:
            while not stop.wait(1):
                pass
        finally:
            controller.stop()
            controller.handler.close()
