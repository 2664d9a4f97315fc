"""What the inbox reads: the built-in views, their counts, one page of a view, neighbours.

Everything starts from `tickets.selectors.ticket_queryset(actor=…)`, so it is already limited to
the tickets the agent may see. Counts are capped: each one counts at most `COUNT_CAP + 1` rows of a
LIMIT-ed subquery, and all of them travel in one SQL statement, so the sidebar costs one cheap
query whatever the size of the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from helpline.accounts.models import Agent, Membership
from helpline.core.clock import now
from helpline.core.errors import InvalidInput, NotFound
from helpline.core.keyset import Page, cursor_decode, cursor_encode
from helpline.tickets.models import Channel, Disposition, Message, Priority, Status, Ticket
from helpline.tickets.selectors import LIST_COLUMNS, SORTS, tag_names_sql, ticket_queryset

COUNT_CAP = 99
PAGE_SIZE = 25
OPEN = (Status.NEW, Status.OPEN)
BY_UPDATE = ("-updated_at", "-id")
HIDDEN_DISPOSITIONS = [d for d in Disposition.values if d != Disposition.ACTIVE]
RECENTLY_SOLVED_DAYS = 7


@dataclass(frozen=True)
class InboxView:
    slug: str
    label: str | Promise
    icon: str
    condition: Callable[[Agent], Q]
    sort: str = "-updated_at"
    empty: str | Promise = _("Nothing here. Nice work.")
    # The order its capped count walks in: an index that yields the rows in that order lets the
    # count stop after COUNT_CAP + 1 rows (a view over one status); empty lets the planner choose.
    count_order: tuple[str, ...] = ()
    # Views of one agent's few tickets (assigned, mentioned) start from the list of their ids.
    agent_ids: str = ""


@dataclass(frozen=True)
class SavedCount:
    """A view narrowed by filters, to count next to the built-in views under `key`."""

    key: str
    view: InboxView
    filters: InboxFilters


@dataclass(frozen=True)
class AgentTickets:
    """Ids of the tickets that are the agent's own business: assigned and open, mentioned in."""

    open: list[int]
    mentioned: list[int]


AGENT_IDS_LIMIT = 1000


def agent_tickets(agent: Agent) -> AgentTickets:
    """The ids behind "My open tickets" and "Mentions", in one query, once per agent object.

    Lists rather than subqueries: with a subquery (or the `disposition` filter on the outer query)
    planners, SQLite's especially, walk every ticket in date order and probe, when the agent has a
    handful. Each list holds at most AGENT_IDS_LIMIT ids (the latest mentions first).
    """
    cached: AgentTickets | None = getattr(agent, "_workspace_agent_tickets", None)
    if cached is not None:
        return cached
    assigned = Ticket.objects.filter(assignee_id=agent.pk, status__in=OPEN).order_by().values("id")
    mentions = (
        Message.mentions.through.objects.filter(agent_id=agent.pk).order_by("-message_id").values("message__ticket_id")
    )
    parts: list[str] = []
    params: list[Any] = []
    for kind, queryset in (("o", assigned), ("m", mentions)):
        sql, sql_params = queryset[:AGENT_IDS_LIMIT].query.sql_with_params()
        parts.append(f"SELECT '{kind}', ids.* FROM ({sql}) ids")  # noqa: S608 - SQL built by the ORM
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        rows = cursor.fetchall()
    cached = AgentTickets(
        open=[pk for kind, pk in rows if kind == "o"],
        mentioned=list(dict.fromkeys(pk for kind, pk in rows if kind == "m")),
    )
    agent._workspace_agent_tickets = cached  # type: ignore[attr-defined]
    return cached


def _my_teams(agent: Agent) -> Q:
    return Q(team_id__in=Membership.objects.filter(agent_id=agent.pk).values("team_id"), status__in=OPEN)


