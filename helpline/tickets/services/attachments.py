"""Uploading files. Content is stored once per sha256; each upload is an Attachment row."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor
from helpline.core.errors import InvalidInput, TooLarge
from helpline.customers.models import Customer
from helpline.tickets.models import Attachment, Blob

# Files that run when opened on a desktop; customers and agents may not exchange them.
FORBIDDEN_EXTENSIONS = frozenset(
    ".exe .bat .cmd .com .scr .pif .msi .msp .vbs .vbe .js .jse .wsf .wsh .ps1 .cpl .jar .hta .lnk .reg".split()
)
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def attachment_upload(
    *,
    actor: Actor | None,
    content: IO[bytes],
    filename: str,
    content_type: str = "application/octet-stream",
    content_id: str = "",
    is_inline: bool = False,
) -> Attachment:
    """Store an uploaded file, unbound until a message takes it (see attachments_bind).

    Refuses files over HELPLINE_MAX_ATTACHMENT_BYTES and executable types with a message that says
    why. Identical content is stored once.
    """
    name = filename_clean(filename)
    extension = os.path.splitext(name)[1].lower()
    if extension in FORBIDDEN_EXTENSIONS:
        raise InvalidInput(
            f"Files of type {extension} are not accepted, because they can run programs.",
            errors=[{"field": "file", "message": "forbidden file type"}],
        )
    limit = settings.HELPLINE_MAX_ATTACHMENT_BYTES
    digest, size = _hash(content, limit)
    blob = _blob_for(content, digest, size)
    return Attachment.objects.create(
        blob=blob,
        filename=name,
        content_type=(content_type or "application/octet-stream")[:255],
        size=size,
        content_id=content_id[:255],
        is_inline=is_inline,
        uploaded_by_agent=actor if isinstance(actor, Agent) else None,
        uploaded_by_customer=actor if isinstance(actor, Customer) else None,
    )


def filename_clean(filename: str) -> str:
    """A file name safe to store and to send back: no path, no control characters, not empty."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    # Invisible format characters (right-to-left override…) can disguise the real extension.
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[-255:] or "attachment"


def _hash(content: IO[bytes], limit: int) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    content.seek(0)
    while chunk := content.read(1024 * 1024):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"The file is larger than the limit of {limit // (1024 * 1024)} MB.")
        sha.update(chunk)
    content.seek(0)
    return sha.hexdigest(), size


def _blob_for(content: IO[bytes], digest: str, size: int) -> Blob:
    existing = Blob.objects.filter(sha256=digest).first()
    if existing is not None:
        return existing
    blob = Blob(sha256=digest, size=size)
    blob.file.save(f"{digest[:2]}/{digest}", File(content), save=False)
    try:
        with transaction.atomic():
            blob.save(force_insert=True)
    except IntegrityError:  # the same content arrived at the same moment elsewhere
        blob.file.delete(save=False)
        return Blob.objects.get(sha256=digest)
    return blob
