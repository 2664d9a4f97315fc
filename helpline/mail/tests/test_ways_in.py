"""The mail gate (`helpline mail ingest`) and the built-in SMTP receiver (`helpline smtpd`)."""

from __future__ import annotations

import base64
import contextlib
import io
import os
import smtplib
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from helpline.jobs.tests.support import REPO_ROOT, database_url_for_subprocess, wait_until
from helpline.mail.management.commands.mail import EX_DATAERR, EX_OK, EX_TEMPFAIL, Command
from helpline.mail.models import InboundMail, Mailbox
from helpline.mail.smtpd import smtpd_controller
from helpline.mail.tests.secure import certificates_make
from helpline.mail.tests.support import free_port, mail_bytes
from helpline.tickets.models import Ticket


def _ingest(raw: bytes, **options: Any) -> int:
    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    return command.ingest(io.BytesIO(raw), {"mailbox": "", "recipient": [], "defer": False, **options})


def test_ingest_stores_and_processes_one_message(support_mailbox: Mailbox):
    # when
    code = _ingest(mail_bytes(), recipient=["support@helpline.test"])

    # then
    inbound = InboundMail.objects.get()
    assert code == EX_OK
    assert (inbound.source, inbound.state, inbound.mailbox) == ("pipe", "processed", support_mailbox)
    assert inbound.envelope_recipients == ["support@helpline.test"]
    assert Ticket.objects.count() == 1


def test_ingest_with_defer_only_stores(support_mailbox: Mailbox):
    # when
    code = _ingest(mail_bytes(), mailbox="Support", defer=True)

    # then
    assert code == EX_OK
    assert InboundMail.objects.get().state == InboundMail.State.RECEIVED
    assert not Ticket.objects.exists()


def test_ingest_asks_the_mta_to_retry_when_it_cannot_store(support_mailbox: Mailbox):
    # when the mailbox named in the MTA's configuration does not exist
    code = _ingest(mail_bytes(), mailbox="Suport")

    # then
    assert code == EX_TEMPFAIL
    assert not InboundMail.objects.exists()


def test_ingest_refuses_a_message_over_the_hard_limit(support_mailbox: Mailbox, settings: Any):
    # given
    settings.HELPLINE_MAIL_MAX_RAW_BYTES = 1000

    # when
    code = _ingest(mail_bytes(body="x" * 2000))

    # then
    assert code == EX_DATAERR
    assert not InboundMail.objects.exists()


