"""Generated tickets with their threads, tags and events, buffered and written a chunk at a time.

A ticket's shape follows its age: old ones are closed, recent ones new, open, pending or on hold.
Timestamps agree (first_response_at is the first reply, updated_at the last change, closed_at
comes `close_after` after solved_at, as the auto-close job does) and the events are those the
services write: `ticket.created` with the first message, `message.added` for each later one and
`ticket.status_changed` for the last status change.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from django.db import transaction

from helpline.audit.models import Event
from helpline.demo import phrases, texts
from helpline.demo.directory import Directory, TeamInfo
from helpline.demo.phrases import Topic
from helpline.demo.threads import (
    ADDED_KINDS,
    CUSTOMER,
    EMPTY,
    MESSAGE_COLUMNS,
    REPLY,
    Draft,
    message_count,
    message_rows,
    thread_kinds,
    thread_times,
)
from helpline.demo.writer import JsonConstant, TableWriter
from helpline.tickets.models import Channel, Disposition, Message, Priority, Status, Ticket

TICKET_COLUMNS = (
    "id", "number", "subject", "requester_id", "channel", "status", "priority", "category_id", "team_id",
    "assignee_id", "custom_fields", "disposition", "version", "created_at", "updated_at",
    "last_customer_message_at", "last_agent_reply_at", "first_response_at", "solved_at", "closed_at",
    "disposition_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "ticket_id", "ticket_number", "entity", "entity_id", "kind", "actor_agent_id", "actor_customer_id",
    "actor_label", "message_id", "before", "after", "at",
)  # fmt: skip
TICKET_TAG_COLUMNS = ("ticket_id", "tag_id")

RESOLVED = "resolved"  # solved or closed: which one depends on when it was solved
PRIORITIES = tuple(Priority.values)
PRIORITY_WEIGHTS = (25, 50, 20, 5)  # low, medium, high, urgent
CHANNEL_WEIGHTS = {"email": 50, "web": 20, "portal": 8, "chat": 10, "api": 4, "messaging": 5, "phone": 3}
CHANNELS = tuple(CHANNEL_WEIGHTS)
# Status by age in days: the first row whose limit is above the age applies.
STATUS_BY_AGE = (
    (1, {Status.NEW: 40, Status.OPEN: 30, Status.PENDING: 12, Status.ON_HOLD: 3, RESOLVED: 15}),
    (7, {Status.NEW: 8, Status.OPEN: 20, Status.PENDING: 18, Status.ON_HOLD: 6, RESOLVED: 48}),
    (30, {Status.NEW: 1, Status.OPEN: 5, Status.PENDING: 6, Status.ON_HOLD: 4, RESOLVED: 84}),
    (float("inf"), {Status.NEW: 0.2, Status.OPEN: 1, Status.PENDING: 1, Status.ON_HOLD: 1, RESOLVED: 96.8}),
)
TOPIC_WEIGHTS = {"Support": 5, "Billing": 3.5, "IT": 4, "HR": 2, "Finance": 1.5}
STATUS_JSON = {status: JsonConstant(status=status) for status in Status.values}
DISPOSITION_JSON = {disposition: JsonConstant(disposition=disposition) for disposition in Disposition.values}


class TicketBatch:
    """Turns creation times into rows; `flush` writes what is buffered in one transaction."""

    def __init__(
        self, *, directory: Directory, rng: random.Random, end: datetime, close_after: timedelta,
        first_ticket_id: int, first_message_id: int, first_number: int,
    ) -> None:  # fmt: skip
        self.directory, self.rng, self.end, self.close_after = directory, rng, end, close_after
        self.next_ticket_id, self.next_message_id, self.next_number = first_ticket_id, first_message_id, first_number
        self.writers = {
            "tickets": TableWriter(Ticket, TICKET_COLUMNS),
            "ticket_tags": TableWriter(Ticket.tags.through, TICKET_TAG_COLUMNS),
            "messages": TableWriter(Message, MESSAGE_COLUMNS),
            "events": TableWriter(Event, EVENT_COLUMNS),
        }
        self.rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in self.writers}
        self.topics = [topic for topic in phrases.TOPICS if topic["team"] in directory.teams]
        self.topic_cumulative = list(accumulate(TOPIC_WEIGHTS.get(t["team"], 1) for t in self.topics))
        self.channel_cumulative = list(accumulate(CHANNEL_WEIGHTS.values()))
        self.all_responders = sorted({a for team in directory.teams.values() for a in team.responders})

    def __len__(self) -> int:
        return len(self.rows["tickets"])

    def add(
        self, created_at: datetime, *, messages: int | None = None, status: str | None = None,
        tag_ids: tuple[int, ...] = (), team: TeamInfo | None = None,
    ) -> int:  # fmt: skip
        """Buffer one ticket created at `created_at`; returns its number. The keyword arguments
        replace what would otherwise be drawn at random."""
        draft = self._draw(created_at, status=status, team=team)
        draft.kinds = thread_kinds(self.rng, messages or message_count(self.rng, draft.status), draft.status)
        draft.times = thread_times(self.rng, created_at, draft.kinds, draft.priority, self.end)
        messages_rows = list(
            message_rows(self.rng, draft, first_id=self.next_message_id, agent_names=self.directory.agent_names,
                         fallback=self.all_responders)
        )  # fmt: skip
        self.next_message_id += len(messages_rows)
        self.rows["messages"].extend(messages_rows)
        self._ticket_rows(draft, messages_rows)
        if not tag_ids:
            tag_ids = tuple(self.rng.sample(self.directory.tag_ids, self.rng.choices((0, 1, 2, 3), (40, 35, 18, 7))[0]))
        self.rows["ticket_tags"].extend((draft.id, tag_id) for tag_id in tag_ids)
        return draft.number

    def flush(self) -> None:
        with transaction.atomic():
            for name, rows in self.rows.items():
                self.writers[name].write(rows)
                rows.clear()

    def _draw(self, created_at: datetime, *, status: str | None, team: TeamInfo | None) -> Draft:
        rng, directory = self.rng, self.directory
        topic = rng.choices(self.topics, cum_weights=self.topic_cumulative)[0]
        team = team or self._team(topic)
        roll = rng.random()
        category_id = None if roll < 0.10 else directory.categories[topic["path"] if roll > 0.15 else topic["path"][:1]]
        index = int(len(directory.customer_ids) * rng.random() ** 1.6)  # a few customers write a lot
        channel = rng.choices(CHANNELS, cum_weights=self.channel_cumulative)[0]
        priority = rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0]
        status = status or _status_for_age(rng, (self.end - created_at) / timedelta(days=1))
        assignee = None
        # New tickets are mostly unassigned (routing took a few); the others have an owner.
        if team and team.responders and (status != Status.NEW or rng.random() < 0.2):
            assignee = rng.choice(team.responders)
        draft = Draft(
            id=self.next_ticket_id, number=self.next_number, topic=topic, requester=directory.customer_ids[index],
            customer=directory.customer_names[index], domain=directory.customer_domains[index], channel=channel,
            priority=priority, status=status, team=team, assignee=assignee, category_id=category_id,
        )  # fmt: skip
        self.next_ticket_id += 1
        self.next_number += 1
        return draft

    def _team(self, topic: Topic) -> TeamInfo | None:
        roll = self.rng.random()
        if roll < 0.02:
            return None
        if roll < 0.10 and self.directory.public_teams:
            return self.rng.choice(self.directory.public_teams)
        return self.directory.teams[topic["team"]]

    def _ticket_rows(self, draft: Draft, messages: list[tuple[Any, ...]]) -> None:
        """The ticket row and its events; solved tickets older than `close_after` are closed."""
        rng, times = self.rng, draft.times
        replies = [at for kind, at in zip(draft.kinds, times, strict=True) if kind == REPLY]
        customer_times = [at for kind, at in zip(draft.kinds, times, strict=True) if kind == CUSTOMER]
        status, solved_at, closed_at = draft.status, None, None
        if status == RESOLVED:
            solved_at = replies[-1]
            closing = solved_at + self.close_after + timedelta(seconds=rng.uniform(0, 3600))
            status = Status.CLOSED if closing < self.end else Status.SOLVED
            closed_at = closing if status == Status.CLOSED else None
        disposition, disposition_at = Disposition.ACTIVE.value, None
        if (status == Status.NEW and draft.channel == Channel.EMAIL and rng.random() < 0.05) or (
            status == Status.CLOSED and rng.random() < 0.004
        ):
            disposition = rng.choice((Disposition.SPAM.value, Disposition.TRASH.value))
            disposition_at = min(times[-1] + timedelta(minutes=rng.uniform(1, 600)), self.end)
        team_id = draft.team.id if draft.team else None
        self.rows["tickets"].append((
            draft.id, draft.number, texts.subject(rng, draft.topic), draft.requester, draft.channel, str(status),
            draft.priority, draft.category_id, team_id, draft.assignee, EMPTY, disposition, 1, times[0],
            max(filter(None, (times[-1], closed_at, disposition_at))), customer_times[-1],
            replies[-1] if replies else None, replies[0] if replies else None, solved_at, closed_at, disposition_at,
        ))  # fmt: skip
        created = JsonConstant(status="new", priority=draft.priority, channel=draft.channel, requester=draft.requester,
                               team=team_id, category=draft.category_id)  # fmt: skip
        self._event(draft, "ticket.created", times[0], agent=self._opened_by(draft),
                    customer=draft.requester if draft.channel == Channel.PORTAL else None, message=messages[0][0],
                    after=created)  # fmt: skip
        for message_id, _, kind, agent, customer, *_, at in messages[1:]:
            self._event(draft, "message.added", at, agent=agent, customer=customer, message=message_id,
                        after=ADDED_KINDS[kind])  # fmt: skip
        if status in (Status.PENDING, Status.ON_HOLD):
            self._event(draft, "ticket.status_changed", times[-1], agent=draft.assignee,
                        before=STATUS_JSON[Status.OPEN], after=STATUS_JSON[status])  # fmt: skip
        if solved_at is not None:
            self._event(draft, "ticket.status_changed", solved_at, agent=draft.assignee,
                        before=STATUS_JSON[Status.OPEN], after=STATUS_JSON[Status.SOLVED])  # fmt: skip
        if closed_at is not None:
            self._event(draft, "ticket.status_changed", closed_at, label="auto-close",
                        before=STATUS_JSON[Status.SOLVED], after=STATUS_JSON[Status.CLOSED])  # fmt: skip
        if disposition_at is not None:
            self._event(draft, f"ticket.{disposition}", disposition_at, agent=draft.assignee,
                        before=DISPOSITION_JSON["active"], after=DISPOSITION_JSON[disposition])  # fmt: skip

    @staticmethod
    def _opened_by(draft: Draft) -> int | None:
        """Phone and API tickets are entered by an agent; mail, forms and chat by no one (the system)."""
        return draft.assignee if draft.channel in (Channel.PHONE, Channel.API) else None

    def _event(
        self, draft: Draft, kind: str, at: datetime, *, agent: int | None = None, customer: int | None = None,
        message: int | None = None, label: str = "", before: dict[str, Any] = EMPTY, after: dict[str, Any] = EMPTY,
    ) -> None:  # fmt: skip
        label = label or ("" if agent or customer else "system")
        self.rows["events"].append(
            (draft.id, draft.number, "ticket", draft.id, kind, agent, customer, label, message, before, after, at)
        )


def _status_for_age(rng: random.Random, age_days: float) -> str:
    for limit, weights in STATUS_BY_AGE:
        if age_days < limit:
            return str(rng.choices(list(weights), list(weights.values()))[0])
    raise AssertionError("unreachable")
