"""Listing, reading, opening and changing tickets; merging them, spam, trash and purge."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Header, Query, Router, Status

from helpline.accounts.models import Agent, Team
from helpline.accounts.permissions import Actor
from helpline.api.operations import actor_of, lookup, lookup_many, refuse_fields, responses
from helpline.api.schemas import Id
from helpline.core.errors import InvalidInput, NotFound
from helpline.core.prefetch import prefetched_set
from helpline.core.prepared import INT_PLACEHOLDER, PreparedQuery
from helpline.customers.models import Customer
from helpline.customers.selectors import customer_get
from helpline.customers.services import customer_get_or_create_by_email
from helpline.tickets import selectors, services
from helpline.tickets.models import Category, Ticket
from helpline.tickets.schemas import (
    MergeIn,
    TicketCreateIn,
    TicketDetail,
    TicketListQuery,
    TicketPage,
    TicketUpdateIn,
    ticket_detail_json,
    ticket_json,
    ticket_view,
)

router = Router(tags=["tickets"])

# What a customer may not choose when opening a ticket through the API.
AGENT_ONLY_ON_CREATE = frozenset(
    {"requester", "requester_id", "priority", "status", "team_id", "assignee_id", "category_id", "tags", "cc_emails",
     "channel"}
)  # fmt: skip
IF_MATCH = r'^(\*|(W/)?"[0-9]{1,10}")$'


@router.get("/tickets", response=responses(TicketPage))
def tickets_list(request: HttpRequest, filters: Query[TicketListQuery]) -> dict[str, Any]:
    """Tickets the caller may see, newest first unless `sort` says otherwise (never counted)."""
    actor = actor_of(request)
    page = selectors.ticket_list(
        actor=actor, filters=_filters(filters, actor), sort=filters.sort, limit=filters.limit, cursor=filters.cursor
    )
    view = ticket_view(page.items, actor)
    return {"items": [ticket_json(t, view) for t in page.items], "next_cursor": page.next_cursor}


@router.post("/tickets", response=responses(TicketDetail, 409, status=201))
def ticket_create(request: HttpRequest, payload: TicketCreateIn, response: HttpResponse) -> Status:
    """Open a ticket. With a customer's token the customer is the requester and agent-only fields
    (requester, status, priority, team, assignee, category, tags, CCs, channel) are refused."""
    actor = actor_of(request)
    if isinstance(actor, Customer):
        refuse_fields(payload.model_fields_set, AGENT_ONLY_ON_CREATE, "Customers do not set these fields")
        requester = actor
    else:
        requester = _requester(actor, payload)
    if not payload.body.strip() and not payload.body_html.strip():
        raise InvalidInput("A ticket needs a first message: body or body_html.", errors=[_required("body")])
    ticket = services.ticket_create(
        actor=actor,
        requester=requester,
        subject=payload.subject,
        channel=payload.channel.value,
        body_text=payload.body,
        body_html=payload.body_html,
        priority=payload.priority.value,
        status=payload.status.value,
        team=lookup(_TEAM, payload.team_id, "team_id"),
        assignee=lookup(_AGENT, payload.assignee_id, "assignee_id"),
        category=lookup(_CATEGORY, payload.category_id, "category_id"),
        tags=payload.tags,
        custom_fields=payload.custom_fields,
        ccs=[_customer_by_email(email, field="cc_emails") for email in payload.cc_emails],
        attachment_ids=payload.attachment_ids,
        public_fields_only=isinstance(actor, Customer),
    )
    # A new ticket has no followers, and no tags or CCs but those given: no need to read them back.
    prefetched_set(ticket, "followers", [])
    if not payload.tags:
        prefetched_set(ticket, "tags", [])
    if not payload.cc_emails:
        prefetched_set(ticket, "ccs", [])
    response["Location"] = reverse("api-1:ticket_detail", kwargs={"number": ticket.number})
    response["ETag"] = _etag(ticket)
    return Status(201, ticket_detail_json(ticket, actor))


@router.get("/tickets/{number}", response=responses(TicketDetail))
def ticket_detail(request: HttpRequest, number: Id, response: HttpResponse) -> dict[str, Any]:
    actor = actor_of(request)
    ticket = selectors.ticket_get(actor=actor, number=number)
    response["ETag"] = _etag(ticket)
    return ticket_detail_json(ticket, actor)


@router.patch("/tickets/{number}", response=responses(TicketDetail, 409))
def ticket_patch(
    request: HttpRequest,
    number: Id,
    payload: TicketUpdateIn,
    response: HttpResponse,
    if_match: str | None = Header(None, alias="If-Match", pattern=IF_MATCH),
) -> dict[str, Any]:
    """Change the fields sent. Send the `version` you read (or `If-Match: "<version>"`) to be
    refused with 409 instead of overwriting someone else's change."""
    actor = actor_of(request)
    ticket = selectors.ticket_get(actor=actor, number=number)
    version = _version(payload.version, if_match)
    ticket = services.ticket_update(actor=actor, ticket=ticket, changes=_changes(payload), version=version)
    response["ETag"] = _etag(ticket)
    return ticket_detail_json(ticket, actor)


@router.delete("/tickets/{number}", response=responses(None, 409, status=204))
def ticket_purge(request: HttpRequest, number: Id) -> Status:
    """Delete a ticket in spam or trash for good (admins)."""
    actor = actor_of(request)
    services.ticket_purge(actor=actor, ticket=selectors.ticket_get(actor=actor, number=number))
    return Status(204, None)


