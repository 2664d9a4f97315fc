"""Filling a migrated database with realistic helpdesk data, fast: `generate` for benchmarks,
`demo_load` for HELPLINE_DEMO=1, `long_threads_ensure` for benchmarks that need long threads.

Rows are written in chunks (each its own transaction) with primary keys allocated here, so memory
stays flat and children never wait for ids. The generator assumes nobody else writes meanwhile.
Output is deterministic for a seed and a clock: times are laid out backwards from `now()`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from helpline.core.clock import now
from helpline.core.models import NumberSequence
from helpline.demo.directory import (
    FRIENDLY_TEAMS,
    TEAMS,
    Directory,
    TeamSpec,
    directory_create,
    directory_load,
)
from helpline.demo.tickets import TicketBatch
from helpline.demo.timeline import arrival_times, period_start
from helpline.demo.writer import next_id, sequences_reset
from helpline.tickets.models import Message, Status, Tag, Ticket

Progress = Callable[[str, int, int], None]
SEQUENCE = "ticket"


def generate(
    *,
    tickets: int,
    agents: int = 50,
    seed: int = 1,
    months: int = 12,
    progress: Progress | None = None,
    password: str | None = None,
) -> dict[str, Any]:
    """Create a helpdesk's worth of data: `tickets` tickets over the last `months` months, with the
    teams, agents, organizations (tickets/50), customers (tickets/3), categories and tags they need.

    Every agent gets the same password hash (`password`, or an unusable one). Moves the "ticket"
    number sequence past the last number written. `progress(stage, done, total)` is called after
    each chunk. Returns row counts and the elapsed seconds.
    """
    return _generate(
        tickets=tickets,
        agents=agents,
        seed=seed,
        months=months,
        teams=TEAMS,
        organizations=max(1, tickets // 50),
        customers=max(1, tickets // 3),
        password=password,
        progress=progress,
    )


def demo_load(*, tickets: int = 300, seed: int = 1, password: str | None = None) -> None:
    """The small demo data set: friendly team names, a dozen agents and `tickets` tickets over the
    last three months. Does nothing when the database already has tickets; two processes starting
    at once load it once (the second waits for the first's transaction)."""
    with transaction.atomic():
        _demo_lock()
        if Ticket.objects.exists():
            return
        _generate(
            tickets=tickets,
            agents=12,
            seed=seed,
            months=3,
            teams=FRIENDLY_TEAMS,
            organizations=max(1, tickets // 25),
            customers=max(1, tickets // 3),
            password=password,
            progress=None,
        )


def long_threads_ensure(*, count: int = 20, messages: int = 20, seed: int = 1) -> list[int]:
    """Numbers of `count` tickets of public teams with exactly `messages` messages, tagged
    `thread-<messages>`; creates those missing (newer than every existing ticket)."""
    tag, _ = Tag.objects.get_or_create(name=f"thread-{messages}")
    numbers = list(Ticket.objects.filter(tags=tag).order_by("number").values_list("number", flat=True)[:count])
    missing = count - len(numbers)
    if missing <= 0:
        return numbers
    directory = directory_load()
    if not directory.public_teams or not directory.customer_ids:
        raise RuntimeError("long_threads_ensure needs a generated database (public teams and customers).")
    rng = random.Random(seed)
    end = now()
    latest = Ticket.objects.aggregate(latest=Max("created_at"))["latest"] or end - timedelta(days=1)
    batch = _batch(directory=directory, rng=rng, end=end)
    step = (end - latest) / (missing + 1)
    for index in range(missing):
        created_at = latest + step * (index + 1)
        team = directory.public_teams[index % len(directory.public_teams)]
        numbers.append(batch.add(created_at, messages=messages, status=Status.PENDING, tag_ids=(tag.pk,), team=team))
    batch.flush()
    _sequence_set(batch.next_number - 1)
    sequences_reset([Ticket, Message])
    return numbers


def _generate(
    *,
    tickets: int,
    agents: int,
    seed: int,
    months: int,
    teams: tuple[TeamSpec, ...],
    organizations: int,
    customers: int,
    password: str | None,
    progress: Progress | None,
) -> dict[str, Any]:
    started = time.perf_counter()
    rng = random.Random(seed)
    end = now().replace(second=0, microsecond=0)
    start = period_start(end, months)
    directory = directory_create(
        rng=rng,
        agents=agents,
        organizations=organizations,
        customers=customers,
        start=start,
        teams=teams,
        password=password,
        progress=progress,
    )
    batch = _batch(directory=directory, rng=rng, end=end)
    chunk = 5000 if connection.vendor == "postgresql" else 2000
    for index, created_at in enumerate(arrival_times(total=tickets, start=start, end=end, rng=rng)):
        batch.add(created_at)
        if len(batch) >= chunk:
            batch.flush()
            if progress:
                progress("tickets", index + 1, tickets)
    batch.flush()
    if progress:
        progress("tickets", tickets, tickets)
    _sequence_set(batch.next_number - 1)
    sequences_reset([Ticket, Message])
    _statistics_refresh()
    return {
        "teams": len(directory.teams),
        "agents": len(directory.agent_names),
        "organizations": organizations,
        "customers": len(directory.customer_ids),
        "contact_identities": directory.identities_written,
        **{name: writer.rows_written for name, writer in batch.writers.items()},
        "seconds": round(time.perf_counter() - started, 2),
    }


def _batch(*, directory: Directory, rng: random.Random, end: datetime) -> TicketBatch:
    return TicketBatch(
        directory=directory,
        rng=rng,
        end=end,
        close_after=timedelta(days=settings.HELPLINE_AUTO_CLOSE_DAYS),
        first_ticket_id=next_id(Ticket),
        first_message_id=next_id(Message),
        first_number=_first_number(),
    )


def _first_number() -> int:
    """After the sequence and every existing ticket: numbers are never reused."""
    taken = NumberSequence.objects.filter(name=SEQUENCE).values_list("value", flat=True).first() or 0
    highest = Ticket.objects.aggregate(top=Max("number"))["top"] or 0
    return max(taken, highest, settings.HELPLINE_TICKET_NUMBER_START - 1) + 1


def _sequence_set(last: int) -> None:
    """Let the services continue after the last generated number (never move the sequence back)."""
    sequence, created = NumberSequence.objects.get_or_create(name=SEQUENCE, defaults={"value": last})
    if not created and sequence.value < last:
        NumberSequence.objects.filter(name=SEQUENCE, value__lt=last).update(value=last)


def _statistics_refresh() -> None:
    """PostgreSQL plans with table statistics; after a bulk load they are stale until autovacuum
    catches up, so refresh them now. (SQLite is left as an embedded install runs: no ANALYZE.)"""
    if connection.vendor != "postgresql":
        return
    from helpline.audit.models import Event

    with connection.cursor() as cursor:
        for model in (Ticket, Ticket.tags.through, Message, Event):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _demo_lock() -> None:
    """Serialize concurrent demo loads. SQLite needs nothing: its transactions begin IMMEDIATE."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('helpline.demo_load'))")