def _agent_ids(name: str) -> Callable[[Agent], Q]:
    # `disposition` is checked as NOT IN (spam, trash), the same rows as = 'active', so that no
    # planner picks the (disposition, date) indexes over the id lookups.
    return lambda agent: Q(id__in=getattr(agent_tickets(agent), name)) & ~Q(disposition__in=HIDDEN_DISPOSITIONS)


VIEWS: tuple[InboxView, ...] = (
    InboxView("my-open", _("My open tickets"), "user", _agent_ids("open"), agent_ids="open"),
    InboxView(
        "unassigned",
        _("Unassigned"),
        "unassigned",
        lambda a: Q(assignee__isnull=True, status__in=OPEN),
        sort="-created_at",
        empty=_("Every open ticket has an owner."),
    ),
    InboxView("my-teams", _("My teams"), "users", _my_teams),
    InboxView("all", _("All tickets"), "layers", lambda a: Q()),
    InboxView("pending", _("Pending"), "clock", lambda a: Q(status=Status.PENDING), count_order=BY_UPDATE),
    InboxView("on-hold", _("On hold"), "pause", lambda a: Q(status=Status.ON_HOLD), count_order=BY_UPDATE),
    InboxView(
        "solved",
        _("Recently solved"),
        "check-circle",
        lambda a: Q(status=Status.SOLVED, solved_at__gte=now() - timedelta(days=RECENTLY_SOLVED_DAYS)),
    ),
    InboxView(
        "mentions",
        _("Mentions"),
        "at",
        _agent_ids("mentioned"),
        empty=_("Nobody mentioned you in a note yet."),
        agent_ids="mentioned",
    ),
)
VIEWS_BY_SLUG = {view.slug: view for view in VIEWS}
DEFAULT_VIEW = "my-open"


@dataclass
class InboxFilters:
    """What the filter bar narrows a view to; every value comes from the query string."""

    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    team: list[int] = field(default_factory=list)
    assignee: list[int] = field(default_factory=list)
    unassigned: bool = False
    channel: list[str] = field(default_factory=list)
    tag: str = ""

    @property
    def active(self) -> bool:
        return bool(self.status or self.priority or self.team or self.assignee or self.unassigned or self.channel)

    def q(self) -> Q:
        condition = Q()
        for name, column in (
            ("status", "status"),
            ("priority", "priority"),
            ("team", "team_id"),
            ("channel", "channel"),
        ):
            values = getattr(self, name)
            if values:
                condition &= Q(**{f"{column}__in": values})
        if self.assignee and self.unassigned:
            condition &= Q(assignee_id__in=self.assignee) | Q(assignee__isnull=True)
        elif self.assignee:
            condition &= Q(assignee_id__in=self.assignee)
        elif self.unassigned:
            condition &= Q(assignee__isnull=True)
        if self.tag:
            condition &= Q(tags__name=self.tag)
        return condition


def inbox_filters_parse(query: Any) -> InboxFilters:
    """The filter bar's values from a QueryDict; unknown values are dropped, not errors."""
    assignees = query.getlist("assignee")
    return InboxFilters(
        status=[s for s in query.getlist("status") if s in Status.values],
        priority=[p for p in query.getlist("priority") if p in Priority.values],
        team=_ints(query.getlist("team")),
        assignee=_ints(a for a in assignees if a != "none"),
        unassigned="none" in assignees,
        channel=[c for c in query.getlist("channel") if c in Channel.values],
        tag="-".join(query.get("tag", "").strip().lower().split())[:64],
    )


def inbox_filters_values(filters: InboxFilters) -> dict[str, list[str]]:
    """The filter bar's values as a query string holds them (what a saved view stores)."""
    values: dict[str, list[str]] = {
        "status": list(filters.status),
        "priority": list(filters.priority),
        "team": [str(pk) for pk in filters.team],
        "assignee": [str(pk) for pk in filters.assignee] + (["none"] if filters.unassigned else []),
        "channel": list(filters.channel),
        "tag": [filters.tag] if filters.tag else [],
    }
    return {name: value for name, value in values.items() if value}


