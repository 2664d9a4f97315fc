"""Receiving: store the raw message durably and record it once, before anything else happens."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from email.header import decode_header, make_header
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction

from helpline.core.prepared import insert_row_unless_exists, update_rows
from helpline.mail.conf import inline_raw_bytes, loop_header
from helpline.mail.models import InboundMail, Mailbox

logger = logging.getLogger(__name__)

# The header section is read only this far: enough for any honest mail, cheap for a hostile one.
_HEAD_SCAN_BYTES = 256 * 1024
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LINE = re.compile(rb"\r?\n(?![ \t])")
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,990})>")
_WANTED = frozenset(
    {"message-id", "from", "subject", "return-path", "auto-submitted", "precedence", "list-id", "reply-to"}
)
SYNTHETIC_DOMAIN = "helpline.invalid"


@dataclass(frozen=True)
class Head:
    """What can be read from the top of a raw message without parsing it (for records and refusals)."""

    message_id: str
    sender: str
    subject: str
    fields: dict[str, str]


def head_scan(raw: bytes) -> Head:
    """Message-ID, sender and subject from the top-level header lines; never raises."""
    chunk = raw[:_HEAD_SCAN_BYTES]
    if chunk.startswith(b"From "):  # an mbox separator line before the headers
        chunk = chunk.split(b"\n", 1)[-1]
    end = _HEAD_END.search(chunk)
    wanted = _WANTED | {loop_header().lower()}
    fields: dict[str, str] = {}
    for line in _LINE.split(chunk[: end.start()] if end else chunk):
        name, colon, value = line.partition(b":")
        key = name.strip().decode("ascii", "replace").lower()
        if colon and key in wanted and key not in fields:
            fields[key] = " ".join(value.decode("utf-8", "replace").split())[:2000]
    ids = _MESSAGE_ID.findall(fields.get("message-id", ""))
    message_id = ids[0] if ids else fields.get("message-id", "").strip()[:990]
    return Head(
        message_id=message_id if " " not in message_id else "",
        sender=_decoded(fields.get("from", ""))[:320],
        subject=_decoded(fields.get("subject", ""))[:500],
        fields=fields,
    )


def _decoded(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001 - a display value only
        return value


def raw_store(raw: bytes) -> tuple[str, str]:
    """Write the bytes to storage under their sha256 (once) and make sure they are on disk; (name, sha256).

    On local storage the file is written and fdatasync'ed before this returns: "stored" must survive
    a power cut. Other storages (S3…) are durable once `save` returns.
    """
    sha = hashlib.sha256(raw).hexdigest()
    name = f"mail/raw/{sha[:2]}/{sha}.eml"
    if isinstance(default_storage, FileSystemStorage):
        _write_durably(Path(default_storage.path(name)), raw)
    elif not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(raw))
    return name, sha


def _write_durably(path: Path, raw: bytes) -> None:
    if path.exists() and path.stat().st_size == len(raw):
        return  # the same content (its name is its hash) was stored before
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(raw)
        while view:
            view = view[os.write(descriptor, view) :]
        os.fdatasync(descriptor)
    finally:
        os.close(descriptor)
    os.replace(partial, path)


def raw_read(inbound: InboundMail, *, limit: int | None = None) -> bytes:
    """The stored raw bytes of an inbound mail (the first `limit` bytes only, when given)."""
    if inbound.raw_bytes is not None:
        raw = bytes(inbound.raw_bytes)
        return raw if limit is None else raw[:limit]
    with inbound.raw_file.open("rb") as stored:
        return stored.read() if limit is None else stored.read(limit)


def dedupe_key_for(message_id: str) -> str:
    return hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()


def mail_receive(
    raw: bytes,
    *,
    mailbox: Mailbox | None,
    source: str,
    envelope_recipients: Sequence[str] = (),
) -> InboundMail:
    """Store a raw message and record it, committed before this returns; nothing is processed.

    A small message is kept in the row itself; a large one is written to storage and flushed to
    disk before the row is committed.

    Idempotent: a message whose Message-ID (or, without one, whose bytes) arrived before returns the
    existing row with `deliveries` counted up, so a re-poll, an MTA retry or the same mail sent to
    two mailboxes is processed once. Raises only when the message could not be stored.
    """
    return mail_receive_many([raw], mailbox=mailbox, source=source, envelope_recipients=envelope_recipients)[0]


def mail_receive_many(
    raws: Sequence[bytes],
    *,
    mailbox: Mailbox | None,
    source: str,
    envelope_recipients: Sequence[str] = (),
) -> list[InboundMail]:
    """mail_receive for the messages of one fetch (an IMAP round), in their order: all are recorded
    in one transaction, so the database waits for the disk once, not once per message. Committed
    before this returns; a message that arrived before (even earlier in `raws`) returns its row
    with `deliveries` counted up."""
    if source not in InboundMail.Source.values:
        raise ValueError(f"Unknown source of mail: {source!r}")
    recipients = [str(r)[:320] for r in envelope_recipients][:100]
    rows = [_inbound_row(raw, mailbox=mailbox, source=source, recipients=recipients) for raw in raws]
    again: list[str] = []
    with transaction.atomic():
        for row in rows:
            # ON CONFLICT DO NOTHING: a duplicate leaves the transaction usable for the others.
            if insert_row_unless_exists(row, unique=("dedupe_key",)) is None:
                update_rows(InboundMail, where={"dedupe_key": row.dedupe_key}, values={}, increment=("deliveries",))
                again.append(row.dedupe_key)
    if not again:
        return rows
    existing = {r.dedupe_key: r for r in InboundMail.objects.filter(dedupe_key__in=again)}
    for row in rows:
        if row.pk is None:
            logger.info("Mail <%s> arrived again (%s); it is processed once", row.message_id, source)
    return [row if row.pk is not None else existing[row.dedupe_key] for row in rows]


def _inbound_row(raw: bytes, *, mailbox: Mailbox | None, source: str, recipients: list[str]) -> InboundMail:
    """The unsaved row of a received message; a large one's bytes are on disk already (raw_store)."""
    if len(raw) <= inline_raw_bytes():
        name, sha, inline = "", hashlib.sha256(raw).hexdigest(), raw
    else:
        (name, sha), inline = raw_store(raw), None
    head = head_scan(raw)
    message_id = head.message_id or f"{sha}@{SYNTHETIC_DOMAIN}"
    return InboundMail(
        mailbox=mailbox,
        source=source,
        dedupe_key=dedupe_key_for(message_id),
        message_id=message_id,
        raw_bytes=inline,
        raw_file=name,
        raw_sha256=sha,
        raw_size=len(raw),
        envelope_recipients=list(recipients),
        sender=head.sender,
        subject=head.subject,
    )
