"""Uploading files and reading them back."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, HttpRequest
from ninja import File, Router, Status, UploadedFile

from helpline.api.operations import actor_of, responses
from helpline.api.schemas import Id
from helpline.core.errors import NotFound
from helpline.customers.models import Customer
from helpline.tickets import selectors, services
from helpline.tickets.models import Attachment, Disposition
from helpline.tickets.schemas import AttachmentOut, attachment_json

router = Router(tags=["attachments"])

# Served with their own type (browsers show them); everything else is a download of octet-stream.
# SVG is missing on purpose: it can carry script.
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@router.post("/attachments", response=responses(AttachmentOut, status=201))
def attachment_create(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """Upload a file (multipart field `file`); name its id in `attachment_ids` of a message."""
    attachment = services.attachment_upload(
        actor=actor_of(request),
        content=file,
        filename=file.name or "",
        content_type=file.content_type or "application/octet-stream",
    )
    return Status(201, attachment_json(attachment))


@router.get("/attachments/{attachment_id}", response=responses(AttachmentOut))
def attachment_detail(request: HttpRequest, attachment_id: Id) -> dict[str, Any]:
    return attachment_json(_attachment(request, attachment_id))


@router.get(
    "/attachments/{attachment_id}/content",
    response=responses(None),
    url_name="attachment_content",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as a download.",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}}
                    for t in sorted({*INLINE_TYPES, "application/octet-stream"})
                },
            }
        }
    },
)
def attachment_content(request: HttpRequest, attachment_id: Id) -> FileResponse:
    """The file itself: always a download, never sniffed, never run by the browser."""
    attachment = _attachment(request, attachment_id)
    declared = attachment.content_type.split(";")[0].strip().lower()
    response = FileResponse(
        attachment.blob.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=declared if declared in INLINE_TYPES else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _attachment(request: HttpRequest, attachment_id: int) -> Attachment:
    actor = actor_of(request)
    attachment = selectors.attachment_get(actor=actor, attachment_id=attachment_id)
    # attachment_get does not look at the disposition yet, while ticket_get hides spam and trash
    # from customers: until it does, the same rule is applied here.
    message = attachment.message
    if isinstance(actor, Customer) and message is not None and message.ticket.disposition != Disposition.ACTIVE:
        raise NotFound("No such attachment.")
    return attachment
