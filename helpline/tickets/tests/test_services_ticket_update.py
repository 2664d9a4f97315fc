from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from helpline.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied, StaleVersion
from helpline.core.models import CustomField
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Priority, Status
from helpline.tickets.services import ticket_assign, ticket_update
from helpline.tickets.tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _changes_since_creation(ticket_events, ticket):
    return [e for e in ticket_events(ticket) if e[0] != "ticket.created"]


@pytest.mark.parametrize(
    ("field", "value", "before", "after"),
    [
        ("subject", "  Wrong   amount ", "My invoice is wrong", "Wrong amount"),
        ("priority", Priority.URGENT, "medium", "urgent"),
        ("status", Status.PENDING, "new", "pending"),
    ],
)
def test_changing_one_field_writes_it_bumps_the_version_and_records_one_event(
    carla_ticket, agent, ticket_events, field, value, before, after
):
    # when
    with time_machine.travel(T0, tick=False):
        ticket = ticket_update(actor=agent, ticket=carla_ticket, changes={field: value}, version=1)

    # then
    ticket.refresh_from_db()
    assert (getattr(ticket, field), ticket.version, ticket.updated_at) == (after, 2, T0)
    assert _changes_since_creation(ticket_events, ticket) == [
        (f"ticket.{field}_changed", {field: before}, {field: after})
    ]


def test_relations_are_recorded_by_id(carla_ticket, agent, support_team, billing_team, ticket_events):
    # given
    refunds = CategoryFactory.create(name="Refunds")

    # when
    ticket = ticket_update(actor=agent, ticket=carla_ticket, changes={"category": refunds, "team": billing_team})

    # then
    ticket.refresh_from_db()
    assert (ticket.category, ticket.team, ticket.version) == (refunds, billing_team, 2)
    assert _changes_since_creation(ticket_events, ticket) == [
        ("ticket.category_changed", {"category": None}, {"category": refunds.pk}),
        ("ticket.team_changed", {"team": support_team.pk}, {"team": billing_team.pk}),
    ]


def test_several_fields_at_once_are_one_write_and_one_event_each(carla_ticket, agent, ticket_events):
    # when
    ticket = ticket_update(
        actor=agent,
        ticket=carla_ticket,
        changes={"subject": "Refund", "priority": "high", "status": "on_hold", "assignee": agent},
    )

    # then
    ticket.refresh_from_db()
    assert ticket.version == 2
    assert _changes_since_creation(ticket_events, ticket) == [
        ("ticket.subject_changed", {"subject": "My invoice is wrong"}, {"subject": "Refund"}),
        ("ticket.status_changed", {"status": "new"}, {"status": "on_hold"}),
        ("ticket.priority_changed", {"priority": "medium"}, {"priority": "high"}),
        ("ticket.assignee_changed", {"assignee": None}, {"assignee": agent.pk}),
    ]


def test_setting_the_values_a_ticket_has_already_writes_nothing(carla_ticket, agent, footprint):
    # given
    before = footprint()

    # when
    ticket = ticket_update(
        actor=agent, ticket=carla_ticket, changes={"subject": "My invoice is wrong", "priority": "medium"}
    )

    # then
    assert ticket.version == 1
    assert footprint() == before


def test_assigning_a_new_ticket_opens_it_and_tells_the_assignee(carla_ticket, supervisor, agent, ticket_events):
    # when
    ticket = ticket_assign(actor=supervisor, ticket=carla_ticket, assignee=agent)

    # then
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status, ticket.version) == (agent, Status.OPEN, 2)
    assert _changes_since_creation(ticket_events, ticket) == [
        ("ticket.status_changed", {"status": "new"}, {"status": "open"}),
        ("ticket.assignee_changed", {"assignee": None}, {"assignee": agent.pk}),
    ]
    (notification,) = OutboxMessage.objects.all()
    assert notification.payload == {
        "agent_id": agent.pk,
        "event": "ticket.assigned",
        "number": ticket.number,
        "subject": "My invoice is wrong",
    }


def test_an_agent_taking_a_ticket_is_not_told_about_it(carla_ticket, agent):
    # when
    ticket_assign(actor=agent, ticket=carla_ticket, assignee=agent)

    # then
    assert OutboxMessage.objects.count() == 0


