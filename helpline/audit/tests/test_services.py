from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from helpline.audit.models import Event
from helpline.audit.services import event_build, event_record

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_an_agents_event_names_the_agent_the_ticket_and_its_number(agent, carla_ticket):
    # when
    with time_machine.travel(T0, tick=False):
        event = event_record(actor=agent, ticket=carla_ticket, kind="ticket.looked_at", before={"a": 1}, after={"a": 2})

    # then
    event.refresh_from_db()
    assert (event.ticket, event.ticket_number, event.entity, event.entity_id) == (
        carla_ticket,
        carla_ticket.number,
        "ticket",
        carla_ticket.pk,
    )
    assert (event.actor_agent, event.actor_customer, event.actor_label) == (agent, None, "")
    assert (event.kind, event.before, event.after, event.at) == ("ticket.looked_at", {"a": 1}, {"a": 2}, T0)


def test_a_customers_event_names_the_customer(customer, carla_ticket):
    # when
    event = event_record(actor=customer, ticket=carla_ticket, kind="x")

    # then
    assert (event.actor_agent, event.actor_customer, event.actor_label) == (None, customer, "")


def test_the_system_is_labelled_and_a_job_may_name_itself(db):
    # when
    system = event_record(actor=None, kind="x", entity="agent", entity_id=7)
    job = event_record(actor=None, kind="x", entity="agent", entity_id=7, actor_label="auto-close")

    # then
    assert (system.actor_label, job.actor_label) == ("system", "auto-close")
    assert (system.ticket, system.ticket_number, system.entity, system.entity_id) == (None, None, "agent", 7)
    assert (system.before, system.after) == ({}, {})


def test_a_built_event_is_not_saved_until_asked(carla_ticket):
    # given
    count = Event.objects.count()

    # when
    event = event_build(actor=None, ticket=carla_ticket, kind="x")

    # then
    assert event.pk is None
    assert Event.objects.count() == count
