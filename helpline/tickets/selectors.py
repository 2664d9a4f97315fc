"""Reading tickets, threads, events and attachments, already scoped to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db import connection, models
from django.db.models import BooleanField, Prefetch, QuerySet, TextField, prefetch_related_objects
from django.db.models.expressions import RawSQL

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor, can_view_ticket, ticket_visibility
from helpline.audit.models import Event
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.core.keyset import Page, keyset_page, keyset_rows_page
from helpline.core.prefetch import prefetched_set
from helpline.core.prepared import INT_PLACEHOLDER, PreparedQuery
from helpline.customers.models import ContactIdentity, Customer
from helpline.tickets.models import Attachment, Disposition, Message, Tag, Ticket

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _RelationsPresent(TypedDict):  # what _ticket_by_number annotates
        has_tags: bool
        has_ccs: bool
        has_followers: bool

    class _FilesPresent(TypedDict):  # what _messages annotates
        has_attachments: bool


SORTS: dict[str, tuple[str, bool, type]] = {
    "-created_at": ("created_at", True, datetime),
    "created_at": ("created_at", False, datetime),
    "-updated_at": ("updated_at", True, datetime),
    "updated_at": ("updated_at", False, datetime),
    "-number": ("number", True, int),
    "number": ("number", False, int),
}


# What a list row shows of the related rows: loading whole agents, customers and teams for 25 rows
# costs more CPU than the query itself.
LIST_COLUMNS = (
    *(f.name for f in Ticket._meta.concrete_fields),
    "requester__id",
    "requester__name",
    "assignee__id",
    "assignee__name",
    "team__id",
    "team__name",
    "team__is_private",
    "category__id",
    "category__path",
)


@dataclass
class TicketFilters:
    status: list[str] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    unassigned: bool = False
    assignee: list[int] = field(default_factory=list)
    requester: list[int] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    category: list[int] = field(default_factory=list)
    tag: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    disposition: str = Disposition.ACTIVE


def ticket_queryset(*, actor: Actor) -> QuerySet[Ticket]:
    """The tickets the actor may see, with what a list row shows loaded in the same query."""
    return (
        Ticket.objects.filter(ticket_visibility(actor))
        .select_related("requester", "assignee", "team", "category")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name")))
    )


def ticket_list(
    *,
    actor: Actor,
    filters: TicketFilters | None = None,
    sort: str = "-created_at",
    limit: int = 25,
    cursor: str | None = None,
) -> Page[Ticket]:
    """One page of tickets the actor may see, filtered and sorted, paged by keyset."""
    filters = filters or TicketFilters()
    if sort not in SORTS:
        raise InvalidInput(f"Sort by one of {', '.join(SORTS)}.", errors=[{"field": "sort", "message": "invalid"}])
    if not 1 <= limit <= 100:
        raise InvalidInput("limit is between 1 and 100.", errors=[{"field": "limit", "message": "out of range"}])
    if isinstance(actor, Customer) and filters.disposition != Disposition.ACTIVE:
        raise PermissionDenied("Customers see active tickets only.")
    tickets: QuerySet[Ticket] = (
        Ticket.objects.filter(ticket_visibility(actor), disposition=filters.disposition)
        .select_related("requester", "assignee", "team", "category")
        .only(*LIST_COLUMNS)
        .annotate(requester_email=_requester_email())
    )
    if isinstance(actor, Agent):
        tickets = tickets.annotate(tag_names=tag_names_sql())
    tickets = _filtered(tickets, filters)
    name, descending, kind = SORTS[sort]
    return keyset_page(tickets, field=name, descending=descending, field_type=kind, limit=limit, cursor=cursor)


# Joins the tag names of a list row; no tag name holds it (`tags_ensure` splits names on
# whitespace, and Python counts U+001F as whitespace).
TAG_SEPARATOR = "\x1f"

# The per-row subqueries of the hot reads are written as SQL once, not built as ORM expressions:
# Django resolves and compiles a Subquery or Exists on every request, which cost more CPU than
# the query itself (about 0.5 ms each). They are plain SQL that SQLite and PostgreSQL both run,
# correlated on the outer table by its name; tests run them on both engines.


def _sql_exists(model: type[models.Model], column: str, outer: str) -> RawSQL:
    """EXISTS (a row of `model` whose `column` is the outer row's `outer` column)."""
    table, (outer_table, outer_column) = model._meta.db_table, outer.rsplit(".", 1)
    sql = f'EXISTS (SELECT 1 FROM "{table}" WHERE "{table}"."{column}" = "{outer_table}"."{outer_column}")'  # noqa: S608
    return RawSQL(sql, (), output_field=BooleanField())  # noqa: S611 - identifiers from model metadata only


def tag_names_sql() -> RawSQL:
    """Each row's tag names in one string: two prefetch queries fewer per list page."""
    through, tag, ticket = Ticket.tags.through._meta.db_table, Tag._meta.db_table, Ticket._meta.db_table
    aggregate = "string_agg" if connection.vendor == "postgresql" else "group_concat"
    sql = (
        f'(SELECT {aggregate}("{tag}"."name", %s) FROM "{through}" INNER JOIN "{tag}" ON "{tag}"."id" = '  # noqa: S608
        f'"{through}"."tag_id" WHERE "{through}"."ticket_id" = "{ticket}"."id")'
    )
    return RawSQL(sql, (TAG_SEPARATOR,), output_field=TextField())  # noqa: S611 - values are parameters


def _requester_email() -> RawSQL:
    """The requester's primary e-mail address, as `Customer.primary_email` chooses it."""
    identity, ticket = ContactIdentity._meta.db_table, Ticket._meta.db_table
    sql = (
        f'(SELECT "{identity}"."value" FROM "{identity}" WHERE "{identity}"."customer_id" = '  # noqa: S608
        f'"{ticket}"."requester_id" AND "{identity}"."kind" = %s '
        f'ORDER BY "{identity}"."is_primary" DESC, "{identity}"."value" ASC LIMIT 1)'
    )
    return RawSQL(sql, (ContactIdentity.Kind.EMAIL.value,), output_field=TextField())  # noqa: S611 - parameters


def _ticket_by_number(number: int) -> QuerySet[Ticket]:
    table = Ticket._meta.db_table
    return (
        Ticket.objects.select_related("requester__organization", "assignee", "team", "category")
        .annotate(
            requester_email=_requester_email(),
            has_tags=_sql_exists(Ticket.tags.through, "ticket_id", f"{table}.id"),
            has_ccs=_sql_exists(Ticket.ccs.through, "ticket_id", f"{table}.id"),
            has_followers=_sql_exists(Ticket.followers.through, "ticket_id", f"{table}.id"),
        )
        .filter(number=number)
        .order_by()
    )


# The reads that every ticket request makes, compiled once (helpline/core/prepared.py).
_TICKET_BY_NUMBER = PreparedQuery(_ticket_by_number, number=INT_PLACEHOLDER)


def ticket_get(*, actor: Actor, number: int) -> Ticket:
    """One ticket by its number; NotFound (revealing nothing) when the actor may not see it.

    Tags, CCs and followers come prefetched; the query says which of them exist, so an empty one
    costs no query (most tickets have no CCs or followers).
    """
    ticket = next(iter(_TICKET_BY_NUMBER(number=number)), None)
    if ticket is None or not can_view_ticket(actor, ticket):
        raise NotFound("No such ticket.")
    if isinstance(actor, Customer) and ticket.disposition != Disposition.ACTIVE:
        raise NotFound("No such ticket.")
    flags = cast("WithAnnotations[Ticket, _RelationsPresent]", ticket)
    present = {"tags": flags.has_tags, "ccs": flags.has_ccs, "followers": flags.has_followers}
    for relation, exists in present.items():
        if not exists:
            prefetched_set(ticket, relation, [])
    prefetch_related_objects([ticket], *(relation for relation, exists in present.items() if exists))
    return ticket


# What `can_view_ticket` and the thread endpoints read of a ticket whose properties are not shown.
REF_COLUMNS = ("id", "number", "requester_id", "team_id", "assignee_id", "disposition", "status", "version",
               "team__id", "team__is_private")  # fmt: skip


_TICKET_REF = PreparedQuery(
    lambda number: Ticket.objects.select_related("team").only(*REF_COLUMNS).filter(number=number).order_by(),
    number=INT_PLACEHOLDER,
)


def ticket_ref(*, actor: Actor, number: int) -> Ticket:
    """A ticket by its number, for a request about its thread or history rather than its properties:
    one query (the team for the privacy check), no tags, CCs or followers. NotFound as `ticket_get`."""
    ticket = next(iter(_TICKET_REF(number=number)), None)
    if ticket is None:
        raise NotFound("No such ticket.")
    _visible_check(actor, ticket)
    return ticket


def _messages(ticket_id: int, staff: bool) -> QuerySet[Message]:
    messages = Message.objects.filter(ticket_id=ticket_id).select_related("author_agent", "author_customer")
    if not staff:
        messages = messages.filter(kind__in=Message.PUBLIC_KINDS)
    return messages.annotate(has_attachments=_sql_exists(Attachment, "message_id", f"{Message._meta.db_table}.id"))


_FIRST_MESSAGES: dict[tuple[bool, int], PreparedQuery[Message]] = {}


def _first_messages(staff: bool, limit: int) -> PreparedQuery[Message]:
    """The first `limit` (+1, to know whether there is more) messages of a thread, oldest first."""
    prepared = _FIRST_MESSAGES.get((staff, limit))
    if prepared is None:
        prepared = PreparedQuery(
            lambda ticket_id: _messages(ticket_id, staff).order_by("created_at", "id")[: limit + 1],
            ticket_id=INT_PLACEHOLDER,
        )
        _FIRST_MESSAGES[(staff, limit)] = prepared
    return prepared


def message_list(*, actor: Actor, ticket: Ticket, limit: int = 50, cursor: str | None = None) -> Page[Message]:
    """The thread, oldest first. Customers get customer messages and public replies only."""
    if not 1 <= limit <= 200:
        raise InvalidInput("limit is between 1 and 200.", errors=[{"field": "limit", "message": "out of range"}])
    _visible_check(actor, ticket)
    staff = isinstance(actor, Agent)
    if cursor is None:  # the first page, which nearly every request is: compiled once per limit
        rows = list(_first_messages(staff, limit)(ticket_id=ticket.pk))
        page = keyset_rows_page(rows, field="created_at", limit=limit)
    else:
        page = keyset_page(
            _messages(ticket.pk, staff), field="created_at", descending=False, field_type=datetime, limit=limit,
            cursor=cursor,
        )  # fmt: skip
    # Prefetch only where there is something: most messages carry no files, and only notes mention.
    items = cast("list[WithAnnotations[Message, _FilesPresent]]", page.items)
    with_files = [m for m in items if m.has_attachments]
    notes = [m for m in items if m.kind == Message.Kind.NOTE]
    for message in items:
        if not message.has_attachments:
            prefetched_set(message, "attachments", [])
        if message.kind != Message.Kind.NOTE:
            prefetched_set(message, "mentions", [])
    prefetch_related_objects(with_files, Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    if isinstance(actor, Agent):
        prefetch_related_objects(notes, Prefetch("mentions", queryset=Agent.objects.only("id", "name")))
    return page


def event_list(*, actor: Actor, ticket: Ticket, limit: int = 100, cursor: str | None = None) -> Page[Event]:
    """The ticket's history, oldest first. Staff only: events mention internal notes."""
    if not isinstance(actor, Agent):
        raise PermissionDenied("The change history is for agents.")
    if not 1 <= limit <= 500:
        raise InvalidInput("limit is between 1 and 500.", errors=[{"field": "limit", "message": "out of range"}])
    _visible_check(actor, ticket)
    events = Event.objects.filter(ticket=ticket).select_related("actor_agent", "actor_customer")
    return keyset_page(events, field="at", descending=False, field_type=datetime, limit=limit, cursor=cursor)


def attachment_get(*, actor: Actor, attachment_id: int) -> Attachment:
    """An attachment the actor may download: on a message they can see, or their own upload.

    Customers never get files of internal notes or system entries. NotFound otherwise.
    """
    attachment = Attachment.objects.select_related("blob", "message__ticket__team").filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("No such attachment.")
    message = attachment.message
    if message is None:
        own = (
            (attachment.uploaded_by_agent_id == actor.pk)
            if isinstance(actor, Agent)
            else (attachment.uploaded_by_customer_id == actor.pk)
        )
        if own:
            return attachment
        raise NotFound("No such attachment.")
    if not can_view_ticket(actor, message.ticket):
        raise NotFound("No such attachment.")
    if not isinstance(actor, Agent) and (not message.is_public or message.ticket.disposition != Disposition.ACTIVE):
        raise NotFound("No such attachment.")
    return attachment


def _visible_check(actor: Actor, ticket: Ticket) -> None:
    """NotFound unless the actor may see this ticket (customers: only while it is active)."""
    if not can_view_ticket(actor, ticket):
        raise NotFound("No such ticket.")
    if not isinstance(actor, Agent) and ticket.disposition != Disposition.ACTIVE:
        raise NotFound("No such ticket.")


def _filtered(tickets: QuerySet[Ticket], f: TicketFilters) -> QuerySet[Ticket]:
    lookups: dict[str, Any] = {}
    for name, column in (
        ("status", "status"),
        ("team", "team_id"),
        ("assignee", "assignee_id"),
        ("requester", "requester_id"),
        ("priority", "priority"),
        ("category", "category_id"),
        ("channel", "channel"),
    ):
        values = getattr(f, name)
        if len(values) == 1:
            lookups[column] = values[0]
        elif values:
            lookups[f"{column}__in"] = values
    if f.unassigned:
        lookups["assignee__isnull"] = True
    for name, column in (
        ("created_after", "created_at__gte"),
        ("created_before", "created_at__lt"),
        ("updated_after", "updated_at__gte"),
        ("updated_before", "updated_at__lt"),
    ):
        if getattr(f, name) is not None:
            lookups[column] = getattr(f, name)
    tickets = tickets.filter(**lookups)
    for tag in f.tag:
        tickets = tickets.filter(tags__name=tag)
    return tickets
