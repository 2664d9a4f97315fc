"""Attachments for agents: a download, or (images only, `?inline=1`) a preview."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_safe

from helpline.tickets.models import Attachment
from helpline.tickets.selectors import attachment_get
from helpline.workspace.templatetags.helpline_ui import PREVIEW_TYPES
from helpline.workspace.views._common import agent_of, agent_view


@agent_view
@require_safe
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    return attachment_response(attachment_get(actor=agent_of(request), attachment_id=attachment_id), request)


def attachment_response(file: Attachment, request: HttpRequest) -> FileResponse:
    """The file, never sniffed and never run: a download, except images asked for inline."""
    declared = file.content_type.split(";")[0].strip().lower()
    inline = request.GET.get("inline") == "1" and declared in PREVIEW_TYPES
    response = FileResponse(
        file.blob.file.open("rb"),
        as_attachment=not inline,
        filename=file.filename,
        content_type=declared if declared in PREVIEW_TYPES else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
