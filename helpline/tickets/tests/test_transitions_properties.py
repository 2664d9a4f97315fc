"""The status transition table, as a pure function and as what the services do to a real ticket."""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from helpline.accounts.models import Agent
from helpline.audit.models import Event
from helpline.core.errors import InvalidInput, InvalidTransition
from helpline.customers.models import Customer
from helpline.tickets.models import Channel, Status, Ticket
from helpline.tickets.services import (
    customer_message_add,
    note_add,
    reply_add,
    ticket_create,
    ticket_update,
    tickets_close_solved,
)
from helpline.tickets.transitions import TRANSITIONS, UNSOLVED, transition_allowed, transition_check

# The table as the architecture document states it (docs/architecture.md, "Ticket status").
DOCUMENTED = {
    ("new", "open"), ("new", "pending"), ("new", "on_hold"), ("new", "solved"),
    ("open", "pending"), ("open", "on_hold"), ("open", "solved"),
    ("pending", "open"), ("pending", "on_hold"), ("pending", "solved"),
    ("on_hold", "open"), ("on_hold", "pending"), ("on_hold", "solved"),
    ("solved", "open"), ("solved", "closed"),
}  # fmt: skip
STATUSES = list(Status.values)
statuses = st.sampled_from(STATUSES)
anything = st.one_of(statuses, st.text(max_size=10))


