"""REST shapes of tickets, messages, events, attachments, categories and tags, and the plain
functions that fill them (no queries per row: callers load what a page shows in bulk)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from django.db.models import prefetch_related_objects
from django.urls import reverse
from ninja import Schema
from pydantic import Field, field_validator

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor
from helpline.api.schemas import (
    Body,
    Id,
    InputSchema,
    OutputSchema,
    PersonRef,
    Ref,
    Text,
    Text64,
    Text100,
    Text200,
    Text320,
    Text500,
    UtcDateTime,
    ref,
)
from helpline.audit.models import Event
from helpline.core.models import CustomField
from helpline.core.schemas import custom_field_public_keys
from helpline.tickets.models import Attachment, Category, Channel, Disposition, Message, Priority, Status, Tag, Ticket
from helpline.tickets.selectors import TAG_SEPARATOR

Version = Annotated[int, Field(ge=1, le=2**31 - 1)]
SORTS = Literal["-created_at", "created_at", "-updated_at", "updated_at", "-number", "number"]

# ------------------------------------------------------------------ out


class CategoryRef(OutputSchema):
    id: int
    path: str


class Author(OutputSchema):
    type: Literal["agent", "customer", "system"]
    id: int | None
    name: str


class TicketOut(OutputSchema):
    number: int
    subject: str
    status: Status
    priority: Priority
    channel: Channel
    disposition: Disposition
    requester: PersonRef
    team: Ref | None
    assignee: Ref | None
    category: CategoryRef | None
    tags: list[str] = Field(description="Agents only: empty for customers.")
    custom_fields: dict[str, Any] = Field(description="Customers see the public fields only.")
    version: int
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    solved_at: datetime | None
    closed_at: datetime | None
    first_response_due_at: datetime | None
    next_response_due_at: datetime | None
    resolution_due_at: datetime | None
    merged_into: int | None = Field(description="The number of the ticket this one was merged into.")
    follow_up_of: int | None = Field(description="The number of the closed ticket this one follows up.")


class TicketDetail(TicketOut):
    ccs: list[PersonRef]
    followers: list[Ref] = Field(description="Agents only: empty for customers.")


class TicketPage(OutputSchema):
    items: list[TicketOut]
    next_cursor: str | None


class MessageAttachment(OutputSchema):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class AttachmentOut(MessageAttachment):
    sha256: str
    message_id: int | None


class MessageOut(OutputSchema):
    id: int
    ticket: int = Field(description="The ticket's number (a message to a closed ticket starts a follow-up).")
    kind: Literal["customer", "reply", "note", "system"]
    channel: Channel
    author: Author
    body: str
    body_html: str
    created_at: datetime
    attachments: list[MessageAttachment]
    mentions: list[Ref] = Field(description="Agents only: empty for customers.")


class MessagePage(OutputSchema):
    items: list[MessageOut]
    next_cursor: str | None


class EventOut(OutputSchema):
    id: int
    kind: str
    actor: Author
    before: dict[str, Any]
    after: dict[str, Any]
    at: datetime
    message_id: int | None


class EventPage(OutputSchema):
    items: list[EventOut]
    next_cursor: str | None


class CategoryOut(OutputSchema):
    id: int
    name: str
    path: str
    parent_id: int | None
    is_active: bool


class CategoryPage(OutputSchema):
    items: list[CategoryOut]
    next_cursor: str | None


class TagOut(OutputSchema):
    id: int
    name: str


class TagPage(OutputSchema):
    items: list[TagOut]
    next_cursor: str | None


# ------------------------------------------------------------------ in


class TicketListQuery(Schema):
    status: list[Status] = Field(default_factory=list)
    team: list[Id] = Field(default_factory=list)
    assignee: list[Annotated[str, Field(pattern=r"^([1-9][0-9]{0,17}|none|me)$")]] = Field(
        default_factory=list, description="Agent ids, `none` (unassigned) or `me`."
    )
    requester: list[Id] = Field(default_factory=list)
    priority: list[Priority] = Field(default_factory=list)
    category: list[Id] = Field(default_factory=list)
    tag: list[Text64] = Field(default_factory=list)
    channel: list[Channel] = Field(default_factory=list)
    created_after: UtcDateTime | None = None
    created_before: UtcDateTime | None = None
    updated_after: UtcDateTime | None = None
    updated_before: UtcDateTime | None = None
    disposition: Disposition = Field(Disposition.ACTIVE, description="Agents only.")
    sort: SORTS = "-created_at"
    limit: int = Field(25, ge=1, le=100)
    cursor: Text500 | None = None


class RequesterIn(InputSchema):
    email: Text320
    name: Text200 = ""


class TicketCreateIn(InputSchema):
    subject: Text500
    body: Body = ""
    body_html: Body = ""
    requester: RequesterIn | None = None
    requester_id: Id | None = None
    priority: Priority = Priority.MEDIUM
    status: Status = Status.NEW
    team_id: Id | None = None
    assignee_id: Id | None = None
    category_id: Id | None = None
    tags: list[Text64] = Field(default_factory=list, max_length=100)
    custom_fields: dict[Text, Any] = Field(default_factory=dict)
    cc_emails: list[Text320] = Field(default_factory=list, max_length=50)
    attachment_ids: list[Id] = Field(default_factory=list, max_length=100)
    channel: Channel = Channel.API


class TicketUpdateIn(InputSchema):
    """Only the fields sent change; `null` clears team_id, assignee_id and category_id."""

    subject: Text500 | None = None
    status: Status | None = None
    priority: Priority | None = None
    team_id: Id | None = None
    assignee_id: Id | None = None
    category_id: Id | None = None
    tags: list[Text64] | None = Field(None, max_length=100)
    add_tags: list[Text64] | None = Field(None, max_length=100)
    remove_tags: list[Text64] | None = Field(None, max_length=100)
    custom_fields: dict[Text, Any] | None = None
    cc_emails: list[Text320] | None = Field(None, max_length=50)
    follower_ids: list[Id] | None = Field(None, max_length=100)
    version: Version | None = None

    @field_validator(
        "subject", "status", "priority", "tags", "add_tags", "remove_tags", "custom_fields", "cc_emails", "follower_ids"
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class ReplyIn(InputSchema):
    body: Body = ""
    body_html: Body = ""
    status: Status | None = None
    attachment_ids: list[Id] = Field(default_factory=list, max_length=100)
    version: Version | None = None


class NoteIn(InputSchema):
    body: Body = ""
    body_html: Body = ""
    mention_ids: list[Id] = Field(default_factory=list, max_length=100)
    attachment_ids: list[Id] = Field(default_factory=list, max_length=100)


class CustomerMessageIn(InputSchema):
    body: Body = ""
    body_html: Body = ""
    attachment_ids: list[Id] = Field(default_factory=list, max_length=100)


class MergeIn(InputSchema):
    into: Id = Field(description="The number of the ticket to merge into.")


class CategoryCreateIn(InputSchema):
    name: Text100
    parent_id: Id | None = None


class CategoryUpdateIn(InputSchema):
    """`parent_id: null` moves the category to the root."""

    name: Text100 | None = None
    is_active: bool | None = None
    parent_id: Id | None = None

    @field_validator("name", "is_active")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class TagCreateIn(InputSchema):
    name: Text64


# ------------------------------------------------------------------ filling


@dataclass(frozen=True)
class TicketView:
    """What serializing tickets for one caller needs besides the rows."""

    staff: bool
    numbers: dict[int, int]  # ticket id → number, for merged_into and follow_up_of
    public_fields: frozenset[str] | None  # custom field keys a customer may see; None for staff


def ticket_view(tickets: Iterable[Ticket], actor: Actor, *, detail: bool = False) -> TicketView:
    """Load in bulk what the rows show: requester e-mails, related numbers, CC e-mails."""
    tickets = list(tickets)
    # List rows carry the requester's e-mail (and agents' rows their tag names) as annotations.
    lookups = [] if tickets and hasattr(tickets[0], "requester_email") else ["requester__identities"]
    if detail:
        lookups += ["tags", "ccs__identities", "followers"]  # already there after ticket_get: no query
    prefetch_related_objects(tickets, *lookups)
    related = {pk for t in tickets for pk in (t.merged_into_id, t.follow_up_of_id) if pk}
    numbers = dict(Ticket.objects.filter(pk__in=related).values_list("pk", "number")) if related else {}
    staff = isinstance(actor, Agent)
    public = None
    if not staff:
        public = custom_field_public_keys(CustomField.Target.TICKET)
    return TicketView(staff=staff, numbers=numbers, public_fields=public)


def ticket_json(ticket: Ticket, view: TicketView) -> dict[str, Any]:
    fields = ticket.custom_fields or {}
    if view.public_fields is not None:
        fields = {k: v for k, v in fields.items() if k in view.public_fields}
    return {
        "number": ticket.number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "disposition": ticket.disposition,
        "requester": _requester_json(ticket),
        "team": ref(ticket.team),
        "assignee": ref(ticket.assignee),
        "category": {"id": ticket.category.pk, "path": ticket.category.path} if ticket.category else None,
        "tags": _tag_names(ticket) if view.staff else [],
        "custom_fields": fields,
        "version": ticket.version,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "first_response_at": ticket.first_response_at,
        "solved_at": ticket.solved_at,
        "closed_at": ticket.closed_at,
        "first_response_due_at": ticket.first_response_due_at,
        "next_response_due_at": ticket.next_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
        "merged_into": view.numbers.get(ticket.merged_into_id) if ticket.merged_into_id else None,
        "follow_up_of": view.numbers.get(ticket.follow_up_of_id) if ticket.follow_up_of_id else None,
    }


def ticket_detail_json(ticket: Ticket, actor: Actor) -> dict[str, Any]:
    view = ticket_view([ticket], actor, detail=True)
    return {
        **ticket_json(ticket, view),
        "ccs": [person_json(c) for c in ticket.ccs.all()],
        "followers": [ref(a) for a in ticket.followers.all()] if view.staff else [],
    }


def _requester_json(ticket: Ticket) -> dict[str, Any]:
    email = getattr(ticket, "requester_email", None)
    if email is None and not hasattr(ticket, "requester_email"):
        return person_json(ticket.requester)
    return {"id": ticket.requester_id, "name": ticket.requester.name, "email": email or ""}


def _tag_names(ticket: Ticket) -> list[str]:
    if hasattr(ticket, "tag_names"):
        return sorted(ticket.tag_names.split(TAG_SEPARATOR)) if ticket.tag_names else []
    return [tag.name for tag in ticket.tags.all()]


def person_json(customer: Any) -> dict[str, Any]:
    """A customer as {id, name, email}; its identities must be prefetched."""
    return {"id": customer.pk, "name": customer.name, "email": customer.primary_email}


def message_json(message: Message, *, number: int, staff: bool) -> dict[str, Any]:
    return {
        "id": message.pk,
        "ticket": number,
        "kind": message.kind,
        "channel": message.channel,
        "author": _author(message.author_agent if message.author_agent_id else None, message.author_customer),
        "body": message.body_text,
        "body_html": message.body_html,
        "created_at": message.created_at,
        "attachments": [message_attachment_json(a) for a in message.attachments.all()],
        "mentions": [ref(a) for a in message.mentions.all()] if staff else [],
    }


def event_json(event: Event) -> dict[str, Any]:
    actor = _author(event.actor_agent if event.actor_agent_id else None, event.actor_customer)
    if actor["type"] == "system" and event.actor_label:
        actor["name"] = event.actor_label
    return {
        "id": event.pk,
        "kind": event.kind,
        "actor": actor,
        "before": event.before,
        "after": event.after,
        "at": event.at,
        "message_id": event.message_id,
    }


def message_attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse("api-1:attachment_content", kwargs={"attachment_id": attachment.pk}),
    }


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    """An attachment with its blob loaded."""
    return {
        **message_attachment_json(attachment),
        "sha256": attachment.blob.sha256,
        "message_id": attachment.message_id,
    }


def category_json(category: Category) -> dict[str, Any]:
    return {
        "id": category.pk,
        "name": category.name,
        "path": category.path,
        "parent_id": category.parent_id,
        "is_active": category.is_active,
    }


def tag_json(tag: Tag) -> dict[str, Any]:
    return {"id": tag.pk, "name": tag.name}


def _author(agent: Agent | None, customer: Any) -> dict[str, Any]:
    if agent is not None:
        return {"type": "agent", "id": agent.pk, "name": agent.name}
    if customer is not None:
        return {"type": "customer", "id": customer.pk, "name": customer.name}
    return {"type": "system", "id": None, "name": "Helpline"}
