"""Opening an IMAP connection for a mailbox: TLS, STARTTLS or plain, password or XOAUTH2.

Secrets never live in the database: a mailbox names the environment variable that holds its
password (`imap_secret_env`) or its OAuth access token (`imap_oauth_token_env`); `NAME_FILE`
works as everywhere else in Helpline.

TLS and STARTTLS always verify the server's certificate and host name, against the system's CAs
or the bundle in HELPLINE_MAIL_IMAP_CA_FILE (a private CA). A STARTTLS mailbox whose server does
not offer STARTTLS fails: it never falls back to sending the password in clear.
"""

from __future__ import annotations

import ssl

from imapclient import IMAPClient

from helpline.mail.conf import imap_ca_file, secret_from_env
from helpline.mail.models import Mailbox

TIMEOUT_SECONDS = 60


class ImapConfigError(Exception):
    """The mailbox cannot be read as configured (no host, no secret)."""


def imap_ssl_context() -> ssl.SSLContext:
    """A verifying context (certificate and host name) with the configured CAs."""
    return ssl.create_default_context(cafile=imap_ca_file() or None)


def imap_connect(mailbox: Mailbox, *, ssl_context: ssl.SSLContext | None = None) -> IMAPClient:
    """A logged-in IMAPClient for the mailbox (the folder is not selected yet)."""
    if not mailbox.imap_host:
        raise ImapConfigError(f"Mailbox {mailbox.name} has no IMAP host")
    context = ssl_context or imap_ssl_context()
    security = mailbox.imap_security
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=security == Mailbox.Security.TLS,
        ssl_context=context if security == Mailbox.Security.TLS else None,
        timeout=TIMEOUT_SECONDS,
    )
    try:
        if security == Mailbox.Security.STARTTLS:
            client.starttls(context)
        _login(client, mailbox)
    except BaseException:
        _close_quietly(client)
        raise
    return client


def _login(client: IMAPClient, mailbox: Mailbox) -> None:
    username = mailbox.imap_username or mailbox.address
    token = secret_from_env(mailbox.imap_oauth_token_env)
    if token:
        client.oauth2_login(username, token)
        return
    password = secret_from_env(mailbox.imap_secret_env)
    if not password:
        raise ImapConfigError(
            f"Mailbox {mailbox.name}: set the environment variable named in imap_secret_env "
            f"({mailbox.imap_secret_env or 'not set'}) or imap_oauth_token_env"
        )
    client.login(username, password)


def _close_quietly(client: IMAPClient) -> None:
    try:
        client.shutdown()
    except Exception:  # noqa: BLE001, S110 - already failing; the first error is the one that matters
        pass
