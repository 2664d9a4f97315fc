"""REST shapes of the email channel (admins' quarantine, templates, sender rules)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class InboundOut(Schema):
    id: int
    state: str
    reason: str
    source: str
    mailbox: str | None
    message_id: str
    sender: str
    subject: str
    raw_size: int
    deliveries: int
    attempts: int
    ticket_number: int | None
    received_at: datetime
    processed_at: datetime | None


class InboundPage(Schema):
    items: list[InboundOut]
    next_cursor: str | None


class TemplateIn(Schema):
    subject: str
    text: str
    html: str = ""


class TemplateDraft(Schema):
    subject: str | None = None
    text: str | None = None
    html: str | None = None


class RenderedOut(Schema):
    subject: str
    text: str
    html: str


class SenderRuleIn(Schema):
    pattern: str
    action: str = "block"
    note: str = ""


class SenderRuleOut(Schema):
    id: int
    pattern: str
    action: str
    note: str
    created_at: datetime
