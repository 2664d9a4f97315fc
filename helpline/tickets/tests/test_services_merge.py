from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.customers.tests.factories import CustomerFactory
from helpline.tickets.models import Channel, Message, Status
from helpline.tickets.services import reply_add, ticket_create, ticket_merge, ticket_update

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def duplicate(other_customer, support_team):
    """Otto wrote about Carla's problem too, with his colleague copied and a tag."""
    colleague = CustomerFactory.create(name="Colin", email="colin@example.net")
    ticket = ticket_create(
        actor=None,
        requester=other_customer,
        subject="Invoice wrong for us too",
        channel=Channel.EMAIL,
        body_text="Same here.",
        team=support_team,
        tags=["invoices"],
        ccs=[colleague],
    )
    return ticket


def test_merging_moves_the_thread_people_and_tags_and_closes_the_source(
    carla_ticket, duplicate, agent, supervisor, ticket_events
):
    # given
    ticket_update(actor=agent, ticket=duplicate, changes={"followers": [supervisor]})
    source_messages = list(duplicate.messages.values_list("pk", flat=True))
    target_messages = list(carla_ticket.messages.values_list("pk", flat=True))
    duplicate.refresh_from_db()
    versions = (duplicate.version, carla_ticket.version)

    # when
    with time_machine.travel(T0, tick=False):
        result = ticket_merge(actor=agent, source=duplicate, target=carla_ticket)

    # then
    duplicate.refresh_from_db()
    carla_ticket.refresh_from_db()
    assert result == carla_ticket
    assert (duplicate.status, duplicate.merged_into, duplicate.closed_at, duplicate.solved_at) == (
        Status.CLOSED,
        carla_ticket,
        T0,
        T0,
    )
    assert (duplicate.version, carla_ticket.version) == (versions[0] + 1, versions[1] + 1)
    target_thread = list(carla_ticket.messages.order_by("pk").values_list("pk", "kind", "body_text"))
    assert [pk for pk, _, _ in target_thread[:-1]] == sorted(target_messages + source_messages)
    assert target_thread[-1][1:] == ("system", f"Ticket #{duplicate.number} was merged into this one.")
    assert list(duplicate.messages.values_list("kind", "body_text", "author_agent")) == [
        ("system", f"Merged into #{carla_ticket.number}.", agent.pk)
    ]
    assert sorted(c.name for c in carla_ticket.ccs.all()) == ["Colin", "Otto"]
    assert list(carla_ticket.tags.values_list("name", flat=True)) == ["invoices"]
    assert list(carla_ticket.followers.all()) == [supervisor]
    assert ticket_events(duplicate)[-1] == (
        "ticket.merged",
        {"status": "new"},
        {"status": "closed", "merged_into": carla_ticket.number},
    )
    assert ticket_events(carla_ticket)[-1] == ("ticket.merge_received", {}, {"merged_from": duplicate.number})


def test_merging_a_solved_ticket_keeps_its_solve_time(carla_ticket, duplicate, agent):
    # given
    with time_machine.travel(T0, tick=False):
        ticket_update(actor=agent, ticket=duplicate, changes={"status": Status.SOLVED})

    # when
    with time_machine.travel(T0.replace(hour=12), tick=False):
        ticket_merge(actor=agent, source=duplicate, target=carla_ticket)

    # then
    duplicate.refresh_from_db()
    assert (duplicate.solved_at, duplicate.closed_at) == (T0, T0.replace(hour=12))


def test_the_targets_requester_is_not_copied_on_their_own_ticket(carla_ticket, customer, agent):
    # given: Carla wrote twice
    again = ticket_create(actor=None, requester=customer, subject="Again", channel="email", body_text="x")

    # when
    ticket_merge(actor=agent, source=again, target=carla_ticket)

    # then
    assert carla_ticket.ccs.count() == 0


def test_a_ticket_cannot_be_merged_into_itself(carla_ticket, agent, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        ticket_merge(actor=agent, source=carla_ticket, target=carla_ticket.pk)

    # then
    assert raised.value.detail == "A ticket cannot be merged into itself."
    assert footprint() == before


def test_a_merged_ticket_takes_part_in_no_other_merge(carla_ticket, duplicate, agent, customer, footprint):
    # given
    third = ticket_create(actor=None, requester=customer, subject="Third", channel="email", body_text="x")
    ticket_merge(actor=agent, source=duplicate, target=carla_ticket)
    before = footprint()

    # when / then
    for source, target in ((duplicate, third), (third, duplicate)):
        with pytest.raises(InvalidInput) as raised:
            ticket_merge(actor=agent, source=source, target=target)
        assert raised.value.detail == "A ticket that was merged already cannot take part in another merge."
    assert footprint() == before


def test_nothing_merges_into_a_closed_ticket(carla_ticket, duplicate, agent, footprint):
    # given
    ticket_update(actor=agent, ticket=carla_ticket, changes={"status": Status.SOLVED})
    ticket_update(actor=agent, ticket=carla_ticket, changes={"status": Status.CLOSED})
    before = footprint()

    # when
    with pytest.raises(InvalidInput):
        ticket_merge(actor=agent, source=duplicate, target=carla_ticket)

    # then
    assert footprint() == before


def test_a_collaborator_and_a_customer_cannot_merge(carla_ticket, duplicate, collaborator, customer, footprint):
    # given
    before = footprint()

    # when / then
    with pytest.raises(PermissionDenied):
        ticket_merge(actor=collaborator, source=duplicate, target=carla_ticket)
    with pytest.raises(PermissionDenied):
        ticket_merge(actor=customer, source=duplicate, target=carla_ticket)
    assert footprint() == before


def test_an_agent_cannot_merge_a_private_teams_ticket_they_do_not_see(carla_ticket, hr_ticket, agent, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(NotFound):
        ticket_merge(actor=agent, source=hr_ticket, target=carla_ticket)

    # then
    assert footprint() == before


def test_later_replies_on_the_target_reach_the_merged_requester_as_a_cc(carla_ticket, duplicate, agent):
    # given
    ticket_merge(actor=agent, source=duplicate, target=carla_ticket)

    # when
    reply = reply_add(actor=agent, ticket=carla_ticket, body_text="Fixed for both of you.")

    # then
    from helpline.outbox.models import OutboxMessage

    payload = OutboxMessage.objects.get(dedupe_key=f"reply:{reply.pk}").payload
    assert (payload["to"], sorted(payload["cc"])) == (
        [["Carla", "carla@example.com"]],
        [["Colin", "colin@example.net"], ["Otto", "otto@example.net"]],
    )
    assert Message.objects.filter(ticket=duplicate).count() == 1
