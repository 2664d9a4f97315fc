"""`helpline mail ingest|poll`: the mail gate for an MTA pipe, and the IMAP poller.

    helpline mail ingest [--mailbox NAME] [--recipient ADDRESS] [--defer]  < message.eml
    helpline mail poll [--mailbox NAME] [--once]

`ingest` exits 0 once the message is stored (processing problems are recorded on the stored mail,
never in the exit code), 75 (EX_TEMPFAIL) when it could not be stored so the MTA tries again,
and 65 (EX_DATAERR) for a message over HELPLINE_MAIL_MAX_RAW_BYTES, which the MTA bounces.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any, BinaryIO

from django.core.management.base import BaseCommand, CommandError

from helpline.mail.conf import max_raw_bytes
from helpline.mail.models import InboundMail, Mailbox

logger = logging.getLogger(__name__)

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Receive mail: `ingest` one message from standard input, or `poll` IMAP mailboxes."
    # An MTA runs `ingest` once per message: the system checks would cost more than the work.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        ingest = actions.add_parser("ingest", help="Store (and process) one raw message read from standard input.")
        ingest.add_argument("--mailbox", default="", help="Mailbox name (default: found from the recipients).")
        ingest.add_argument("--recipient", action="append", default=[], help="Envelope recipient (repeatable).")
        ingest.add_argument("--defer", action="store_true", help="Only store; a job processes it.")
        poll = actions.add_parser("poll", help="Read IMAP mailboxes (IDLE, or polling) until stopped.")
        poll.add_argument("--mailbox", action="append", default=[], help="Mailbox name (repeatable; default: all).")
        poll.add_argument("--once", action="store_true", help="Read what is new once, then stop.")
        poll.add_argument("--poll-seconds", type=float, default=60, help="Wait between rounds without IDLE.")
        poll.add_argument("--idle-seconds", type=float, default=25 * 60, help="Longest IDLE before a new round.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "ingest":
            sys.exit(self.ingest(sys.stdin.buffer, options))
        self.poll(options)

    def ingest(self, stream: BinaryIO, options: dict[str, Any]) -> int:
        """Store one message; the exit code the MTA acts on (see the module's docstring)."""
        limit = max_raw_bytes()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            self.stderr.write(f"helpline mail ingest: message over {limit} bytes refused")
            return EX_DATAERR
        try:
            from helpline.mail.services import mail_receive

            mailbox = _mailbox_named(options["mailbox"]) if options["mailbox"] else None
            inbound = mail_receive(raw, mailbox=mailbox, source=InboundMail.Source.PIPE,
                                   envelope_recipients=options["recipient"])  # fmt: skip
        except Exception as error:  # noqa: BLE001 - any failure to store means "try again later"
            logger.exception("helpline mail ingest could not store the message")
            self.stderr.write(f"helpline mail ingest: not stored ({type(error).__name__}: {error}); try again")
            return EX_TEMPFAIL
        self._process(inbound, defer=options["defer"])
        return EX_OK

    def _process(self, inbound: InboundMail, *, defer: bool) -> None:
        try:
            if defer:
                from helpline.mail.tasks import mail_process_task

                mail_process_task.enqueue(inbound.pk)
                return
            from helpline.mail.services import mail_process

            result = mail_process(inbound)
            self.stdout.write(f"{result.state}: {result.reason}")
        except Exception:  # noqa: BLE001 - stored is what the MTA needs to know; the sweep processes it
            logger.exception("Inbound mail %s stored but not processed now", inbound.pk)

    def poll(self, options: dict[str, Any]) -> None:
        from helpline.mail.imap import ImapPoller, mailboxes_poll_once

        names = options["mailbox"]
        mailboxes = list(Mailbox.objects.filter(is_active=True).exclude(imap_host=""))
        if names:
            mailboxes = [m for m in mailboxes if m.name in names]
            missing = set(names) - {m.name for m in mailboxes}
            if missing:
                raise CommandError(f"No active IMAP mailbox named {', '.join(sorted(missing))}")
        if not mailboxes:
            raise CommandError("No active mailbox with an IMAP host")
        if options["once"]:
            stored = mailboxes_poll_once([m.name for m in mailboxes])
            self.stdout.write(f"{stored} new message(s)")
            return
        stop = threading.Event()
        _stop_on_signals(stop)
        threads = []
        for mailbox in mailboxes:
            poller = ImapPoller(mailbox, poll_seconds=options["poll_seconds"], idle_seconds=options["idle_seconds"])
            thread = threading.Thread(target=poller.run, args=(stop,), name=f"imap-{mailbox.name}", daemon=True)
            thread.start()
            threads.append(thread)
        self.stdout.write(f"Polling {', '.join(m.name for m in mailboxes)}; Ctrl+C stops")
        while any(t.is_alive() for t in threads):
            for thread in threads:
                thread.join(timeout=1)


def _mailbox_named(name: str) -> Mailbox:
    mailbox = Mailbox.objects.filter(name=name).first()
    if mailbox is None:
        # A configuration mistake: keep the mail queued at the MTA until it is fixed.
        raise LookupError(f"No mailbox named {name!r}")
    return mailbox


def _stop_on_signals(stop: threading.Event) -> None:
    def handle(signum: int, frame: FrameType | None) -> None:
        logger.warning("Received %s: stopping the IMAP pollers", signal.strsignal(signum))
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
