"""Real parts for the email channel's tests: a throwaway dovecot IMAP server, an SMTP server that
keeps what Helpline sends, a customer's mail client (imaplib), and message builders."""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from helpline.core.clock import now

DOVECOT = Path("/usr/sbin/dovecot")
RECIPE = Path(__file__).with_name("dovecot.conf")  # a copy of ../shared/recipes/dovecot.conf
IMAP_PASSWORD = "secret"  # the recipe's static password for every user


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"Nothing listens on 127.0.0.1:{port} after {timeout}s")


# ------------------------------------------------------------------ messages


def mail_bytes(
    *,
    sender: str = "Carla <carla@example.com>",
    to: str = "support@helpline.test",
    subject: str = "The printer is on fire",
    body: str = "Hello, the printer in room 4 is on fire. Please help.",
    html: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    cc: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    inline: list[tuple[str, str, bytes, str]] = (),  # type: ignore[assignment]
) -> bytes:
    """A message as a mail client writes it (CRLF, Date, Message-ID)."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = to
    if cc:
        message["Cc"] = cc
    message["Subject"] = subject
    message["Date"] = format_datetime(now())
    message["Message-ID"] = f"<{message_id}>" if message_id else make_msgid(domain="client.test")
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}>"
    if references:
        message["References"] = " ".join(f"<{r}>" for r in references)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
        html_part = [*message.iter_parts()][-1]
        for filename, content_type, content, cid in inline:
            maintype, subtype = content_type.split("/")
            html_part.add_related(content, maintype, subtype, cid=f"<{cid}>", filename=filename)
    for filename, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype, subtype, filename=filename)
    return message.as_bytes()


def message_id_of(raw: bytes) -> str:
    return str(message_from_bytes(raw, policy=policy.default)["Message-ID"]).strip().strip("<>")


def body_content(message: MIMEPart, kind: str) -> str:
    """The content of the message's `kind` body ("plain" or "html"); AssertionError when it has none."""
    body = message.get_body((kind,))
    assert body is not None, f"the message has no {kind} body"
    return body.get_content()


def reply_from_client(received: EmailMessage, *, sender: str, body: str) -> bytes:
    """What a mail client sends when its user clicks Reply: Reply-To, "Re:", threading headers."""
    references = str(received.get("References", "")).split()
    parent = str(received["Message-ID"]).strip()
    to = str(received.get("Reply-To") or received["From"])
    subject = str(received["Subject"])
    return mail_bytes(
        sender=sender,
        to=to,
        subject=subject if subject.lower().startswith("re:") else f"Re: {subject}",
        body=f"{body}\n\nOn Monday, Helpline wrote:\n> {body_content(received, 'plain')[:200]}",
        in_reply_to=parent.strip("<>"),
        references=[r.strip("<>") for r in references] + [parent.strip("<>")],
    )


# ------------------------------------------------------------------ SMTP: what Helpline sends


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.raw, policy=policy.default)


@dataclass
class SmtpSink:
    """An aiosmtpd server on loopback that keeps every mail it is given."""

    port: int
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def smtp_sink_start() -> tuple[SmtpSink, Controller]:
    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    return sink, controller


def mailers_for(port: int) -> dict[str, Any]:
    return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                        "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10}}}  # fmt: skip


# ------------------------------------------------------------------ IMAP: dovecot


@dataclass
class Dovecot:
    """A dovecot started from the shared recipe in a temporary folder, on a free loopback port."""

    directory: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls) -> Dovecot:
        directory = cls.folder_make("hl-dovecot-")
        port = free_port()
        config = RECIPE.read_text().replace("@DIR@", str(directory)).replace("@PORT@", str(port))
        (directory / "dovecot.conf").write_text(config)
        server = cls(directory=directory, port=port)
        server.launch()
        return server

    @staticmethod
    def folder_make(prefix: str) -> Path:
        """A fresh folder for a dovecot: mail is delivered as user nobody, so its Maildirs are 777."""
        directory = Path(tempfile.mkdtemp(prefix=prefix))
        (directory / "mail").mkdir()
        directory.chmod(0o755)
        (directory / "mail").chmod(0o777)
        return directory

    def launch(self) -> None:
        """Start dovecot with the configuration written in the folder; returns once it listens."""
        subprocess.run([str(DOVECOT), "-c", str(self.directory / "dovecot.conf")], check=True, timeout=30)  # noqa: S603
        wait_for_port(self.port)

    def stop(self) -> None:
        pid_file = self.directory / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().strip())
            os.kill(pid, 15)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.05)
        shutil.rmtree(self.directory, ignore_errors=True)

    def user(self, name: str) -> str:
        """A fresh user (and so a fresh, empty mailbox) for one test."""
        return f"{name}-{uuid.uuid4().hex[:8]}"

    def client(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        client.login(user, IMAP_PASSWORD)
        return client

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message into a user's folder, as the MTA would."""
        client = self.client(user)
        try:
            client.append(folder, "", imaplib.Time2Internaldate(time.time()), raw)
        finally:
            client.logout()

    def messages(self, user: str, folder: str = "INBOX") -> list[tuple[bytes, bytes]]:
        """(flags, raw) of every message in a user's folder, as the user's mail client reads them."""
        client = self.client(user)
        try:
            status, _ = client.select(f'"{folder}"', readonly=True)
            if status != "OK":
                return []
            _, data = client.uid("SEARCH", "ALL")
            found = []
            for uid in data[0].split():
                _, fetched = client.uid("FETCH", uid, "(FLAGS BODY.PEEK[])")
                flags, raw = fetched[0][0], fetched[0][1]
                found.append((flags, raw))
            return found
        finally:
            client.logout()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
