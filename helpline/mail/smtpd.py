"""The built-in SMTP receiver (aiosmtpd): `helpline smtpd`.

It advertises SIZE (HELPLINE_MAIL_MAX_RAW_BYTES), refuses recipients that are not one of our
mailboxes at RCPT time (550, so the sending server bounces at once), stores the message before it
answers 250 (451 when it could not, so the sender retries), and processes stored mail in one
background thread, in arrival order.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from helpline.mail.conf import max_raw_bytes
from helpline.mail.models import InboundMail, Mailbox
from helpline.mail.services import mail_process, mail_receive, mailbox_for
from helpline.mail.tokens import address_base

logger = logging.getLogger(__name__)


def recipient_known(address: str) -> bool:
    """Whether `address` (tokens allowed: support+t1042-…@) is one of our active mailboxes."""
    base = address_base(address)
    return any(base in m.own_addresses for m in Mailbox.objects.filter(is_active=True))


def _in_worker_thread[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Database work on a pool thread: a fresh connection, closed afterwards (pool threads outlive it)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return run


@_in_worker_thread
def _recipient_known(address: str) -> bool:
    return recipient_known(address)


@_in_worker_thread
def _store(content: bytes, recipients: list[str]) -> InboundMail:
    mailbox = mailbox_for(recipients)
    return mail_receive(content, mailbox=mailbox, source=InboundMail.Source.SMTP, envelope_recipients=recipients)


@_in_worker_thread
def _process(inbound_id: int) -> None:
    mail_process(inbound_id)


class HelplineHandler:
    """aiosmtpd handler: check recipients, store, answer, then process in the background."""

    def __init__(self, *, process: bool = True) -> None:
        self.process = process
        self._processor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="helpline-smtpd-process")

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not await sync_to_async(_recipient_known, thread_sensitive=False)(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        try:
            inbound = await sync_to_async(_store, thread_sensitive=False)(content, list(envelope.rcpt_tos))
        except Exception:  # noqa: BLE001 - the sender must retry, not lose the mail
            logger.exception("SMTP receiver could not store a message")
            return "451 4.3.0 Could not store the message; please try again later"
        if self.process:
            asyncio.get_running_loop().run_in_executor(self._processor, _process, inbound.pk)
        return f"250 2.0.0 Stored as {inbound.pk}"

    def close(self) -> None:
        self._processor.shutdown(wait=True)


def smtpd_controller(*, host: str, port: int, process: bool = True, **smtp_options: Any) -> Controller:
    """A started-when-you-say controller serving HelplineHandler on host:port."""
    handler = HelplineHandler(process=process)
    return Controller(
        handler,
        hostname=host,
        port=port,
        data_size_limit=max_raw_bytes(),
        enable_SMTPUTF8=True,
        decode_data=False,
        **smtp_options,
    )
