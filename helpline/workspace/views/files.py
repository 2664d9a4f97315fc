"""Attachments for agents: a download; images (`?inline=1`) and PDFs (`?inline=1`, shown in a
frame of the ticket page) inline; plain text as an escaped preview."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from helpline.tickets.models import Attachment
from helpline.tickets.selectors import attachment_get
from helpline.workspace.templatetags.helpline_ui import FRAME_TYPES, PREVIEW_TYPES, TEXT_TYPES, declared_type
from helpline.workspace.views._common import agent_of, agent_view, is_htmx

TEXT_PREVIEW_BYTES = 64 * 1024


@agent_view
@require_safe
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    file = attachment_get(actor=agent_of(request), attachment_id=attachment_id)
    return attachment_response(file, request, frame_types=FRAME_TYPES)


@agent_view
@require_safe
def attachment_preview(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """The start of a plain-text file, shown as text (escaped, never run); htmx gets the fragment
    that the attachment's "Preview" opens, other browsers a page."""
    file = attachment_get(actor=agent_of(request), attachment_id=attachment_id)
    if declared_type(file) not in TEXT_TYPES:
        raise Http404("No preview for this type of file.")
    with file.blob.file.open("rb") as handle:
        head = handle.read(TEXT_PREVIEW_BYTES + 1)
    context = {
        "file": file,
        "text": head[:TEXT_PREVIEW_BYTES].decode("utf-8", errors="replace"),
        "truncated": len(head) > TEXT_PREVIEW_BYTES,
    }
    template = "workspace/attachment_preview.html"
    return render(request, f"{template}#preview" if is_htmx(request) else template, context)


def attachment_response(
    file: Attachment, request: HttpRequest, *, frame_types: frozenset[str] = frozenset()
) -> FileResponse:
    """The file, never sniffed and never run: a download, except images asked for inline and, for
    `frame_types` (PDF for agents), a document the workspace's own pages may frame."""
    declared = declared_type(file)
    inline = request.GET.get("inline") == "1" and (declared in PREVIEW_TYPES or declared in frame_types)
    response = FileResponse(
        file.blob.file.open("rb"),
        as_attachment=not inline,
        filename=file.filename,
        content_type=declared if declared in PREVIEW_TYPES or declared in frame_types else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    if inline and declared in frame_types:
        # Chromium shows no PDF in a sandboxed document: no sandbox, but nothing it could load
        # besides itself, and only our own pages may frame it.
        response["Content-Security-Policy"] = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"
    else:
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
