"""Inbound attachments: stored through the tickets' upload service, inline `cid:` images pointed
at their download URL. A file the upload service refuses (executable type, too large) is left out
and named in the message's metadata; it never stops the mail."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from helpline.accounts.models import Agent
from helpline.core.errors import InvalidInput, TooLarge
from helpline.mail.conf import attachment_url
from helpline.mail.parsing import ParsedAttachment
from helpline.tickets.services import attachment_upload

_CID = re.compile(r"""(["'(])cid:([^"')\s>]+)""", re.IGNORECASE)


@dataclass
class StoredFiles:
    """Attachment ids to bind, the HTML with `cid:` references rewritten, and what was left out."""

    ids: list[int] = field(default_factory=list)
    html: str = ""
    skipped: list[str] = field(default_factory=list)


def attachments_store(attachments: Sequence[ParsedAttachment], *, html: str, actor: Agent | None) -> StoredFiles:
    """Upload every attachment (unbound, uploaded by `actor`: None for a customer's mail) and point
    the HTML's `cid:` references at the stored inline images."""
    stored = StoredFiles()
    by_cid: dict[str, int] = {}
    for attachment in attachments:
        try:
            row = attachment_upload(
                actor=actor,
                content=io.BytesIO(attachment.content),
                filename=attachment.filename or _fallback_name(attachment),
                content_type=attachment.content_type,
                content_id=attachment.content_id,
                is_inline=attachment.is_inline,
            )
        except (InvalidInput, TooLarge) as error:
            stored.skipped.append(f"{attachment.filename}: {error.detail}")
            continue
        stored.ids.append(row.pk)
        if attachment.content_id:
            by_cid[attachment.content_id.strip("<>").lower()] = row.pk
    stored.html = cid_rewrite(html, by_cid)
    return stored


def cid_rewrite(html: str, by_cid: dict[str, int]) -> str:
    """`cid:<id>` → the attachment's download URL, for the ids we stored (others stay as they are)."""
    if not html or not by_cid:
        return html

    def swap(match: re.Match[str]) -> str:
        attachment_id = by_cid.get(match.group(2).strip("<>").lower())
        return f"{match.group(1)}{attachment_url(attachment_id)}" if attachment_id else match.group(0)

    return _CID.sub(swap, html)


def _fallback_name(attachment: ParsedAttachment) -> str:
    subtype = attachment.content_type.partition("/")[2] or "bin"
    return f"attachment.{re.sub(r'[^a-z0-9]+', '', subtype.lower())[:10] or 'bin'}"
