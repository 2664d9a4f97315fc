from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
import time_machine

from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.tickets.models import Status
from helpline.tickets.selectors import (
    TicketFilters,
    attachment_get,
    event_list,
    message_list,
    ticket_get,
    ticket_list,
)
from helpline.tickets.services import attachment_upload, note_add, reply_add, ticket_create, ticket_update
from helpline.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _numbers(actor, **kwargs):
    return [t.number for t in ticket_list(actor=actor, limit=100, **kwargs).items]


@pytest.fixture
def queue(customer, other_customer, support_team, billing_team, agent, other_agent):
    """Five tickets an hour apart, numbered 1000-1004, in different states."""
    refunds = CategoryFactory(name="Refunds")
    specs = [
        dict(requester=customer, team=support_team, tags=["vip"], channel="email"),
        dict(requester=customer, team=support_team, assignee=agent, priority="high", channel="web"),
        dict(requester=other_customer, team=billing_team, assignee=other_agent, category=refunds, channel="email"),
        dict(requester=other_customer, team=None, tags=["vip", "refund"], channel="chat"),
        dict(requester=customer, team=billing_team, priority="urgent", channel="email"),
    ]
    tickets = []
    with time_machine.travel(T0, tick=False) as clock:
        for i, spec in enumerate(specs):
            tickets.append(ticket_create(actor=None, subject=f"T{i}", body_text="x", **spec))
            clock.shift(timedelta(hours=1))
        ticket_update(actor=None, ticket=tickets[4], changes={"status": Status.PENDING})
    return {"tickets": tickets, "refunds": refunds}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (TicketFilters(), [1004, 1003, 1002, 1001, 1000]),
        (TicketFilters(status=["open"]), [1002, 1001]),
        (TicketFilters(status=["new", "pending"]), [1004, 1003, 1000]),
        (TicketFilters(unassigned=True), [1004, 1003, 1000]),
        (TicketFilters(priority=["high", "urgent"]), [1004, 1001]),
        (TicketFilters(tag=["vip"]), [1003, 1000]),
        (TicketFilters(tag=["vip", "refund"]), [1003]),
        (TicketFilters(channel=["email"]), [1004, 1002, 1000]),
        (TicketFilters(created_after=T0 + timedelta(hours=1), created_before=T0 + timedelta(hours=3)), [1002, 1001]),
        (TicketFilters(updated_after=T0 + timedelta(hours=4)), [1004]),
    ],
)
def test_filters_narrow_the_list(queue, admin, filters, expected):
    # when / then
    assert _numbers(admin, filters=filters) == expected


def test_filters_by_team_assignee_requester_and_category(queue, admin, support_team, agent, other_customer):
    # when / then
    assert _numbers(admin, filters=TicketFilters(team=[support_team.pk])) == [1001, 1000]
    assert _numbers(admin, filters=TicketFilters(assignee=[agent.pk])) == [1001]
    assert _numbers(admin, filters=TicketFilters(requester=[other_customer.pk])) == [1003, 1002]
    assert _numbers(admin, filters=TicketFilters(category=[queue["refunds"].pk])) == [1002]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-created_at", [1004, 1003, 1002, 1001, 1000]),
        ("created_at", [1000, 1001, 1002, 1003, 1004]),
        ("-number", [1004, 1003, 1002, 1001, 1000]),
        ("number", [1000, 1001, 1002, 1003, 1004]),
        ("-updated_at", [1004, 1003, 1002, 1001, 1000]),
    ],
)
def test_sorts(queue, admin, sort, expected):
    # when / then
    assert _numbers(admin, sort=sort) == expected


def test_an_unknown_sort_or_limit_is_invalid_input(queue, admin):
    # when / then
    with pytest.raises(InvalidInput) as sort_error:
        ticket_list(actor=admin, sort="subject")
    for limit in (0, 101):
        with pytest.raises(InvalidInput) as limit_error:
            ticket_list(actor=admin, limit=limit)
        assert limit_error.value.errors == [{"field": "limit", "message": "out of range"}]
    assert sort_error.value.errors == [{"field": "sort", "message": "invalid"}]


