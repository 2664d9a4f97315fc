"""REST endpoints of the email channel, mounted under /api/v1/mail/ (admins only).

The quarantine: list inbound mail by state, download a raw message, process it again; templates
with a preview; sender rules; "mark as spam and block the sender".
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import Router

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor
from helpline.core.errors import NotFound, PermissionDenied
from helpline.customers.models import Customer
from helpline.mail.models import InboundMail, SenderRule
from helpline.mail.schemas import (
    InboundOut,
    InboundPage,
    RenderedOut,
    SenderRuleIn,
    SenderRuleOut,
    TemplateDraft,
    TemplateIn,
)
from helpline.mail.selectors import inbound_get, inbound_list, raw_response
from helpline.mail.services import inbound_retry, sender_rule_set, ticket_spam_and_block
from helpline.mail.templating import template_preview, template_save
from helpline.tickets.models import Ticket

router = Router(tags=["mail"])


def _actor(request: HttpRequest) -> Actor:
    """The caller the API's authentication found (request.actor / request.auth), else the session's agent."""
    for found in (getattr(request, "actor", None), getattr(request, "auth", None)):
        if isinstance(found, Agent | Customer):
            return found
    user = getattr(request, "user", None)
    if isinstance(user, Agent) and user.is_authenticated:
        return user
    raise PermissionDenied("Sign in as an admin.")


def _inbound_out(row: InboundMail) -> dict[str, Any]:
    return {
        "id": row.pk, "state": row.state, "reason": row.reason, "source": row.source,
        "mailbox": row.mailbox.name if row.mailbox else None, "message_id": row.message_id, "sender": row.sender,
        "subject": row.subject, "raw_size": row.raw_size, "deliveries": row.deliveries, "attempts": row.attempts,
        "ticket_number": row.ticket.number if row.ticket else None, "received_at": row.received_at,
        "processed_at": row.processed_at,
    }  # fmt: skip


@router.get("/inbound", response=InboundPage, summary="Inbound mail in one state (the quarantine by default)")
def inbound_list_view(request: HttpRequest, state: str = "quarantined", limit: int = 50,
                      cursor: str | None = None) -> dict[str, Any]:  # fmt: skip
    page = inbound_list(actor=_actor(request), state=state, limit=max(1, min(limit, 200)), cursor=cursor)
    return {"items": [_inbound_out(r) for r in page.items], "next_cursor": page.next_cursor}


@router.get("/inbound/{inbound_id}", response=InboundOut, summary="One inbound mail")
def inbound_detail_view(request: HttpRequest, inbound_id: int) -> dict[str, Any]:
    return _inbound_out(inbound_get(actor=_actor(request), inbound_id=inbound_id))


@router.get("/inbound/{inbound_id}/raw", summary="The raw message as received (message/rfc822)")
def inbound_raw_view(request: HttpRequest, inbound_id: int) -> HttpResponseBase:
    row = inbound_get(actor=_actor(request), inbound_id=inbound_id)
    return raw_response(row)


@router.post("/inbound/{inbound_id}/retry", response=InboundOut, summary="Process a quarantined or ignored mail again")
def inbound_retry_view(request: HttpRequest, inbound_id: int) -> dict[str, Any]:
    actor = _actor(request)
    done = inbound_retry(actor=actor, inbound=inbound_get(actor=actor, inbound_id=inbound_id))
    return _inbound_out(InboundMail.objects.select_related("mailbox", "ticket").get(pk=done.pk))


@router.post("/templates/{key}/preview", response=RenderedOut, summary="Render a template or a draft with sample data")
def template_preview_view(request: HttpRequest, key: str, draft: TemplateDraft) -> Any:
    _actor(request)
    return template_preview(key, subject=draft.subject, text=draft.text, html=draft.html)


@router.put("/templates/{key}", response=RenderedOut, summary="Save a template; returns its preview")
def template_save_view(request: HttpRequest, key: str, body: TemplateIn) -> Any:
    template_save(actor=_actor(request), key=key, subject=body.subject, text=body.text, html=body.html)
    return template_preview(key)


@router.get("/sender-rules", response=list[SenderRuleOut], summary="Sender block and allow rules")
def sender_rules_view(request: HttpRequest) -> Any:
    actor = _actor(request)
    if not isinstance(actor, Agent) or not actor.is_admin:
        raise PermissionDenied("Only admins see the sender lists.")
    return list(SenderRule.objects.all()[:1000])


@router.post("/sender-rules", response=SenderRuleOut, summary="Block or allow an address or @domain")
def sender_rule_set_view(request: HttpRequest, body: SenderRuleIn) -> Any:
    return sender_rule_set(actor=_actor(request), pattern=body.pattern, action=body.action, note=body.note)


@router.post("/tickets/{number}/spam-and-block", summary="Mark a ticket as spam and block its requester's addresses")
def spam_and_block_view(request: HttpRequest, number: int) -> dict[str, Any]:
    ticket = Ticket.objects.filter(number=number).first()
    if ticket is None:
        raise NotFound("No such ticket.")
    done = ticket_spam_and_block(actor=_actor(request), ticket=ticket)
    return {"number": done.number, "disposition": done.disposition}
