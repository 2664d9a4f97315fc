"""Turning domain rows into what the screens show: short labels, the thread with its history
folded between messages, event descriptions. Presentation only: nothing here decides or writes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from helpline.audit.models import Event
from helpline.tickets.models import Channel, Disposition, Message, Priority, Status, Ticket
from helpline.tickets.selectors import TAG_SEPARATOR
from helpline.tickets.transitions import TRANSITIONS
from helpline.workspace.selectors.directory import Directory
from helpline.workspace.selectors.ticket import SILENT_EVENTS
from helpline.workspace.templatetags.helpline_ui import (
    avatar,
    avatar_colour,
    has_remote_images,
    initials,
    message_body,
    timestamp,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _TagNames(TypedDict):  # what inbox_page annotates
        tag_names: str | None


STATUS_SHORT: dict[str, str | Promise] = {
    Status.NEW: _("New"),
    Status.OPEN: _("Open"),
    Status.PENDING: _("Pending"),
    Status.ON_HOLD: _("On hold"),
    Status.SOLVED: _("Solved"),
    Status.CLOSED: _("Closed"),
}
PRIORITY_LABELS: dict[str, str | Promise] = {value: label for value, label in Priority.choices}
# The labels of the other choice values that events carry (status and priority have their own above).
_CHOICE_LABELS: dict[str, dict[str, str | Promise]] = {
    "channel": dict(Channel.choices),
    "disposition": dict(Disposition.choices),
}

_FIELD_LABELS: dict[str, str | Promise] = {
    "status": _("Status"),
    "priority": _("Priority"),
    "assignee": _("Assignee"),
    "team": _("Team"),
    "category": _("Category"),
    "subject": _("Subject"),
    "tags": _("Tags"),
    "custom_fields": _("Custom fields"),
    "followers": _("Followers"),
    "ccs": _("CCs"),
    "disposition": _("Disposition"),
}


def status_choices(current: str) -> list[tuple[str, str | Promise]]:
    """The statuses the ticket may move to from `current`, the current one first."""
    allowed = TRANSITIONS.get(current, frozenset())
    return [(value, STATUS_SHORT[value]) for value in STATUS_SHORT if value == current or value in allowed]


def inbox_rows(tickets: Iterable[Ticket], *, show: dict[str, bool], link: str, link_query: str) -> list[dict[str, Any]]:
    """What each row of a ticket list shows, worked out once here rather than by a dozen template
    filters and tags per row (the list is the inbox's hot path). Dicts, because the template
    engine tries a key before an attribute. `tickets` come from inbox_page (tag names, not tags)."""
    rows = []
    for ticket in cast("Iterable[WithAnnotations[Ticket, _TagNames]]", tickets):
        person = ticket.assignee
        row = {
            "pk": ticket.pk,
            "number": ticket.number,
            "subject": ticket.subject,
            "status": ticket.status,
            "priority": ticket.priority,
            "href": f"{link}{ticket.number}?{link_query}",
            "requester": ticket.requester.name,
            "tags": sorted(ticket.tag_names.split(TAG_SEPARATOR)) if ticket.tag_names else [],
            "status_label": STATUS_SHORT.get(ticket.status),
            "priority_label": PRIORITY_LABELS.get(ticket.priority),
            "team": (ticket.team.name if ticket.team else "") or "—",
            "category": (ticket.category.path if ticket.category else "") or "—",
            "assignee": person.name if person else None,
            "assignee_initials": initials(person.name) if person else "",
            "assignee_colour": avatar_colour(person.pk) if person else 0,
            "updated": timestamp(ticket.updated_at) if show["updated"] else "",
            "created": timestamp(ticket.created_at) if show["created"] else "",
        }
        rows.append(row)
    return rows


@dataclass
class Change:
    label: str | Promise
    before: str
    after: str


@dataclass
class HistoryFold:
    """Consecutive changes between two messages, shown folded."""

    events: list[Event] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def at(self) -> datetime:
        return self.events[-1].at

    @property
    def actors(self) -> list[str]:
        return sorted({_actor_name(e) for e in self.events})


@dataclass
class ThreadItem:
    message: dict[str, Any] | None = None  # message_card
    fold: HistoryFold | None = None


_SYSTEM_AVATAR = mark_safe('<span class="avatar avatar--md avatar--sys" aria-hidden="true">H</span>')  # noqa: S308


def message_card(message: Message, memo: dict[Any, Any] | None = None, *, load_images: bool = False) -> dict[str, Any]:
    """What the thread shows of a message, worked out once here rather than by the template's
    tags and filters (50 messages a page). A dict: the template engine tries a key first. `memo`
    keeps the authors' faces and the kinds' labels between the messages of one thread.
    `load_images`: the agent asked for its remote images, which then come through the image proxy."""
    memo = {} if memo is None else memo
    kind = message.kind
    card: dict[str, Any] = {"pk": message.pk, "kind": kind}
    if kind == Message.Kind.SYSTEM:
        card.update(body_text=message.body_text, time=timestamp(message.created_at))
        return card
    author_key = ("author", message.author_agent_id, message.author_customer_id)
    if author_key not in memo:
        memo[author_key] = _author(message)
    label_key = ("kind", kind, message.channel)
    if label_key not in memo:
        memo[label_key] = _kind_label(message)
    face, author = memo[author_key]
    remote_images = has_remote_images(message.body_html)
    proxied = _proxy_urls(message.pk) if load_images and remote_images else None
    card.update(
        avatar=face,
        author=author,
        kind_label=memo[label_key],
        time=timestamp(message.created_at, "msg__time"),
        body=message_body(message, "workspace:attachment", proxied),
        remote_images=remote_images,
        images_loaded=proxied is not None,
        # message_list says which messages have files: a related manager per message costs.
        files=list(message.attachments.all()) if getattr(message, "has_attachments", True) else [],
        mentioned=", ".join(a.name for a in message.mentions.all()) if kind == Message.Kind.NOTE else "",
    )
    return card


def _proxy_urls(message_id: int) -> Callable[[int], str]:
    """Where the image proxy serves a message's remote image number `index`."""
    return lambda index: reverse("workspace:message-remote-image", args=[message_id, index])


def _author(message: Message) -> tuple[SafeString, str]:
    agent, customer = message.author_agent, message.author_customer
    if agent is not None:
        return avatar(agent, "md"), agent.name
    if customer is not None:
        return avatar(customer, "md"), customer.name or gettext("Customer")
    return _SYSTEM_AVATAR, "Helpline"


def _kind_label(message: Message) -> str:
    if message.kind == Message.Kind.CUSTOMER:
        return gettext("Customer · %(channel)s") % {"channel": message.get_channel_display()}
    if message.kind == Message.Kind.REPLY:
        return gettext("Public reply")
    return gettext("Agent")


@dataclass
class Names:
    """Names for the ids that events carry."""

    agents: dict[int, str] = field(default_factory=dict)
    teams: dict[int, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    customers: dict[int, str] = field(default_factory=dict)


def ticket_names(directory: Directory, ticket: Ticket) -> Names:
    """Names for the ids of a ticket's events, from what is loaded already (no query): the
    directory's agents, teams and categories, and the ticket's requester and CCs when ticket_get
    brought them along."""
    customers = []
    if Ticket.requester.is_cached(ticket):
        customers.append(ticket.requester)
    customers.extend(getattr(ticket, "_prefetched_objects_cache", {}).get("ccs", []))
    return Names(
        agents=directory.agent_names,
        teams=directory.team_names,
        categories=directory.category_names,
        customers={c.pk: c.name or gettext("Customer") for c in customers},
    )


def thread_items(messages: Sequence[Message], events: Iterable[Event], names: Names) -> list[ThreadItem]:
    """Messages in order, with the changes that happened between them folded in their place."""
    changes = [e for e in events if e.kind not in SILENT_EVENTS]
    items: list[ThreadItem] = []
    pending: HistoryFold | None = None
    queue = sorted(changes, key=lambda e: (e.at, e.pk))
    i = 0
    memo: dict[Any, Any] = {}
    for message in messages:
        while i < len(queue) and queue[i].at <= message.created_at:
            pending = _add(pending, queue[i], names)
            i += 1
        if pending is not None:
            items.append(ThreadItem(fold=pending))
            pending = None
        items.append(ThreadItem(message=message_card(message, memo)))
    for event in queue[i:]:
        pending = _add(pending, event, names)
    if pending is not None:
        items.append(ThreadItem(fold=pending))
    return items


def event_changes(event: Event, names: Names) -> list[Change]:
    """What an event changed, in words."""
    kind = event.kind
    if kind.startswith("ticket.") and kind.endswith("_changed"):
        name = kind[len("ticket.") : -len("_changed")]
        return [
            Change(
                _FIELD_LABELS.get(name, name),
                _value(name, event.before.get(name), names),
                _value(name, event.after.get(name), names),
            )
        ]
    return [Change(event_title(event), "", "")]


_EVENT_TITLES: dict[str, str | Promise] = {
    "ticket.created": _("Ticket opened"),
    "ticket.merged": _("Merged into another ticket"),
    "ticket.merge_received": _("Another ticket was merged into this one"),
    "ticket.spam": _("Marked as spam"),
    "ticket.trash": _("Moved to trash"),
    "ticket.restored": _("Restored"),
    "ticket.reopened": _("Reopened by the customer"),
    "ticket.followed_up": _("A follow-up ticket was opened"),
    "ticket.purged": _("Deleted for good"),
}
_MESSAGE_TITLES: dict[str, str | Promise] = {
    Message.Kind.CUSTOMER: _("Customer message received"),
    Message.Kind.REPLY: _("Public reply sent"),
    Message.Kind.NOTE: _("Internal note added"),
    Message.Kind.SYSTEM: _("System entry added"),
}
# Values that events carry under these keys, in words.
_EXTRA_LABELS: dict[str, str | Promise] = {
    "requester": _("Requester"),
    "channel": _("Channel"),
    "merged_into": _("Merged into"),
    "merged_from": _("Merged from"),
    "follow_up": _("Follow-up"),
    "follow_up_of": _("Follow-up of"),
}


def event_title(event: Event) -> str | Promise:
    """What happened, in a few words."""
    kind = event.kind
    if kind == "message.added":
        return _MESSAGE_TITLES.get(event.after.get("kind", ""), _("Message added"))
    if kind.startswith("ticket.") and kind.endswith("_changed"):
        name = kind[len("ticket.") : -len("_changed")]
        return _FIELD_LABELS.get(name, name)
    return _EVENT_TITLES.get(kind, kind)


@dataclass
class HistoryEntry:
    """One event as the history tab shows it."""

    event: Event
    actor: str
    title: str | Promise
    changes: list[Change]


def history_entries(events: Iterable[Event], names: Names) -> list[HistoryEntry]:
    """Each event with who did it, what happened and each value it changed (before → after)."""
    entries = []
    for event in events:
        changes = []
        if event.kind != "message.added":
            for key in dict.fromkeys([*event.before, *event.after]):
                before, after = event.before.get(key), event.after.get(key)
                if before in (None, "", []) and after in (None, "", []):
                    continue
                label = _FIELD_LABELS.get(key) or _EXTRA_LABELS.get(key, key)
                changes.append(Change(label, _value(key, before, names), _value(key, after, names)))
        entries.append(HistoryEntry(event=event, actor=_actor_name(event), title=event_title(event), changes=changes))
    return entries


def _add(fold: HistoryFold | None, event: Event, names: Names) -> HistoryFold:
    fold = fold or HistoryFold()
    fold.events.append(event)
    fold.changes.extend(event_changes(event, names))
    return fold


def _value(name: str, value: Any, names: Names) -> str:
    if value in (None, "", [], {}):
        return "—"
    lookups: dict[str, dict[int, str]] = {
        "assignee": names.agents,
        "team": names.teams,
        "category": names.categories,
        "followers": names.agents,
        "requester": names.customers,
        "ccs": names.customers,
    }
    if name == "status":
        return str(STATUS_SHORT.get(value, value))
    if name == "priority":
        return str(PRIORITY_LABELS.get(value, value))
    if name in _CHOICE_LABELS:
        return str(_CHOICE_LABELS[name].get(value, value))
    if name in ("merged_into", "merged_from", "follow_up", "follow_up_of"):
        return f"#{value}"
    if name in lookups:
        table = lookups[name]
        if isinstance(value, list):
            return ", ".join(table.get(v, f"#{v}") for v in value)
        return table.get(value, f"#{value}")
    if isinstance(value, list):
        return ", ".join(map(_plain, value))
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return _plain(value)


def _plain(value: Any) -> str:
    """A value without a name of its own, in words (a custom field's yes or no)."""
    if value is True:
        return gettext("Yes")
    if value is False:
        return gettext("No")
    return "—" if value is None else str(value)


def _actor_name(event: Event) -> str:
    if event.actor_agent is not None:
        return event.actor_agent.name
    if event.actor_customer is not None:
        return event.actor_customer.name or str(_("Customer"))
    if event.actor_label == "system":  # what event_build records when no one acted
        return gettext("System")
    return event.actor_label or str(_("Helpline"))
