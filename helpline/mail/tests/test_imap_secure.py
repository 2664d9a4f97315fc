"""Reading mailboxes the way real providers require: implicit TLS, STARTTLS, XOAUTH2 — against a
real dovecot with a throwaway CA's certificate and a real introspection endpoint on loopback."""

from __future__ import annotations

import ssl
from typing import Any

import pytest
from imapclient.exceptions import CapabilityError, LoginError

from helpline.mail.imap import ImapPoller, mailboxes_poll_once
from helpline.mail.models import ImapState, InboundMail, Mailbox
from helpline.mail.tests.secure import SecureDovecot
from helpline.mail.tests.support import Dovecot, mail_bytes
from helpline.tickets.models import Ticket

pytestmark = pytest.mark.slow

PASSWORD_ENV = "HELPLINE_TEST_IMAP_PASSWORD"
TOKEN_ENV = "HELPLINE_TEST_IMAP_TOKEN"


@pytest.fixture
def secure_mailbox(support_mailbox: Mailbox, secure_dovecot: SecureDovecot, monkeypatch: pytest.MonkeyPatch,
                   settings: Any) -> Mailbox:  # fmt: skip
    """The Support mailbox on the TLS dovecot (a fresh user), trusting the test CA."""
    assert secure_dovecot.certificates is not None
    settings.HELPLINE_MAIL_IMAP_CA_FILE = str(secure_dovecot.certificates.ca_file)
    monkeypatch.setenv(PASSWORD_ENV, "secret")
    support_mailbox.imap_host = "127.0.0.1"
    support_mailbox.imap_username = secure_dovecot.user("support")
    support_mailbox.imap_secret_env = PASSWORD_ENV
    support_mailbox.save()
    return support_mailbox


def _use(mailbox: Mailbox, *, security: str, port: int) -> Mailbox:
    mailbox.imap_security = security
    mailbox.imap_port = port
    mailbox.save()
    return mailbox


def test_the_poller_reads_over_implicit_tls(secure_mailbox: Mailbox, secure_dovecot: SecureDovecot):
    # given a 993-style port and a mail waiting
    _use(secure_mailbox, security=Mailbox.Security.TLS, port=secure_dovecot.tls_port)
    secure_dovecot.append(secure_mailbox.imap_username, mail_bytes(message_id="tls@client.test", subject="Over TLS"))

    # when
    stored = ImapPoller(secure_mailbox).poll_once()

    # then
    assert stored == 1
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["Over TLS"]
    assert all(b"\\Seen" in flags for flags, _ in secure_dovecot.messages(secure_mailbox.imap_username))


def test_the_poller_upgrades_with_starttls(secure_mailbox: Mailbox, secure_dovecot: SecureDovecot):
    # given the plain port, which offers STARTTLS
    _use(secure_mailbox, security=Mailbox.Security.STARTTLS, port=secure_dovecot.port)
    secure_dovecot.append(secure_mailbox.imap_username, mail_bytes(message_id="stls@client.test", subject="Upgraded"))

    # when
    stored = ImapPoller(secure_mailbox).poll_once()

    # then
    assert stored == 1
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["Upgraded"]


@pytest.mark.parametrize("security", [Mailbox.Security.TLS, Mailbox.Security.STARTTLS])
def test_a_certificate_from_an_unknown_ca_is_refused(secure_mailbox: Mailbox, secure_dovecot: SecureDovecot,
                                                     settings: Any, security: str):  # fmt: skip
    # given no CA bundle configured: the system's CAs do not know the test CA
    settings.HELPLINE_MAIL_IMAP_CA_FILE = ""
    port = secure_dovecot.tls_port if security == Mailbox.Security.TLS else secure_dovecot.port
    _use(secure_mailbox, security=security, port=port)
    secure_dovecot.append(secure_mailbox.imap_username, mail_bytes(message_id="mitm@client.test"))

    # when
    stored = mailboxes_poll_once()

    # then nothing was read, and the reason is on the mailbox's IMAP state
    assert stored == 0
    assert not InboundMail.objects.exists()
    assert "CERTIFICATE_VERIFY_FAILED" in ImapState.objects.get(mailbox=secure_mailbox).last_error
    assert [b"\\Seen" in flags for flags, _ in secure_dovecot.messages(secure_mailbox.imap_username)] == [False]