# The columns a list may show, in the order they appear; the subject (the ticket's link) always.
COLUMNS: dict[str, str | Promise] = {
    "number": _("Number"),
    "subject": _("Subject"),
    "requester": _("Requester"),
    "status": _("Status"),
    "priority": _("Priority"),
    "team": _("Team"),
    "assignee": _("Assignee"),
    "category": _("Category"),
    "updated": _("Updated"),
    "created": _("Created"),
}
DEFAULT_COLUMNS = ("subject", "status", "priority", "team", "assignee", "updated")


def inbox_columns(chosen: Any, sort: str = "") -> list[str]:
    """The columns to show, in their fixed order: the chosen ones (unknown names dropped) and the
    subject; with no choice, the default ones (the creation time when sorted by it)."""
    names = {str(c) for c in chosen or ()} & set(COLUMNS)
    if not names:
        names = set(DEFAULT_COLUMNS)
        if sort in ("-created_at", "created_at"):
            names = (names - {"updated"}) | {"created"}
    names.add("subject")
    return [name for name in COLUMNS if name in names]


def inbox_view_get(slug: str) -> InboxView:
    try:
        return VIEWS_BY_SLUG[slug]
    except KeyError:
        raise NotFound("No such view.") from None


def inbox_page(
    *,
    actor: Agent,
    view: InboxView,
    filters: InboxFilters | None = None,
    sort: str = "",
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
    base: QuerySet[Ticket] | None = None,
) -> Page[Ticket]:
    """One page of the view's tickets the agent may see, filtered and sorted, by keyset.

    The rows carry what a list row shows: the related columns it names (LIST_COLUMNS) and their
    tag names in `tag_names` (tickets.selectors.TAG_SEPARATOR between them) instead of prefetched
    tags, a query fewer."""
    sort = sort or view.sort
    if sort not in SORTS:
        raise InvalidInput(f"Sort by one of {', '.join(SORTS)}.")
    tickets = _view_tickets(actor, view, filters, base)
    name, descending, kind = SORTS[sort]
    if filters and filters.tag:
        tickets = tickets.distinct()
    # The page's ids are chosen by a narrow query (no joins), the rows then read by id: otherwise
    # planners join requester, team and assignee to every matching ticket before keeping 26.
    order = [f"-{name}", "-id"] if descending else [name, "id"]
    narrow = tickets.select_related(None).prefetch_related(None).order_by(*order)
    if cursor:
        value, last_id = cursor_decode(cursor, [kind, int])
        op = "lt" if descending else "gt"
        narrow = narrow.filter(Q(**{f"{name}__{op}": value}) | Q(**{name: value, f"id__{op}": last_id}))
    page_ids = narrow.values("id")[: limit + 1]
    rows: list[Ticket] = list(
        (base if base is not None else ticket_queryset(actor=actor))
        .filter(id__in=page_ids)
        .select_related("requester", "assignee", "team", "category")
        .only(*LIST_COLUMNS)
        .prefetch_related(None)
        .annotate(tag_names=tag_names_sql())
        .order_by(*order)
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursor_encode([getattr(rows[-1], name), rows[-1].pk])
    return Page(items=rows, next_cursor=next_cursor)


def inbox_counts(
    *, actor: Agent, base: QuerySet[Ticket] | None = None, saved: Sequence[SavedCount] = ()
) -> dict[str, int]:
    """How many tickets each view holds, each capped at COUNT_CAP + 1, in one SQL statement.

    `saved` adds views narrowed by filters (saved views), counted under their own keys.
    """
    base = _count_base(actor, base)
    parts: list[str] = []
    params: list[Any] = []
    keys = [view.slug for view in VIEWS] + [item.key for item in saved]
    narrowed = [(view, None) for view in VIEWS] + [(item.view, item.filters) for item in saved]
    for i, (view, filters) in enumerate(narrowed):
        tickets = base if view.agent_ids else base.filter(disposition=Disposition.ACTIVE)
        tickets = tickets.filter(view.condition(actor))
        if filters is not None:
            tickets = tickets.filter(filters.q())
        capped = tickets.order_by(*view.count_order).values("pk")[: COUNT_CAP + 1]
        try:
            sql, sql_params = capped.query.sql_with_params()
        except EmptyResultSet:  # e.g. no mention at all: nothing to ask the database
            parts.append("0")
            continue
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) view_{i})")  # noqa: S608 - SQL built by the ORM
        params.extend(sql_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)  # noqa: S608
        row = cursor.fetchone()
    return {key: int(count) for key, count in zip(keys, row, strict=True)}