@router.post("/tickets/{number}/merge", response=responses(TicketDetail, 409))
def ticket_merge(request: HttpRequest, number: Id, payload: MergeIn) -> dict[str, Any]:
    """Merge this ticket into `into`; answers with the ticket merged into."""
    actor = actor_of(request)
    source = selectors.ticket_get(actor=actor, number=number)
    try:
        target = selectors.ticket_get(actor=actor, number=payload.into)
    except NotFound:
        raise InvalidInput(f"There is no ticket #{payload.into}.", errors=[_unknown("into")]) from None
    merged = services.ticket_merge(actor=actor, source=source, target=target)
    return ticket_detail_json(merged, actor)


@router.post("/tickets/{number}/spam", response=responses(TicketDetail, 409))
def ticket_spam(request: HttpRequest, number: Id) -> dict[str, Any]:
    return _disposition(request, number, services.ticket_spam)


@router.post("/tickets/{number}/trash", response=responses(TicketDetail, 409))
def ticket_trash(request: HttpRequest, number: Id) -> dict[str, Any]:
    return _disposition(request, number, services.ticket_trash)


@router.post("/tickets/{number}/restore", response=responses(TicketDetail, 409))
def ticket_restore(request: HttpRequest, number: Id) -> dict[str, Any]:
    return _disposition(request, number, services.ticket_restore)


# ------------------------------------------------------------------ helpers


def _filters(query: TicketListQuery, actor: Actor) -> selectors.TicketFilters:
    assignees: list[int] = []
    unassigned = False
    for value in query.assignee:
        if value == "none":
            unassigned = True
        elif value == "me":
            if not isinstance(actor, Agent):
                raise InvalidInput(
                    "`assignee=me` is for agents.", errors=[{"field": "assignee", "message": "agents only"}]
                )
            assignees.append(actor.pk)
        else:
            assignees.append(int(value))
    if unassigned and assignees:
        raise InvalidInput(
            "Filter by assignees or by `none` (unassigned), not both.",
            errors=[{"field": "assignee", "message": "none cannot be combined with agents"}],
        )
    return selectors.TicketFilters(
        status=[s.value for s in query.status],
        team=query.team,
        unassigned=unassigned,
        assignee=assignees,
        requester=query.requester,
        priority=[p.value for p in query.priority],
        category=query.category,
        tag=query.tag,
        channel=[c.value for c in query.channel],
        created_after=query.created_after,
        created_before=query.created_before,
        updated_after=query.updated_after,
        updated_before=query.updated_before,
        disposition=query.disposition.value,
    )


# The rows a new ticket names by id, compiled once: creating tickets is the API's hottest write.
_TEAM = PreparedQuery(lambda pk: Team.objects.filter(pk=pk).order_by(), pk=INT_PLACEHOLDER)
_AGENT = PreparedQuery(lambda pk: Agent.objects.filter(pk=pk).order_by(), pk=INT_PLACEHOLDER)
_CATEGORY = PreparedQuery(lambda pk: Category.objects.filter(pk=pk).order_by(), pk=INT_PLACEHOLDER)


def _requester(actor: Actor, payload: TicketCreateIn) -> Customer:
    if payload.requester is not None and payload.requester_id is not None:
        raise InvalidInput(
            "Give the requester or requester_id, not both.",
            errors=[{"field": "requester_id", "message": "give requester or requester_id, not both"}],
        )
    if payload.requester_id is not None:
        try:
            return customer_get(actor=actor, customer_id=payload.requester_id)
        except NotFound:
            raise InvalidInput(
                f"There is no customer {payload.requester_id}.", errors=[_unknown("requester_id")]
            ) from None
    if payload.requester is not None:
        return _customer_by_email(payload.requester.email, name=payload.requester.name, field="requester.email")
    raise InvalidInput(
        "A ticket needs a requester: `requester` {email, name} or `requester_id`.", errors=[_required("requester")]
    )


def _customer_by_email(email: str, *, field: str, name: str = "") -> Customer:
    """The customer with this address, created when new (as the mail channel does)."""
    try:
        customer, _ = customer_get_or_create_by_email(email=email, name=name)
    except InvalidInput as exc:
        raise InvalidInput(exc.detail, errors=[{"field": field, "message": "not an e-mail address"}]) from None
    return customer


def _changes(payload: TicketUpdateIn) -> dict[str, Any]:
    """The `changes` of ticket_update for the fields the caller sent."""
    given = payload.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(payload, name)
        for name in ("subject", "tags", "add_tags", "remove_tags", "custom_fields")
        if name in given
    }
    for name in ("status", "priority"):
        if name in given:
            changes[name] = getattr(payload, name).value
    for name, model in (("team", Team), ("assignee", Agent), ("category", Category)):
        if f"{name}_id" in given:
            changes[name] = lookup(model.objects.all(), getattr(payload, f"{name}_id"), f"{name}_id")
    if "cc_emails" in given:
        changes["ccs"] = [_customer_by_email(email, field="cc_emails") for email in payload.cc_emails or []]
    if "follower_ids" in given:
        changes["followers"] = lookup_many(
            Agent.objects.filter(is_active=True), payload.follower_ids or [], "follower_ids"
        )
    return changes


def _version(body: int | None, if_match: str | None) -> int | None:
    header = None
    if if_match and if_match != "*":
        header = int(if_match.removeprefix("W/").strip('"'))
    if body is not None and header is not None and body != header:
        raise InvalidInput(
            f"The body says version {body} and If-Match says {header}.",
            errors=[{"field": "version", "message": "disagrees with If-Match"}],
        )
    return body if body is not None else header


def _etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def _disposition(request: HttpRequest, number: int, change: Any) -> dict[str, Any]:
    actor = actor_of(request)
    ticket = change(actor=actor, ticket=selectors.ticket_get(actor=actor, number=number))
    return ticket_detail_json(ticket, actor)


def _required(field: str) -> dict[str, str]:
    return {"field": field, "message": "required"}


def _unknown(field: str) -> dict[str, str]:
    return {"field": field, "message": "unknown"}