def _reachable(start: str) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in TRANSITIONS[todo.popleft()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


# ------------------------------------------------------------------ (a) the table itself


@given(current=anything, target=anything)
def test_transition_allowed_is_exactly_the_documented_table(current, target):
    # when / then
    assert transition_allowed(current, target) == ((current, target) in DOCUMENTED)


@given(current=statuses, target=anything)
def test_transition_check_raises_exactly_when_the_table_forbids(current, target):
    # when
    try:
        transition_check(current, target)
        raised = False
    except InvalidTransition:
        raised = True

    # then
    assert raised == ((current, target) not in DOCUMENTED)


def test_the_table_names_every_status_and_nothing_else():
    # when / then
    assert set(TRANSITIONS) == set(STATUSES)
    assert set().union(*TRANSITIONS.values()) <= set(STATUSES)


def test_no_status_follows_itself():
    # when / then
    assert all(status not in TRANSITIONS[status] for status in STATUSES)


@given(target=statuses)
def test_closed_is_final(target):
    # when / then
    assert not transition_allowed(Status.CLOSED, target)


def test_every_status_is_reachable_from_new():
    # when / then
    assert _reachable(Status.NEW) == set(STATUSES)


@pytest.mark.parametrize("status", sorted(UNSOLVED))
def test_solved_is_one_step_from_every_unsolved_status(status):
    # when / then
    assert transition_allowed(status, Status.SOLVED)
    assert Status.SOLVED in _reachable(status)


def test_the_unsolved_statuses_are_those_that_can_still_be_solved_directly():
    # when / then
    assert UNSOLVED == {s for s in STATUSES if Status.SOLVED in TRANSITIONS[s]}


# ------------------------------------------------------------------ (b) a real ticket


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REOPEN_DAYS = 14
AUTO_CLOSE_DAYS = 4
# "Send and set": None keeps the status (a new ticket opens); any status may be asked for.
REPLY_STATUSES = [None, *Status.values]


class TicketLife(RuleBasedStateMachine):
    """One ticket lives through random agent updates, replies, notes, customer messages and time.

    A model follows the table; after every step the row must agree with it. `solved_at` is set
    exactly when the ticket is solved or closed (closing keeps the solve time, reopening clears
    it); `closed_at` exactly when it is closed.
    """

    agent: Agent
    customer: Customer

    def __init__(self) -> None:
        super().__init__()
        self.clock = time_machine.travel(T0, tick=False)
        self.coordinates = self.clock.start()
        self.ticket = ticket_create(
            actor=None, requester=self.customer, subject="Life", channel=Channel.EMAIL, body_text="Hi"
        )
        self.status: str = Status.NEW
        self.version = 1
        self.solved_at: datetime | None = None
        self.status_changes = 0
        self.follow_ups = 0

    def teardown(self) -> None:
        self.clock.stop()
        # Solved tickets of earlier examples would otherwise pile up for every later auto-close run.
        Ticket.objects.filter(pk=self.ticket.pk).update(status=Status.CLOSED)

    def _succeeded(self, new_status: str) -> None:
        self.version += 1
        if new_status != self.status:
            self.status_changes += 1
            if new_status == Status.SOLVED:
                self.solved_at = self._now()
            elif self.status == Status.SOLVED and new_status != Status.CLOSED:
                self.solved_at = None
        self.status = new_status

    def _now(self) -> datetime:
        from helpline.core.clock import now

        return now()

    @rule(new_status=statuses)
    def agent_sets_status(self, new_status: str) -> None:
        allowed = new_status == self.status or transition_allowed(self.status, new_status)
        try:
            ticket_update(actor=self.agent, ticket=self.ticket.pk, changes={"status": new_status}, version=self.version)
        except InvalidTransition:
            assert not allowed
            return
        assert allowed
        if new_status != self.status:
            self._succeeded(new_status)

    @rule(status=st.sampled_from(REPLY_STATUSES))
    def agent_replies(self, status: str | None) -> None:
        target = status or (Status.OPEN if self.status == Status.NEW else self.status)
        allowed = self.status != Status.CLOSED and (target == self.status or transition_allowed(self.status, target))
        try:
            reply_add(actor=self.agent, ticket=self.ticket.pk, body_text="Reply", status=status, version=self.version)
        except (InvalidTransition, InvalidInput):
            assert not allowed
            return
        assert allowed
        self._succeeded(target)

    @rule()
    def agent_notes(self) -> None:
        note_add(actor=self.agent, ticket=self.ticket.pk, body_text="Note")
        self.version += 1

    @rule()
    def customer_writes(self) -> None:
        too_late = self.solved_at is not None and self._now() - self.solved_at > timedelta(days=REOPEN_DAYS)
        message = customer_message_add(
            actor=None, ticket=self.ticket.pk, author=self.customer, channel=Channel.EMAIL, body_text="Again"
        )
        if self.status == Status.CLOSED or (self.status == Status.SOLVED and too_late):
            assert message.ticket_id != self.ticket.pk
            assert message.ticket.follow_up_of_id == self.ticket.pk
            self.follow_ups += 1
            return
        assert message.ticket_id == self.ticket.pk
        waiting = self.status in (Status.PENDING, Status.ON_HOLD, Status.SOLVED)
        self._succeeded(Status.OPEN if waiting else self.status)

    @rule(days=st.sampled_from([1, 3, 4, 10, 15]))
    def time_passes(self, days: int) -> None:
        self.coordinates.shift(timedelta(days=days))

    @rule()
    def auto_close_runs(self) -> None:
        due = (
            self.status == Status.SOLVED
            and self.solved_at is not None
            and self._now() - self.solved_at >= timedelta(days=AUTO_CLOSE_DAYS)
        )
        closed = tickets_close_solved(limit=10_000)
        if due:
            assert closed >= 1
            self._succeeded(Status.CLOSED)

    @invariant()
    def the_row_and_its_history_agree_with_the_model(self) -> None:
        row = Ticket.objects.get(pk=self.ticket.pk)
        assert (row.status, row.version) == (self.status, self.version)
        assert row.solved_at == self.solved_at
        assert (row.solved_at is not None) == (row.status in (Status.SOLVED, Status.CLOSED))
        assert (row.closed_at is not None) == (row.status == Status.CLOSED)
        assert Ticket.objects.filter(follow_up_of=self.ticket.pk).count() == self.follow_ups
        changes = list(
            Event.objects.filter(ticket_id=self.ticket.pk, kind="ticket.status_changed")
            .order_by("id")
            .values_list("before__status", "after__status")
        )
        assert len(changes) == self.status_changes
        walk = Status.NEW
        for before, after in changes:
            assert before == walk
            assert transition_allowed(before, after)
            walk = after
        assert walk == self.status


MACHINE_SETTINGS = settings(max_examples=30, stateful_step_count=12, deadline=None)


@pytest.mark.django_db
def test_a_ticket_follows_the_table_through_any_sequence_of_actions(agent, customer, settings):
    # given
    settings.HELPLINE_REOPEN_DAYS = REOPEN_DAYS
    settings.HELPLINE_AUTO_CLOSE_DAYS = AUTO_CLOSE_DAYS
    TicketLife.agent, TicketLife.customer = agent, customer

    # when / then
    run_state_machine_as_test(TicketLife, settings=MACHINE_SETTINGS)