COUNTS_SECONDS = 15


def inbox_counts_recent(
    *,
    actor: Agent,
    base: QuerySet[Ticket] | None = None,
    fresh: bool = False,
    saved: Sequence[SavedCount] = (),
) -> dict[str, int]:
    """inbox_counts, kept up to COUNTS_SECONDS in the cache for page loads (the sidebar is on every
    page). The agent's own changes forget them (counts_forget); live updates ask with `fresh`; a
    saved view the cached counts do not know yet (just shared with the agent) asks again."""
    key = _counts_key(actor)
    if not fresh:
        try:
            cached = cache.get(key)
        except Exception:  # a cache outage costs the query, nothing else
            cached = None
        if isinstance(cached, dict) and all(item.key in cached for item in saved):
            return cached
    counts = inbox_counts(actor=actor, base=base, saved=saved)
    try:
        cache.set(key, counts, COUNTS_SECONDS)
    except Exception:  # noqa: S110 - the counts are shown anyway
        pass
    return counts


def counts_forget(agent: Agent) -> None:
    """After the agent changed tickets or saved views: their next page shows fresh counts and
    saved views."""
    try:
        cache.delete_many([_counts_key(agent), saved_views_key(agent)])
    except Exception:  # noqa: S110 - they expire within COUNTS_SECONDS anyway
        pass


def _counts_key(agent: Agent) -> str:
    return f"helpline:inbox-counts:{agent.pk}"


def saved_views_key(agent: Agent) -> str:
    """Where the sidebar's list of the agent's saved views is kept (as long as the counts)."""
    return f"helpline:saved-views:{agent.pk}"


def ticket_neighbour(
    *,
    actor: Agent,
    view: InboxView,
    ticket: Ticket,
    sort: str = "",
    forward: bool = True,
    filters: InboxFilters | None = None,
) -> Ticket | None:
    """The ticket after (or before) `ticket` in the view's order, even if `ticket` has left the view."""
    sort = sort if sort in SORTS else view.sort
    name, descending, kind = SORTS[sort]
    cursor = cursor_encode([getattr(ticket, name), ticket.pk])
    if not forward:
        sort = sort[1:] if sort.startswith("-") else f"-{sort}"
    page = inbox_page(actor=actor, view=view, filters=filters, sort=sort, cursor=cursor, limit=1)
    return page.items[0] if page.items else None


def _view_tickets(
    actor: Agent, view: InboxView, filters: InboxFilters | None, base: QuerySet[Ticket] | None
) -> QuerySet[Ticket]:
    tickets = base if base is not None else ticket_queryset(actor=actor)
    if not view.agent_ids:
        tickets = tickets.filter(disposition=Disposition.ACTIVE)
    tickets = tickets.filter(view.condition(actor))
    if filters is not None:
        tickets = tickets.filter(filters.q())
    return tickets


def _count_base(actor: Agent, base: QuerySet[Ticket] | None) -> QuerySet[Ticket]:
    tickets = base if base is not None else ticket_queryset(actor=actor)
    return tickets.select_related(None).prefetch_related(None)


def _ints(values: Any) -> list[int]:
    result = []
    for value in values:
        try:
            result.append(int(value))
        except (TypeError, ValueError):
            continue
    return result
