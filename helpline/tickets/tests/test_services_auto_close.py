from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from helpline.tickets.models import Channel, Status
from helpline.tickets.services import customer_message_add, ticket_trash, ticket_update, tickets_close_solved
from helpline.tickets.services import tickets as tickets_module

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def solved_at_t0(carla_ticket, agent):
    with time_machine.travel(T0, tick=False):
        ticket_update(actor=agent, ticket=carla_ticket, changes={"status": Status.SOLVED})
    carla_ticket.refresh_from_db()
    return carla_ticket


def test_a_ticket_solved_exactly_the_auto_close_days_ago_is_closed_by_the_system(solved_at_t0, settings, ticket_events):
    # given
    settings.HELPLINE_AUTO_CLOSE_DAYS = 4

    # when
    with time_machine.travel(T0 + timedelta(days=4), tick=False):
        closed = tickets_close_solved()

    # then
    solved_at_t0.refresh_from_db()
    assert closed == 1
    assert (solved_at_t0.status, solved_at_t0.solved_at, solved_at_t0.closed_at, solved_at_t0.version) == (
        Status.CLOSED,
        T0,
        T0 + timedelta(days=4),
        3,
    )
    assert ticket_events(solved_at_t0)[-1] == ("ticket.status_changed", {"status": "solved"}, {"status": "closed"})
    from helpline.audit.models import Event

    assert Event.objects.filter(ticket=solved_at_t0).latest("id").actor_label == "system"


def test_a_ticket_solved_less_long_ago_stays_solved(solved_at_t0, settings, footprint):
    # given
    settings.HELPLINE_AUTO_CLOSE_DAYS = 4
    before = footprint()

    # when
    with time_machine.travel(T0 + timedelta(days=4) - timedelta(seconds=1), tick=False):
        closed = tickets_close_solved()

    # then
    assert closed == 0
    assert footprint() == before


def test_unsolved_tickets_are_never_closed(carla_ticket, footprint):
    # given
    before = footprint()

    # when
    with time_machine.travel(T0 + timedelta(days=365), tick=False):
        closed = tickets_close_solved()

    # then
    assert closed == 0
    assert footprint() == before


def test_a_ticket_the_customer_reopens_while_the_job_runs_is_not_closed(
    solved_at_t0, customer, monkeypatch, ticket_events
):
    # given: the customer writes after the job picked the ticket and before it closes it
    real_update = tickets_module.ticket_update

    def customer_writes_first(**kwargs):
        customer_message_add(
            actor=None, ticket=solved_at_t0, author=customer, channel=Channel.EMAIL, body_text="Wait, not fixed!"
        )
        return real_update(**kwargs)

    monkeypatch.setattr(tickets_module, "ticket_update", customer_writes_first)

    # when
    with time_machine.travel(T0 + timedelta(days=5), tick=False):
        closed = tickets_close_solved()

    # then
    solved_at_t0.refresh_from_db()
    assert closed == 0
    assert (solved_at_t0.status, solved_at_t0.solved_at, solved_at_t0.closed_at) == (Status.OPEN, None, None)
    assert [e[0] for e in ticket_events(solved_at_t0)][-3:] == [
        "message.added",
        "ticket.status_changed",
        "ticket.reopened",
    ]


def test_older_than_overrides_the_setting_and_limit_caps_one_run(customer, agent):
    # given: three tickets solved a day ago
    from helpline.tickets.services import ticket_create

    tickets = [
        ticket_create(actor=None, requester=customer, subject=f"T{i}", channel="email", body_text="x") for i in range(3)
    ]
    with time_machine.travel(T0, tick=False):
        for ticket in tickets:
            ticket_update(actor=agent, ticket=ticket, changes={"status": Status.SOLVED})

    # when
    with time_machine.travel(T0 + timedelta(days=1), tick=False):
        first = tickets_close_solved(older_than=timedelta(hours=12), limit=2)
        second = tickets_close_solved(older_than=timedelta(hours=12), limit=2)

    # then
    assert (first, second) == (2, 1)


def test_a_solved_ticket_in_trash_does_not_stop_the_others_from_closing(solved_at_t0, customer, agent):
    # given: another solved ticket, trashed
    from helpline.tickets.services import ticket_create

    trashed = ticket_create(actor=None, requester=customer, subject="Spam?", channel="email", body_text="x")
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        ticket_update(actor=agent, ticket=trashed, changes={"status": Status.SOLVED})
    ticket_trash(actor=agent, ticket=trashed)

    # when
    with time_machine.travel(T0 + timedelta(days=10), tick=False):
        closed = tickets_close_solved()

    # then
    solved_at_t0.refresh_from_db()
    trashed.refresh_from_db()
    assert (closed, solved_at_t0.status, trashed.status) == (1, Status.CLOSED, Status.SOLVED)
