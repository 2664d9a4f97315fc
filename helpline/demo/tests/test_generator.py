from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
import time_machine
from django.db.models import Count, Max

from helpline.accounts.models import Agent, Membership, Team
from helpline.audit.models import Event
from helpline.core.clock import now
from helpline.core.models import NumberSequence
from helpline.core.sequences import sequence_next
from helpline.customers.models import ContactIdentity, Customer
from helpline.demo.generator import demo_load, generate, long_threads_ensure
from helpline.tickets.models import Message, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated() -> dict[str, int]:
    return generate(tickets=200, agents=12, seed=3)


def test_generate_writes_the_counts_it_reports(generated: dict[str, int]) -> None:
    # then
    assert generated["tickets"] == Ticket.objects.count() == 200
    assert generated["messages"] == Message.objects.count()
    assert generated["events"] == Event.objects.count()
    assert generated["customers"] == Customer.objects.count() == 66
    assert Agent.objects.count() == 12
    assert ContactIdentity.objects.filter(kind="email").count() == 66


def test_numbers_are_unique_follow_creation_and_the_sequence_continues(generated: dict[str, int]) -> None:
    # when
    numbers = list(Ticket.objects.order_by("created_at", "id").values_list("number", flat=True))
    # then
    assert len(set(numbers)) == 200
    assert numbers == sorted(numbers)
    highest = max(numbers)
    assert NumberSequence.objects.get(name="ticket").value == highest
    assert sequence_next("ticket", start=1000) == highest + 1


def test_every_thread_starts_with_the_requester_and_has_one_to_ten_messages(generated: dict[str, int]) -> None:
    # given
    requesters = dict(Ticket.objects.values_list("id", "requester_id"))
    threads: dict[int, list[Message]] = {}
    for message in Message.objects.order_by("ticket_id", "created_at", "id"):
        threads.setdefault(message.ticket_id, []).append(message)
    # then
    assert set(threads) == set(requesters)
    for ticket_id, thread in threads.items():
        assert 1 <= len(thread) <= 10
        assert thread[0].kind == Message.Kind.CUSTOMER
        assert thread[0].author_customer_id == requesters[ticket_id]


def test_timestamps_agree_with_the_thread_and_the_status(generated: dict[str, int]) -> None:
    # given
    stamp = now()
    tickets = Ticket.objects.annotate(last_message=Max("messages__created_at"))
    # then
    for ticket in tickets:
        first_reply = ticket.messages.filter(kind=Message.Kind.REPLY).order_by("created_at").first()
        assert ticket.first_response_at == (first_reply.created_at if first_reply else None)
        assert ticket.created_at <= ticket.last_message <= ticket.updated_at <= stamp
        assert ticket.version == 1
        if ticket.status in (Status.SOLVED, Status.CLOSED):
            assert ticket.solved_at is not None
        if ticket.status == Status.CLOSED:
            assert ticket.solved_at is not None and ticket.closed_at is not None
            assert ticket.solved_at < ticket.closed_at <= stamp
        else:
            assert ticket.closed_at is None
        if ticket.status == Status.NEW:
            assert first_reply is None


def test_events_record_each_ticket_and_each_later_message(generated: dict[str, int]) -> None:
    # when
    kinds = Counter(Event.objects.values_list("kind", flat=True))
    created = Event.objects.filter(kind="ticket.created").values("ticket_id").annotate(n=Count("id"))
    # then
    assert kinds["ticket.created"] == 200
    assert {row["n"] for row in created} == {1}
    assert kinds["message.added"] == Message.objects.count() - 200
    closed = Ticket.objects.filter(status=Status.CLOSED).count()
    assert Event.objects.filter(kind="ticket.status_changed", after={"status": "closed"}).count() == closed


def test_tickets_of_private_teams_and_memberships_of_one_or_two_teams(generated: dict[str, int]) -> None:
    # then
    assert Ticket.objects.filter(team__is_private=True).exists()
    assert set(Team.objects.filter(is_private=True).values_list("name", flat=True)) == {"HR", "Finance"}
    per_agent = Counter(Membership.objects.values_list("agent_id", flat=True))
    assert set(per_agent) == set(Agent.objects.values_list("id", flat=True))
    assert set(per_agent.values()) <= {1, 2}
    assert Membership.objects.filter(is_lead=True).values("team").distinct().count() == 5


def test_rows_created_afterwards_get_fresh_ids(generated: dict[str, int]) -> None:
    # given
    ticket = Ticket.objects.order_by("id").last()
    assert ticket is not None
    # when
    message = Message.objects.create(ticket=ticket, kind=Message.Kind.NOTE, channel=ticket.channel, body_text="x")
    # then
    assert message.pk == Message.objects.aggregate(top=Max("id"))["top"]
    assert Message.objects.filter(ticket=ticket).count() >= 2


def test_long_threads_are_created_once(generated: dict[str, int]) -> None:
    # when
    numbers = long_threads_ensure(count=2, messages=20)
    again = long_threads_ensure(count=2, messages=20)
    # then
    assert again == numbers
    assert len(numbers) == 2
    for number in numbers:
        ticket = Ticket.objects.get(number=number)
        assert ticket.messages.count() == 20
        assert ticket.team is not None and not ticket.team.is_private
    assert Ticket.objects.count() == 202
    assert NumberSequence.objects.get(name="ticket").value == max(numbers)


def test_the_same_seed_and_clock_give_the_same_tickets() -> None:
    # given
    def snapshot(first_id: int) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        tickets = Ticket.objects.filter(id__range=(first_id, first_id + 39)).order_by("id")
        messages = Message.objects.filter(ticket_id__gte=first_id, ticket_id__lte=first_id + 39).order_by("id")
        return (
            list(tickets.values_list("subject", "status", "priority", "channel", "created_at", "updated_at")),
            list(messages.values_list("kind", "body_text", "created_at")),
        )

    with time_machine.travel(datetime(2026, 5, 6, 12, 0, tzinfo=UTC), tick=False):
        # when
        generate(tickets=40, agents=8, seed=9)
        generate(tickets=40, agents=8, seed=9)
    # then
    first, second = snapshot(1), snapshot(41)
    assert len(first[0]) == len(second[0]) == 40
    assert first == second


def test_demo_load_fills_an_empty_database() -> None:
    # when
    demo_load(tickets=40)
    # then
    assert Ticket.objects.count() == 40
    assert "Customer Support" in set(Team.objects.values_list("name", flat=True))
    assert not any(agent.has_usable_password() for agent in Agent.objects.all())


def test_demo_load_does_nothing_when_tickets_exist(generated: dict[str, int]) -> None:
    # given
    before = [model.objects.count() for model in (Ticket, Message, Agent, Team, Customer, Event)]
    # when
    demo_load(tickets=40)
    # then
    assert [model.objects.count() for model in (Ticket, Message, Agent, Team, Customer, Event)] == before
    assert not Team.objects.filter(name="Customer Support").exists()
