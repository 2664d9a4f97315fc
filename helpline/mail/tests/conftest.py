"""Fixtures of the email channel's tests: mailboxes, a real SMTP server, a real IMAP server."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpline.accounts.models import Team
from helpline.mail.models import InboundMail, Mailbox
from helpline.mail.tests.secure import SecureDovecot
from helpline.mail.tests.support import DOVECOT, Dovecot, SmtpSink, mailers_for, smtp_sink_start

IMAP_SECRET_ENV = "HELPLINE_TEST_IMAP_PASSWORD"


@pytest.fixture
def mail_env(media_root: Path, settings: Any) -> Path:
    """Raw mail and attachments in a fresh folder; mail leaves through Django's locmem backend."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    return media_root


@pytest.fixture
def support_mailbox(mail_env: Path, support_team: Team) -> Mailbox:
    return Mailbox.objects.create(
        name="Support", address="support@helpline.test", from_name="Helpline Support", default_team=support_team
    )


@pytest.fixture
def billing_mailbox(mail_env: Path, billing_team: Team) -> Mailbox:
    return Mailbox.objects.create(
        name="Billing", address="billing@helpline.test", from_name="Helpline Billing", default_team=billing_team
    )


@pytest.fixture
def deliver(support_mailbox: Mailbox) -> Callable[..., InboundMail]:
    """`deliver(raw, mailbox=…, source=…)`: receive and process one mail, as the pipe does."""
    from helpline.mail.services import mail_process, mail_receive

    def run(raw: bytes, *, mailbox: Mailbox | None = support_mailbox, source: str = "pipe") -> InboundMail:
        return mail_process(mail_receive(raw, mailbox=mailbox, source=source))

    return run


@pytest.fixture
def drain() -> Callable[[], int]:
    """Send what is due in the outbox now, as the outbox job does."""
    from helpline.outbox.drain import outbox_drain_due

    return lambda: outbox_drain_due(limit=1000)


@pytest.fixture
def smtp_sink(settings: Any) -> Iterator[SmtpSink]:
    """A real SMTP server on loopback receiving everything Helpline sends."""
    sink, controller = smtp_sink_start()
    settings.MAILERS = mailers_for(sink.port)
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A real IMAP server (Debian's dovecot) on loopback, one per test process."""
    _dovecot_required()
    server = Dovecot.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def secure_dovecot() -> Iterator[SecureDovecot]:
    """A real IMAP server with TLS (a throwaway CA's certificate), STARTTLS and XOAUTH2 checked by
    an introspection endpoint on loopback; one per test process."""
    _dovecot_required()
    server = SecureDovecot.start_secure()
    try:
        yield server
    finally:
        server.stop()


def _dovecot_required() -> None:
    if not DOVECOT.exists():
        if os.environ.get("CI", "").lower() in {"1", "true"}:
            pytest.fail("dovecot-imapd is not installed (/usr/sbin/dovecot); CI needs it")
        pytest.skip("dovecot-imapd is not installed (/usr/sbin/dovecot)")


@pytest.fixture
def imap_mailbox(support_mailbox: Mailbox, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> Mailbox:
    """The Support mailbox, read over IMAP from a fresh dovecot user."""
    monkeypatch.setenv(IMAP_SECRET_ENV, "secret")
    support_mailbox.imap_host = "127.0.0.1"
    support_mailbox.imap_port = dovecot.port
    support_mailbox.imap_security = Mailbox.Security.NONE
    support_mailbox.imap_username = dovecot.user("support")
    support_mailbox.imap_secret_env = IMAP_SECRET_ENV
    support_mailbox.save()
    return support_mailbox
