"""The built-in SMTP receiver (aiosmtpd): `helpline smtpd`.

It advertises SIZE (HELPLINE_MAIL_MAX_RAW_BYTES), refuses recipients that are not one of our
mailboxes at RCPT time (550, so the sending server bounces at once), stores the message before it
answers 250 (451 when it could not, so the sender retries), and processes stored mail in one
background thread, in arrival order.

With HELPLINE_SMTPD_TLS_CERT and _KEY it offers STARTTLS. With HELPLINE_SMTPD_USER and _PASSWORD
it takes mail only from a sender that authenticated (PLAIN or LOGIN, only inside TLS, so it needs
the certificate too); without them AUTH is neither advertised nor accepted.
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
import ssl
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from asgiref.sync import sync_to_async
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections

from helpline.mail.conf import max_raw_bytes, smtpd_credentials, smtpd_tls_files
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

    def __init__(self, *, process: bool = True, auth: bool = False) -> None:
        self.process = process
        self.auth = auth
        self._processor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="helpline-smtpd-process")

    async def handle_EHLO(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        if self.auth:
            return responses
        return [line for line in responses if not line[4:].upper().startswith("AUTH")]

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


class PasswordAuthenticator:
    """aiosmtpd authenticator: PLAIN/LOGIN with the one configured user and password."""

    def __init__(self, user: str, password: str) -> None:
        self._user = user.encode()
        self._password = password.encode()

    def __call__(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                 auth_data: Any) -> AuthResult:  # fmt: skip
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        user_ok = hmac.compare_digest(auth_data.login, self._user)
        password_ok = hmac.compare_digest(auth_data.password, self._password)
        return AuthResult(success=user_ok and password_ok, handled=False)


def smtpd_tls_context() -> ssl.SSLContext | None:
    """The server context for STARTTLS from the configured certificate and key; None when not set."""
    cert, key = smtpd_tls_files()
    if not cert and not key:
        return None
    if not cert or not key:
        raise ImproperlyConfigured("Set both HELPLINE_SMTPD_TLS_CERT and HELPLINE_SMTPD_TLS_KEY for STARTTLS")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def smtpd_controller(*, host: str, port: int, process: bool = True, **smtp_options: Any) -> Controller:
    """A started-when-you-say controller serving HelplineHandler on host:port, with STARTTLS and
    AUTH as configured (see the module's docstring)."""
    tls_context = smtpd_tls_context()
    user, password = smtpd_credentials()
    if bool(user) != bool(password):
        raise ImproperlyConfigured("Set both HELPLINE_SMTPD_USER and HELPLINE_SMTPD_PASSWORD, or neither")
    auth = bool(user)
    if auth and tls_context is None:
        raise ImproperlyConfigured("AUTH on the SMTP receiver needs STARTTLS: set HELPLINE_SMTPD_TLS_CERT and _KEY")
    security: dict[str, Any] = {"tls_context": tls_context, "auth_require_tls": True}
    if auth:
        security.update(authenticator=PasswordAuthenticator(user, password), auth_required=True)
    else:
        security.update(auth_exclude_mechanism=["LOGIN", "PLAIN"])
    return Controller(
        HelplineHandler(process=process, auth=auth),
        hostname=host,
        port=port,
        data_size_limit=max_raw_bytes(),
        enable_SMTPUTF8=True,
        decode_data=False,
        **security,
        **smtp_options,
    )