def test_the_assignee_must_be_a_member_of_the_team(carla_ticket, agent, other_agent, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        ticket_assign(actor=agent, ticket=carla_ticket, assignee=other_agent)

    # then
    assert raised.value.detail == "Oscar is not a member of team Support."
    assert footprint() == before


def test_moving_a_ticket_to_a_team_its_assignee_is_not_in_is_refused(carla_ticket, agent, billing_team, footprint):
    # given
    ticket_assign(actor=agent, ticket=carla_ticket, assignee=agent)
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        ticket_update(actor=agent, ticket=carla_ticket, changes={"team": billing_team})

    # then
    assert raised.value.detail == "Alice is not a member of team Billing."
    assert footprint() == before


def test_moving_a_ticket_with_its_new_assignee_in_the_new_team_is_fine(carla_ticket, agent, other_agent, billing_team):
    # when
    ticket = ticket_assign(actor=agent, ticket=carla_ticket, assignee=other_agent, team=billing_team)

    # then
    assert (ticket.team, ticket.assignee) == (billing_team, other_agent)


def test_an_admin_may_own_a_ticket_of_any_team(carla_ticket, admin):
    # when
    ticket = ticket_assign(actor=admin, ticket=carla_ticket, assignee=admin)

    # then
    assert ticket.assignee == admin


def test_an_old_version_is_refused_and_the_ticket_is_unchanged(carla_ticket, agent, footprint):
    # given: someone else changed the ticket after we read version 1
    ticket_update(actor=agent, ticket=carla_ticket, changes={"priority": "high"}, version=1)
    before = footprint()

    # when
    with pytest.raises(StaleVersion) as raised:
        ticket_update(actor=agent, ticket=carla_ticket, changes={"subject": "Mine"}, version=1)

    # then
    assert raised.value.detail == (f"Ticket #{carla_ticket.number} is at version 2, not 1: reload and try again.")
    assert footprint() == before


@pytest.mark.parametrize(
    ("path", "target"),
    [([], Status.CLOSED), ([Status.SOLVED], Status.PENDING), ([Status.SOLVED, Status.CLOSED], Status.OPEN)],
)
def test_a_transition_outside_the_table_is_refused_and_the_ticket_is_unchanged(
    carla_ticket, agent, footprint, path, target
):
    # given
    for status in path:
        ticket_update(actor=agent, ticket=carla_ticket, changes={"status": status})
    before = footprint()

    # when
    with pytest.raises(InvalidTransition):
        ticket_update(actor=agent, ticket=carla_ticket, changes={"status": target})

    # then
    assert footprint() == before


def test_solving_stamps_solved_at_reopening_clears_it_and_closing_keeps_it(carla_ticket, agent):
    # when / then
    with time_machine.travel(T0, tick=False) as clock:
        solved = ticket_update(actor=agent, ticket=carla_ticket, changes={"status": Status.SOLVED})
        assert (solved.solved_at, solved.closed_at) == (T0, None)
        clock.shift(timedelta(hours=1))
        reopened = ticket_update(actor=agent, ticket=carla_ticket, changes={"status": Status.OPEN})
        assert (reopened.solved_at, reopened.closed_at) == (None, None)
        clock.shift(timedelta(hours=1))
        ticket_update(actor=agent, ticket=carla_ticket, changes={"status": Status.SOLVED})
        clock.shift(timedelta(hours=1))
        closed = ticket_update(actor=agent, ticket=carla_ticket, changes={"status": Status.CLOSED})

    closed.refresh_from_db()
    assert (closed.status, closed.solved_at, closed.closed_at) == (
        Status.CLOSED,
        T0 + timedelta(hours=2),
        T0 + timedelta(hours=3),
    )


@pytest.mark.parametrize(
    ("changes", "detail"),
    [
        ({"priority": "asap"}, "'asap' is not a priority."),
        ({"subject": "  "}, "A ticket needs a subject."),
        ({"requester": 1}, "Unknown ticket field(s): requester."),
        ({"number": 7, "version": 9}, "Unknown ticket field(s): number, version."),
    ],
)
def test_invalid_changes_are_refused_and_nothing_is_written(carla_ticket, agent, footprint, changes, detail):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        ticket_update(actor=agent, ticket=carla_ticket, changes=changes)

    # then
    assert raised.value.detail == detail
    assert footprint() == before


def test_custom_fields_of_every_type_are_checked_and_every_problem_is_listed(carla_ticket, agent, footprint):
    # given
    for key, kind, extra in [
        ("note", "text", {}),
        ("amount", "number", {}),
        ("seats", "integer", {}),
        ("urgent", "boolean", {}),
        ("due", "date", {}),
        ("plan", "choice", {"choices": ["basic", "pro"]}),
    ]:
        CustomField.objects.create(target="ticket", key=key, label=key, type=kind, **extra)
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        ticket_update(
            actor=agent,
            ticket=carla_ticket,
            changes={
                "custom_fields": {
                    "note": 1,
                    "amount": "ten",
                    "seats": 1.5,
                    "urgent": "no",
                    "due": "2026-13-01",
                    "plan": "gold",
                    "colour": "red",
                }
            },
        )

    # then
    assert raised.value.errors == [
        {"field": "custom_fields.note", "message": "expected text"},
        {"field": "custom_fields.amount", "message": "expected a number"},
        {"field": "custom_fields.seats", "message": "expected a whole number"},
        {"field": "custom_fields.urgent", "message": "expected true or false"},
        {"field": "custom_fields.due", "message": "month must be in 1..12"},
        {"field": "custom_fields.plan", "message": "expected one of basic, pro"},
        {"field": "custom_fields.colour", "message": "unknown custom field"},
    ]
    assert footprint() == before


def test_custom_fields_merge_and_record_one_event_with_the_whole_before_and_after(carla_ticket, agent, ticket_events):
    # given
    CustomField.objects.create(target="ticket", key="seats", label="Seats", type="integer")
    CustomField.objects.create(target="ticket", key="due", label="Due", type="date")
    ticket_update(actor=agent, ticket=carla_ticket, changes={"custom_fields": {"seats": 3}})

    # when
    ticket = ticket_update(actor=agent, ticket=carla_ticket, changes={"custom_fields": {"due": "20260401"}})

    # then
    ticket.refresh_from_db()
    assert (ticket.custom_fields, ticket.version) == ({"seats": 3, "due": "2026-04-01"}, 3)
    assert _changes_since_creation(ticket_events, ticket)[-1] == (
        "ticket.custom_fields_changed",
        {"custom_fields": {"seats": 3}},
        {"custom_fields": {"seats": 3, "due": "2026-04-01"}},
    )


def test_tags_ccs_and_followers_are_replaced_added_and_removed_with_one_event_each(
    carla_ticket, agent, supervisor, other_customer, ticket_events
):
    # when
    ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["Refund", "vip"]})
    ticket_update(actor=agent, ticket=carla_ticket, changes={"add_tags": ["Late Payment"], "remove_tags": ["VIP"]})
    ticket_update(actor=agent, ticket=carla_ticket, changes={"ccs": [other_customer], "followers": [supervisor]})

    # then
    assert sorted(carla_ticket.tags.values_list("name", flat=True)) == ["late-payment", "refund"]
    assert list(carla_ticket.ccs.all()) == [other_customer]
    assert list(carla_ticket.followers.all()) == [supervisor]
    assert _changes_since_creation(ticket_events, carla_ticket) == [
        ("ticket.tags_changed", {"tags": []}, {"tags": ["refund", "vip"]}),
        ("ticket.tags_changed", {"tags": ["refund", "vip"]}, {"tags": ["late-payment", "refund"]}),
        ("ticket.ccs_changed", {"ccs": []}, {"ccs": [other_customer.pk]}),
        ("ticket.followers_changed", {"followers": []}, {"followers": [supervisor.pk]}),
    ]


