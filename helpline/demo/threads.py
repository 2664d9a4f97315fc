"""A generated ticket's thread: which messages, when, and their rows.

The thread fits the ticket's status: a new ticket has the customer's messages only, an open one ends
with the customer, every other one with a reply (the agent is waiting, or solved it). Internal
notes and system entries fall in between.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from helpline.demo import phrases, texts
from helpline.demo.directory import TeamInfo
from helpline.demo.phrases import Topic
from helpline.demo.writer import JsonConstant
from helpline.tickets.models import Channel, Message, Status

CUSTOMER, REPLY, NOTE, SYSTEM = (kind.value for kind in Message.Kind)
# Mean agent response time by priority, and the customer's, in seconds.
REPLY_LAG = {"low": 20 * 3600, "medium": 8 * 3600, "high": 3 * 3600, "urgent": 1800}
CUSTOMER_LAG = 14 * 3600
MESSAGE_COUNTS = tuple(range(2, 11))
MESSAGE_COUNT_CUMULATIVE = tuple(accumulate((20, 20, 18, 12, 9, 7, 6, 4, 4)))
EMPTY = JsonConstant()
ADDED_KINDS = {kind: JsonConstant(kind=kind) for kind in (CUSTOMER, REPLY, NOTE, SYSTEM)}
MESSAGE_COLUMNS = (
    "id", "ticket_id", "kind", "author_agent_id", "author_customer_id", "channel", "body_text", "body_html",
    "message_id", "in_reply_to", "references", "metadata", "created_at",
)  # fmt: skip


@dataclass
class Draft:
    """What was drawn for one ticket; the ticket, message and event rows are written from it."""

    id: int
    number: int
    topic: Topic
    requester: int
    customer: str  # the requester's name
    domain: str  # of the requester's address
    channel: str
    priority: str
    status: str
    team: TeamInfo | None
    assignee: int | None
    category_id: int | None
    kinds: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)


def message_count(rng: random.Random, status: str) -> int:
    if status == Status.NEW:
        return 1 if rng.random() < 0.85 else 2
    count = rng.choices(MESSAGE_COUNTS, cum_weights=MESSAGE_COUNT_CUMULATIVE)[0]
    if status == Status.OPEN and rng.random() < 0.15:
        return 1  # opened, not answered yet
    return count


def thread_kinds(rng: random.Random, count: int, status: str) -> list[str]:
    """Customer first, then replies and customer messages alternating, with notes and system
    entries between; the last public message is the customer's when the ticket is open."""
    if status == Status.NEW:
        return [CUSTOMER] * count
    asides: list[str | None] = []
    for _ in range(count - 1):
        roll = rng.random()
        asides.append(NOTE if roll < 0.12 else SYSTEM if roll < 0.16 else None)
    public = count - sum(1 for aside in asides if aside)
    if (public % 2 == 1) != (status == Status.OPEN):
        taken = [index for index, aside in enumerate(asides) if aside]
        if taken:
            asides[rng.choice(taken)] = None
        else:
            asides[rng.randrange(1, count - 1) if count > 2 else 0] = NOTE
    kinds, public = [CUSTOMER], 1
    for aside in asides:
        if aside:
            kinds.append(aside)
        else:
            kinds.append(REPLY if public % 2 == 1 else CUSTOMER)
            public += 1
    return kinds


def thread_times(
    rng: random.Random, created_at: datetime, kinds: list[str], priority: str, end: datetime
) -> list[datetime]:
    """When each message was written: replies after the priority's typical delay, customers after
    theirs; squeezed into the time left when the thread would otherwise end after `end`."""
    offsets, clock = [0.0], 0.0
    for kind in kinds[1:]:
        if kind == REPLY:
            clock += rng.expovariate(1 / REPLY_LAG[priority]) + 120
        elif kind == CUSTOMER:
            clock += rng.expovariate(1 / CUSTOMER_LAG) + 300
        elif kind == NOTE:
            clock += rng.expovariate(1 / 3600) + 60
        else:
            clock += rng.uniform(5, 600)
        offsets.append(clock)
    room = (end - created_at).total_seconds() * 0.98
    if clock > room:
        offsets = [offset * room / clock for offset in offsets]
    return [created_at + timedelta(seconds=offset) for offset in offsets]


def message_rows(
    rng: random.Random, draft: Draft, *, first_id: int, agent_names: dict[int, str], fallback: list[int]
) -> Iterator[tuple[Any, ...]]:
    """The thread's rows in MESSAGE_COLUMNS order, ids from `first_id` on. E-mail threads get
    Message-IDs and In-Reply-To/References chains; replies quote the previous message at times."""
    team = draft.team
    team_name = team.name if team else "Support"
    responders = team.responders if team and team.responders else fallback
    members = team.members if team and team.members else responders
    email = draft.channel == Channel.EMAIL
    references: list[str] = []
    quoted, last_agent = "", draft.assignee
    for position, (kind, at) in enumerate(zip(draft.kinds, draft.times, strict=True)):
        message_id = first_id + position
        agent = customer = None
        header = in_reply_to = ""
        if kind == CUSTOMER:
            customer = draft.requester
            if position == 0:
                body = texts.first_message(rng, draft.topic, draft.customer)
            else:
                agent_name = agent_names.get(last_agent, "") if last_agent else ""
                body = texts.customer_follow_up(rng, draft.customer, agent_name, quoted)
            header = f"<{rng.getrandbits(64):016x}@{draft.domain}>" if email else ""
        elif kind == REPLY:
            agent = draft.assignee if draft.assignee and rng.random() < 0.9 else rng.choice(responders)
            last_agent = agent
            body = texts.agent_reply(rng, draft.topic, draft.customer, agent_names.get(agent, ""), team_name, quoted)
            header = f"<ticket.{draft.number}.{message_id}@{phrases.AGENT_DOMAIN}>" if email else ""
        elif kind == NOTE:
            agent = rng.choice(members)
            body = texts.internal_note(rng)
        else:
            body = texts.system_entry(rng, agent_names.get(draft.assignee or 0, ""), team_name)
        if header:
            in_reply_to = references[-1] if references else ""
            references.append(header)
        if kind in (CUSTOMER, REPLY):
            quoted = body
        chain = " ".join(references[-6:-1]) if header else ""
        yield (message_id, draft.id, kind, agent, customer, draft.channel, body, "", header, in_reply_to, chain,
               EMPTY, at)  # fmt: skip
