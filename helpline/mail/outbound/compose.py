"""Turning a `mail` outbox payload into a MIME message, and sending it through Django's mailer.

The payload is plain JSON written when the mail was queued; every header value is cleaned again
here, so nothing a customer or an agent typed can add a header. Inline images go out as
`multipart/related` parts of the HTML, the rest as attachments.
"""

from __future__ import annotations

import email.policy
import re
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime
from typing import Any

from django.core.mail import EmailMessage as DjangoEmailMessage

from helpline.core.clock import now
from helpline.mail.conf import loop_header
from helpline.mail.headers import header_address, header_clean
from helpline.tickets.models import Attachment

_MESSAGE_ID = re.compile(r"^[^<>\s@]{1,900}@[^<>\s@]{1,255}$")
MAX_REFERENCES = 20
AUTO_SUBMITTED_VALUES = frozenset({"auto-replied", "auto-generated"})


class PreparedEmail(DjangoEmailMessage):
    """A message built here, handed to any Django mail backend (SMTP, locmem, console…).

    `from_email` is the envelope sender (SMTP MAIL FROM); '' is the null reverse-path `<>`, which
    Django would otherwise replace with DEFAULT_FROM_EMAIL (see `send.py` for how it is sent)."""

    def __init__(self, mime: MimeMessage, *, envelope_from: str, recipients: list[str]) -> None:
        super().__init__(from_email=envelope_from, to=recipients)
        self.from_email = envelope_from  # kept '' (Django's constructor puts DEFAULT_FROM_EMAIL there)
        self._mime = mime

    @property
    def null_sender(self) -> bool:
        return not self.from_email

    def message(self, *, policy: email.policy.Policy = email.policy.default) -> MimeMessage:  # type: ignore[override]
        self._mime.policy = policy
        return self._mime


def message_id_clean(value: str) -> str | None:
    """A Message-ID without <> when it is safe to write in a header; None otherwise."""
    text = (value or "").strip().strip("<>")
    return text if _MESSAGE_ID.match(text) else None


def references_clean(values: list[str]) -> list[str]:
    """Safe ids, no repeats, at most MAX_REFERENCES (the first, then the newest ones)."""
    ids = list(dict.fromkeys(v for v in (message_id_clean(x) for x in values) if v))
    if len(ids) > MAX_REFERENCES:
        ids = ids[:1] + ids[-(MAX_REFERENCES - 1) :]
    return ids


def mime_build(payload: dict[str, Any]) -> PreparedEmail:
    """The message a `mail` payload describes; ValueError when the payload cannot make a safe mail.

    Payload: `from` and optional `reply_to` as [name, email]; `to`, `cc` as lists of [name, email];
    `subject`, `text`, `html`; `message_id`, `in_reply_to`, `references` (ids without <>);
    `auto_submitted` ("auto-replied"/"auto-generated"); `attachments` and `inline` (Attachment ids;
    the HTML refers to an inline one as `cid:<inline_cid(id)>`).
    """
    sender = header_address(payload["from"][1], payload["from"][0])
    to = [header_address(a[1], a[0]) for a in payload.get("to") or []]
    cc = [header_address(a[1], a[0]) for a in payload.get("cc") or []]
    if not to:
        raise ValueError("A mail needs at least one recipient")
    mime = MimeMessage(policy=email.policy.default)
    mime["From"] = sender
    mime["To"] = tuple(to)
    if cc:
        mime["Cc"] = tuple(cc)
    if payload.get("reply_to"):
        mime["Reply-To"] = header_address(payload["reply_to"][1], payload["reply_to"][0])
    mime["Subject"] = header_clean(payload.get("subject", ""))
    mime["Date"] = format_datetime(now())
    _thread_headers(mime, payload)
    if payload.get("auto_submitted") in AUTO_SUBMITTED_VALUES:
        mime["Auto-Submitted"] = payload["auto_submitted"]
        mime["X-Auto-Response-Suppress"] = "All"
    mime[loop_header()] = "1"
    _bodies(mime, payload)
    recipients = [a.addr_spec for a in (*to, *cc)]
    # RFC 3834 §3.3 / RFC 5321 §4.5.5: automatic mail goes out with the null envelope sender, so a
    # bounce of it is never sent anywhere (no loop with a broken autoresponder or mailer-daemon);
    # a person's reply keeps the mailbox as envelope sender, so its bounces come back to us.
    automatic = payload.get("auto_submitted") in AUTO_SUBMITTED_VALUES
    return PreparedEmail(mime, envelope_from="" if automatic else sender.addr_spec, recipients=recipients)


def inline_cid(attachment_id: int) -> str:
    return f"hl-att-{int(attachment_id)}@helpline"


def _thread_headers(mime: MimeMessage, payload: dict[str, Any]) -> None:
    message_id = message_id_clean(payload.get("message_id", ""))
    if message_id is None:
        raise ValueError("A mail needs a valid Message-ID")
    mime["Message-ID"] = f"<{message_id}>"
    parent = message_id_clean(payload.get("in_reply_to") or "")
    if parent:
        mime["In-Reply-To"] = f"<{parent}>"
    references = references_clean(list(payload.get("references") or []))
    if references:
        mime["References"] = " ".join(f"<{r}>" for r in references)


def _bodies(mime: MimeMessage, payload: dict[str, Any]) -> None:
    mime.set_content(payload.get("text") or "", cte="quoted-printable")
    html = payload.get("html") or ""
    if html:
        mime.add_alternative(html, subtype="html", cte="quoted-printable")
        html_part = [*mime.iter_parts()][-1]
        for attachment in _attachments(payload.get("inline") or []):
            maintype, subtype = _content_type(attachment)
            html_part.add_related(
                _read(attachment), maintype, subtype, cid=f"<{inline_cid(attachment.pk)}>",
                filename=attachment.filename, disposition="inline",
            )  # fmt: skip
    for attachment in _attachments(payload.get("attachments") or []):
        maintype, subtype = _content_type(attachment)
        mime.add_attachment(_read(attachment), maintype, subtype, filename=attachment.filename)


def _attachments(ids: list[int]) -> list[Attachment]:
    rows = {a.pk: a for a in Attachment.objects.select_related("blob").filter(pk__in=ids)}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise ValueError(f"Attachments {missing} no longer exist")
    return [rows[i] for i in ids]


def _content_type(attachment: Attachment) -> tuple[str, str]:
    maintype, _, subtype = header_clean(attachment.content_type).lower().partition("/")
    if not maintype or not subtype or maintype in {"multipart", "message"}:
        return "application", "octet-stream"
    return maintype, subtype


def _read(attachment: Attachment) -> bytes:
    with attachment.blob.file.open("rb") as stored:
        return stored.read()