@pytest.mark.slow
def test_the_mail_gate_exit_codes_as_an_mta_sees_them(transactional_db: Any, tmp_path: Any):
    # given
    Mailbox.objects.create(name="Support", address="support@helpline.test")
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), "HELPLINE_MEDIA_DIR": str(tmp_path),
           "HELPLINE_DATA_DIR": str(django_settings.DATA_DIR)}  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def gate(raw: bytes, environ: dict[str, str]) -> int:
        command = [sys.executable, "-m", "helpline", "mail", "ingest"]
        return subprocess.run(command, input=raw, env=environ, cwd=REPO_ROOT, capture_output=True,  # noqa: S603
                              timeout=60).returncode  # fmt: skip

    # when / then: stored
    assert gate(mail_bytes(message_id="gate@client.test"), env) == EX_OK
    assert InboundMail.objects.get().state == InboundMail.State.PROCESSED

    # when / then: the database is unreachable, so the MTA must retry
    broken = {**env, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    assert gate(mail_bytes(message_id="gate2@client.test"), broken) == EX_TEMPFAIL
    assert InboundMail.objects.count() == 1


@pytest.mark.slow
def test_the_smtp_receiver_checks_recipients_stores_then_answers(support_mailbox: Mailbox, transactional_db: Any,
                                                                 settings: Any):  # fmt: skip
    # given
    settings.HELPLINE_MAIL_MAX_RAW_BYTES = 5_000_000
    port = free_port()
    controller = smtpd_controller(host="127.0.0.1", port=port)
    controller.start()
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            # when
            client.ehlo()
            size = client.esmtp_features.get("size")
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                client.sendmail("carla@example.com", ["nobody@helpline.test"], mail_bytes())
            rejected = client.sendmail("carla@example.com", ["support+t1-abc@helpline.test", "sales@helpline.test"],
                                       mail_bytes(message_id="smtp@client.test"))  # fmt: skip

        # then
        assert size == "5000000"
        assert refused.value.recipients["nobody@helpline.test"][0] == 550
        assert rejected == {"sales@helpline.test": (550, b"5.1.1 No such mailbox here")}
        wait_until(lambda: InboundMail.objects.filter(state="processed").exists(), timeout=10, what="processing")
        inbound = InboundMail.objects.get()
        assert (inbound.source, inbound.mailbox, inbound.envelope_recipients) == (
            "smtp", support_mailbox, ["support+t1-abc@helpline.test"])  # fmt: skip
        assert Ticket.objects.count() == 1
    finally:
        controller.stop()
        controller.handler.close()


@contextlib.contextmanager
def _receiver() -> Iterator[int]:
    port = free_port()
    controller = smtpd_controller(host="127.0.0.1", port=port, process=False)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
        controller.handler.close()


@pytest.fixture
def smtpd_tls(tmp_path: Path, settings: Any) -> ssl.SSLContext:
    """The receiver's certificate (from a throwaway CA) configured; returns a client context trusting it."""
    certificates = certificates_make(tmp_path / "tls")
    settings.HELPLINE_SMTPD_TLS_CERT = str(certificates.cert_file)
    settings.HELPLINE_SMTPD_TLS_KEY = str(certificates.key_file)
    return ssl.create_default_context(cafile=str(certificates.ca_file))


@pytest.mark.slow
def test_the_smtp_receiver_takes_mail_inside_starttls(support_mailbox: Mailbox, transactional_db: Any,
                                                      smtpd_tls: ssl.SSLContext, settings: Any):  # fmt: skip
    # given
    settings.HELPLINE_MAIL_MAX_RAW_BYTES = 5_000_000
    with _receiver() as port, smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        offered = sorted(client.esmtp_features)

        # when the sending server upgrades, checking our certificate
        client.starttls(context=smtpd_tls)
        client.ehlo()
        inside = dict(client.esmtp_features)
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("carla@example.com", ["nobody@helpline.test"], mail_bytes())
        client.sendmail("carla@example.com", ["support@helpline.test"], mail_bytes(message_id="tls@client.test"))
        cipher = client.sock.cipher()  # type: ignore[union-attr]

    # then: STARTTLS offered, SIZE and early refusals kept inside TLS, no AUTH offered (none configured)
    assert "starttls" in offered and "auth" not in offered
    assert inside["size"] == "5000000" and "starttls" not in inside and "auth" not in inside
    assert refused.value.recipients["nobody@helpline.test"][0] == 550
    assert cipher is not None and cipher[1] in {"TLSv1.2", "TLSv1.3"}
    assert list(InboundMail.objects.values_list("source", "message_id")) == [("smtp", "tls@client.test")]


@pytest.mark.slow
def test_the_smtp_receiver_refuses_auth_when_none_is_configured(support_mailbox: Mailbox, transactional_db: Any,
                                                                smtpd_tls: ssl.SSLContext):  # fmt: skip
    # given
    with _receiver() as port, smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.starttls(context=smtpd_tls)
        client.ehlo()

        # when a client tries to log in anyway
        code, _ = client.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0someone\0guess").decode())

    # then
    assert code == 504
    assert not InboundMail.objects.exists()


@pytest.mark.slow
def test_with_credentials_the_smtp_receiver_takes_mail_only_after_auth(support_mailbox: Mailbox,
                                                                       transactional_db: Any, settings: Any,
                                                                       smtpd_tls: ssl.SSLContext):  # fmt: skip
    # given a receiver behind a relay that logs in
    settings.HELPLINE_SMTPD_USER = "relay"
    settings.HELPLINE_SMTPD_PASSWORD = "s3cret-relay-password"
    with _receiver() as port, smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo()
        offered_in_clear = sorted(client.esmtp_features)
        clear_mail = client.docmd("MAIL", "FROM:<carla@example.com>")[0]

        # when it upgrades, tries a wrong password, then the right one
        client.starttls(context=smtpd_tls)
        client.ehlo()
        mechanisms = client.esmtp_features["auth"].split()
        unauthenticated_mail = client.docmd("MAIL", "FROM:<carla@example.com>")[0]
        with pytest.raises(smtplib.SMTPAuthenticationError) as wrong:
            client.login("relay", "wrong")
        client.login("relay", "s3cret-relay-password")
        client.sendmail("carla@example.com", ["support@helpline.test"], mail_bytes(message_id="auth@client.test"))

    # then nothing before TLS and AUTH, the mail after
    assert "auth" not in offered_in_clear and clear_mail == 530
    assert sorted(mechanisms) == ["LOGIN", "PLAIN"]
    assert unauthenticated_mail == 530
    assert wrong.value.smtp_code == 535
    assert list(InboundMail.objects.values_list("message_id", flat=True)) == ["auth@client.test"]


def test_auth_without_starttls_is_a_configuration_error(settings: Any):
    # given credentials but no certificate: the password would cross the network in clear
    settings.HELPLINE_SMTPD_USER = "relay"
    settings.HELPLINE_SMTPD_PASSWORD = "s3cret-relay-password"

    # when / then
    with pytest.raises(ImproperlyConfigured, match="needs STARTTLS"):
        smtpd_controller(host="127.0.0.1", port=free_port())