def test_a_tag_change_bumps_the_version_so_a_second_editor_on_the_old_version_is_refused(carla_ticket, agent):
    # given: two editors read version 1; the first replaces the tags
    ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["refund"]}, version=1)

    # when / then: the second, still on version 1, must not silently overwrite them
    with pytest.raises(StaleVersion):
        ticket_update(actor=agent, ticket=carla_ticket, changes={"tags": ["vip"]}, version=1)


def test_a_collaborator_and_a_customer_may_not_change_a_ticket(carla_ticket, collaborator, customer, footprint):
    # given
    before = footprint()

    # when / then
    with pytest.raises(PermissionDenied):
        ticket_update(actor=collaborator, ticket=carla_ticket, changes={"priority": "high"})
    with pytest.raises(PermissionDenied):
        ticket_update(actor=customer, ticket=carla_ticket, changes={"priority": "high"})
    assert footprint() == before


def test_an_agent_outside_a_private_team_is_told_the_ticket_does_not_exist(hr_ticket, agent, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(NotFound):
        ticket_update(actor=agent, ticket=hr_ticket, changes={"priority": "high"})

    # then
    assert footprint() == before


def test_a_trashed_ticket_must_be_restored_before_its_properties_change(carla_ticket, agent, footprint):
    # given
    from helpline.tickets.services import ticket_trash

    ticket_trash(actor=agent, ticket=carla_ticket)
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        ticket_update(actor=agent, ticket=carla_ticket, changes={"priority": "high"})

    # then
    assert raised.value.detail == f"Ticket #{carla_ticket.number} is in trash: restore it first."
    assert footprint() == before