def test_pages_of_tickets_created_at_the_same_moment_list_each_once(customer, admin):
    # given: seven tickets with the same created_at
    with time_machine.travel(T0, tick=False):
        numbers = [
            ticket_create(actor=None, requester=customer, subject="S", channel="email", body_text="x").number
            for _ in range(7)
        ]

    # when
    seen, cursor = [], None
    while True:
        page = ticket_list(actor=admin, limit=3, cursor=cursor)
        seen += [t.number for t in page.items]
        if not (cursor := page.next_cursor):
            break

    # then
    assert seen == sorted(numbers, reverse=True)


def test_customers_see_only_active_tickets(queue, customer):
    # when / then
    with pytest.raises(PermissionDenied):
        ticket_list(actor=customer, filters=TicketFilters(disposition="trash"))


def test_an_unknown_number_is_not_found(admin):
    # when / then
    with pytest.raises(NotFound):
        ticket_get(actor=admin, number=424242)


def test_the_thread_is_oldest_first_in_pages(carla_ticket, agent):
    # given
    reply_add(actor=agent, ticket=carla_ticket, body_text="r1")
    note_add(actor=agent, ticket=carla_ticket, body_text="n1")
    reply_add(actor=agent, ticket=carla_ticket, body_text="r2")

    # when
    first = message_list(actor=agent, ticket=carla_ticket, limit=3)
    second = message_list(actor=agent, ticket=carla_ticket, limit=3, cursor=first.next_cursor)

    # then
    assert [m.body_text for m in first.items] + [m.body_text for m in second.items] == [
        "Hello, the amount on invoice 42 is wrong.",
        "r1",
        "n1",
        "r2",
    ]
    assert second.next_cursor is None


def test_the_history_is_for_agents_only(carla_ticket, agent, customer):
    # when
    page = event_list(actor=agent, ticket=carla_ticket)

    # then
    assert [e.kind for e in page.items] == ["ticket.created"]
    with pytest.raises(PermissionDenied):
        event_list(actor=customer, ticket=carla_ticket)


@pytest.mark.usefixtures("media_root")
def test_an_unbound_upload_is_visible_to_its_uploader_only(agent, supervisor, customer, other_customer):
    # given
    agents = attachment_upload(actor=agent, content=BytesIO(b"a"), filename="a.txt")
    customers = attachment_upload(actor=customer, content=BytesIO(b"c"), filename="c.txt")

    # when / then
    assert attachment_get(actor=agent, attachment_id=agents.pk) == agents
    assert attachment_get(actor=customer, attachment_id=customers.pk) == customers
    for actor, attachment in [
        (supervisor, agents),
        (customer, agents),
        (agent, customers),
        (other_customer, customers),
    ]:
        with pytest.raises(NotFound):
            attachment_get(actor=actor, attachment_id=attachment.pk)
    with pytest.raises(NotFound):
        attachment_get(actor=agent, attachment_id=987654)


@pytest.mark.parametrize(("who", "ticket"), [("other_customer", "carla_ticket"), ("agent", "hr_ticket")])
def test_the_thread_of_a_ticket_the_actor_may_not_see_is_not_found(request, who, ticket):
    # given
    actor, ticket = request.getfixturevalue(who), request.getfixturevalue(ticket)

    # when / then
    with pytest.raises(NotFound):
        message_list(actor=actor, ticket=ticket)


@pytest.mark.usefixtures("media_root")
def test_a_customer_cannot_download_a_file_of_their_trashed_ticket(carla_ticket, customer, agent):
    # given
    from helpline.tickets.services import customer_message_add, ticket_trash

    upload = attachment_upload(actor=customer, content=BytesIO(b"scan"), filename="scan.pdf")
    customer_message_add(
        actor=customer,
        ticket=carla_ticket,
        author=customer,
        channel="portal",
        body_text="x",
        attachment_ids=[upload.pk],
    )
    ticket_trash(actor=agent, ticket=carla_ticket)

    # when / then
    with pytest.raises(NotFound):
        attachment_get(actor=customer, attachment_id=upload.pk)
