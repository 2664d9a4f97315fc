"""Reading the email channel's records, for admins only."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase

from helpline.accounts.permissions import Actor, can_manage
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.core.keyset import Page, keyset_page
from helpline.mail.models import InboundMail


def _admin_check(actor: Actor | None) -> None:
    if actor is not None and not can_manage(actor):
        raise PermissionDenied("Only admins see inbound mail.")


def inbound_list(*, actor: Actor | None, state: str = InboundMail.State.QUARANTINED, limit: int = 50,
                 cursor: str | None = None) -> Page[InboundMail]:  # fmt: skip
    """Inbound mail in one state (quarantined by default), newest first, a page at a time."""
    _admin_check(actor)
    if state not in InboundMail.State.values:
        raise InvalidInput(f"'{state}' is not one of {', '.join(InboundMail.State.values)}.")
    rows = InboundMail.objects.filter(state=state).select_related("mailbox", "ticket").defer("raw_bytes")
    return keyset_page(rows, field="received_at", descending=True, field_type=datetime, limit=limit, cursor=cursor)


def raw_response(inbound: InboundMail) -> HttpResponseBase:
    """The raw message as a download (`message/rfc822`), from the row or from storage."""
    filename = f"inbound-{inbound.pk}.eml"
    if inbound.raw_bytes is None:
        return FileResponse(inbound.raw_file.open("rb"), as_attachment=True, filename=filename,
                            content_type="message/rfc822")  # fmt: skip
    response = HttpResponse(bytes(inbound.raw_bytes), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def inbound_get(*, actor: Actor | None, inbound_id: int) -> InboundMail:
    _admin_check(actor)
    row = InboundMail.objects.select_related("mailbox", "ticket").filter(pk=inbound_id).first()
    if row is None:
        raise NotFound("No such inbound mail.")
    return row