def test_a_certificate_for_another_host_name_is_refused(secure_mailbox: Mailbox, secure_dovecot: SecureDovecot):
    # given the right CA, but a host name the certificate does not name (it names localhost and 127.0.0.1)
    secure_mailbox.imap_host = "127.0.0.2"  # loopback too, but not in the certificate
    _use(secure_mailbox, security=Mailbox.Security.TLS, port=secure_dovecot.tls_port)

    # when / then
    with pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch|doesn't match|not valid"):
        ImapPoller(secure_mailbox).poll_once()


def test_starttls_never_falls_back_to_a_clear_text_login(imap_mailbox: Mailbox, dovecot: Dovecot):
    # given a server without TLS (the plain test dovecot) and a mailbox that asks for STARTTLS
    imap_mailbox.imap_security = Mailbox.Security.STARTTLS
    imap_mailbox.save()
    dovecot.append(imap_mailbox.imap_username, mail_bytes(message_id="clear@client.test"))

    # when / then
    with pytest.raises(CapabilityError, match="STARTTLS"):
        ImapPoller(imap_mailbox).poll_once()
    assert not InboundMail.objects.exists()


def test_xoauth2_logs_in_with_a_token_the_provider_vouches_for(secure_mailbox: Mailbox,
                                                               secure_dovecot: SecureDovecot,
                                                               monkeypatch: pytest.MonkeyPatch):  # fmt: skip
    # given a Microsoft/Google-style mailbox configured by access token (no password at all)
    assert secure_dovecot.introspection is not None
    user = secure_mailbox.imap_username
    secure_dovecot.introspection.tokens["ya29.valid-token"] = user
    monkeypatch.setenv(TOKEN_ENV, "ya29.valid-token")
    monkeypatch.delenv(PASSWORD_ENV)
    secure_mailbox.imap_oauth_token_env = TOKEN_ENV
    _use(secure_mailbox, security=Mailbox.Security.TLS, port=secure_dovecot.tls_port)
    secure_dovecot.append(user, mail_bytes(message_id="oauth@client.test", subject="By token"))
    asked_before = len(secure_dovecot.introspection.asked)

    # when
    stored = ImapPoller(secure_mailbox).poll_once()

    # then dovecot checked the token with the provider (RFC 7662 introspection) and let us in
    assert stored == 1
    assert secure_dovecot.introspection.asked[asked_before:] == ["ya29.valid-token"]
    assert list(Ticket.objects.values_list("subject", flat=True)) == ["By token"]


def test_a_token_the_provider_rejects_logs_nothing_in(secure_mailbox: Mailbox, secure_dovecot: SecureDovecot,
                                                      monkeypatch: pytest.MonkeyPatch):  # fmt: skip
    # given an expired token (the provider says it is not active)
    monkeypatch.setenv(TOKEN_ENV, "ya29.expired")
    secure_mailbox.imap_oauth_token_env = TOKEN_ENV
    _use(secure_mailbox, security=Mailbox.Security.TLS, port=secure_dovecot.tls_port)
    secure_dovecot.append(secure_mailbox.imap_username, mail_bytes(message_id="expired@client.test"))

    # when / then: no fallback to the password the mailbox also names
    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        ImapPoller(secure_mailbox).poll_once()
    assert not InboundMail.objects.exists()


def test_a_token_issued_for_another_mailbox_logs_nothing_in(secure_mailbox: Mailbox, secure_dovecot: SecureDovecot,
                                                             monkeypatch: pytest.MonkeyPatch):  # fmt: skip
    # given a valid token, but the provider says it belongs to someone else
    assert secure_dovecot.introspection is not None
    secure_dovecot.introspection.tokens["ya29.someone-elses"] = secure_dovecot.user("billing")
    monkeypatch.setenv(TOKEN_ENV, "ya29.someone-elses")
    secure_mailbox.imap_oauth_token_env = TOKEN_ENV
    _use(secure_mailbox, security=Mailbox.Security.TLS, port=secure_dovecot.tls_port)

    # when / then
    with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
        ImapPoller(secure_mailbox).poll_once()
    assert not InboundMail.objects.exists()
