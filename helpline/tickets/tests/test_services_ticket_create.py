from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from helpline.audit.models import Event
from helpline.core.errors import InvalidInput, InvalidTransition, PermissionDenied
from helpline.core.models import CustomField
from helpline.customers.services import customer_merge
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Channel, Message, Status, Ticket
from helpline.tickets.services import ticket_create, ticket_purge, ticket_trash

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _open(requester, **kwargs):
    defaults = {"actor": None, "subject": "Help", "channel": Channel.EMAIL, "body_text": "Please help."}
    return ticket_create(requester=requester, **{**defaults, **kwargs})


def test_a_ticket_from_email_has_its_number_first_message_and_created_event(customer, support_team):
    # when
    with time_machine.travel(T0, tick=False):
        ticket = ticket_create(
            actor=None,
            requester=customer,
            subject="My invoice is wrong",
            channel=Channel.EMAIL,
            body_text="Hello, the amount is wrong.",
            team=support_team,
            message_id="<abc@mail.example.com>",
        )

    # then
    ticket.refresh_from_db()
    assert (ticket.number, ticket.subject, ticket.status, ticket.priority, ticket.channel) == (
        1000,
        "My invoice is wrong",
        Status.NEW,
        "medium",
        "email",
    )
    assert (ticket.requester, ticket.team, ticket.assignee, ticket.version) == (customer, support_team, None, 1)
    assert (ticket.created_at, ticket.updated_at, ticket.last_customer_message_at) == (T0, T0, T0)
    assert (ticket.first_response_at, ticket.solved_at, ticket.closed_at) == (None, None, None)
    (message,) = ticket.messages.all()
    assert (message.kind, message.author_customer, message.author_agent, message.channel) == (
        Message.Kind.CUSTOMER,
        customer,
        None,
        "email",
    )
    assert (message.body_text, message.message_id, message.metadata, message.created_at) == (
        "Hello, the amount is wrong.",
        "<abc@mail.example.com>",
        {},
        T0,
    )
    (event,) = Event.objects.filter(ticket=ticket)
    assert (event.kind, event.actor_agent, event.actor_customer, event.actor_label) == (
        "ticket.created",
        None,
        None,
        "system",
    )
    assert (event.message, event.ticket_number, event.at, event.before) == (message, 1000, T0, {})
    assert event.after == {
        "subject": "My invoice is wrong",
        "status": "new",
        "priority": "medium",
        "channel": "email",
        "requester": customer.pk,
        "team": support_team.pk,
        "assignee": None,
        "category": None,
        "tags": [],
        "follow_up_of": None,
    }
    assert OutboxMessage.objects.count() == 0


def test_ticket_numbers_are_unique_and_go_up_by_one(customer):
    # when
    numbers = [_open(customer).number for _ in range(4)]

    # then
    assert numbers == [1000, 1001, 1002, 1003]
    assert sorted(Ticket.objects.values_list("number", flat=True)) == numbers


def test_the_number_of_a_purged_ticket_is_never_handed_out_again(customer, admin):
    # given
    first = _open(customer)
    second = _open(customer)
    ticket_trash(actor=admin, ticket=second)
    ticket_purge(actor=admin, ticket=second)

    # when
    third = _open(customer)

    # then
    assert (first.number, second.number, third.number) == (1000, 1001, 1002)


def test_the_subject_is_trimmed_to_single_spaces_and_500_characters(customer):
    # when
    tidy = _open(customer, subject="  Printer \n\t on   fire  ")
    long = _open(customer, subject="word " * 200)

    # then
    assert tidy.subject == "Printer on fire"
    assert long.subject == ("word " * 100)[:500]
    assert len(long.subject) == 500


@pytest.mark.parametrize("subject", ["", "   ", "\n\t"])
def test_a_ticket_without_a_subject_is_refused_and_nothing_is_written(customer, footprint, subject):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        _open(customer, subject=subject)

    # then
    assert raised.value.errors == [{"field": "subject", "message": "required"}]
    assert footprint() == before


def test_tags_are_lower_cased_dashed_and_deduplicated(customer):
    # when
    ticket = _open(customer, tags=["Billing Issue", "billing   issue", " URGENT ", "vip"])

    # then
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["billing-issue", "urgent", "vip"]
    assert Event.objects.get(ticket=ticket).after["tags"] == ["billing-issue", "urgent", "vip"]


@pytest.mark.parametrize("tag", ["", "   ", "x" * 65, 7])
def test_an_invalid_tag_refuses_the_whole_ticket(customer, footprint, tag):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput):
        _open(customer, tags=["fine", tag])

    # then
    assert footprint() == before


def test_an_agent_opening_a_ticket_for_a_customer_is_recorded_as_the_actor(customer, agent):
    # when
    ticket = _open(customer, actor=agent, channel=Channel.PHONE)

    # then
    message = ticket.messages.get()
    assert (message.author_customer, message.metadata) == (customer, {"entered_by_agent": agent.pk})
    event = Event.objects.get(ticket=ticket)
    assert (event.actor_agent, event.actor_label) == (agent, "")


def test_a_ticket_opened_with_an_assignee_is_open_and_the_assignee_is_told(customer, support_team, agent):
    # when
    ticket = _open(customer, team=support_team, assignee=agent)

    # then
    assert (ticket.status, ticket.assignee) == (Status.OPEN, agent)
    (notification,) = OutboxMessage.objects.all()
    assert (notification.kind, notification.ticket, notification.message) == ("notification", ticket, None)
    assert notification.payload == {
        "agent_id": agent.pk,
        "event": "ticket.assigned",
        "number": ticket.number,
        "subject": "Help",
    }


def test_an_agent_assigning_a_new_ticket_to_themself_gets_no_notification(customer, support_team, agent):
    # when
    ticket = _open(customer, actor=agent, team=support_team, assignee=agent)

    # then
    assert ticket.status == Status.OPEN
    assert OutboxMessage.objects.count() == 0


def test_an_assignee_from_another_team_is_refused(customer, support_team, other_agent, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        _open(customer, team=support_team, assignee=other_agent)

    # then
    assert raised.value.detail == "Oscar is not a member of team Support."
    assert footprint() == before


def test_a_collaborator_cannot_own_a_ticket(customer, support_team, collaborator, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        _open(customer, team=support_team, assignee=collaborator)

    # then
    assert raised.value.detail == "Cole is a collaborator and cannot own tickets."
    assert footprint() == before


def test_a_collaborator_cannot_open_tickets(customer, collaborator, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(PermissionDenied):
        _open(customer, actor=collaborator)

    # then
    assert footprint() == before


def test_a_customer_opens_tickets_for_themself(customer):
    # when
    ticket = _open(customer, actor=customer, channel=Channel.PORTAL)

    # then
    assert ticket.requester == customer
    event = Event.objects.get(ticket=ticket)
    assert (event.actor_customer, event.actor_agent, event.actor_label) == (customer, None, "")


def test_a_customer_cannot_open_a_ticket_for_someone_else(customer, other_customer, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(PermissionDenied):
        _open(other_customer, actor=customer, channel=Channel.PORTAL)

    # then
    assert footprint() == before


def test_a_ticket_for_a_merged_customer_goes_to_the_customer_they_were_merged_into(customer, other_customer):
    # given
    customer_merge(actor=None, source=other_customer, target=customer)

    # when
    ticket = _open(other_customer)

    # then
    assert ticket.requester == customer
    assert ticket.messages.get().author_customer == customer


def test_a_ticket_may_start_solved_and_then_carries_its_solve_time(customer):
    # when
    with time_machine.travel(T0, tick=False):
        ticket = _open(customer, status=Status.SOLVED)

    # then
    assert (ticket.status, ticket.solved_at) == (Status.SOLVED, T0)


@pytest.mark.parametrize("status", [Status.CLOSED, "archived"])
def test_a_ticket_cannot_start_closed_or_in_an_unknown_status(customer, footprint, status):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidTransition):
        _open(customer, status=status)

    # then
    assert footprint() == before


def test_an_unknown_priority_is_refused(customer, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        _open(customer, priority="asap")

    # then
    assert raised.value.detail == "'asap' is not a priority."
    assert footprint() == before


def test_custom_fields_are_validated_and_the_web_form_may_set_public_ones_only(customer, footprint):
    # given
    CustomField.objects.create(target="ticket", key="order", label="Order", type="text", is_public=True)
    CustomField.objects.create(target="ticket", key="refund", label="Refund", type="number")
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        _open(customer, custom_fields={"order": "A-1", "refund": 10}, public_fields_only=True)
    refused = footprint()
    ticket = _open(customer, custom_fields={"order": "A-1", "refund": 10})

    # then
    assert raised.value.errors == [{"field": "custom_fields.refund", "message": "unknown custom field"}]
    assert refused == before
    assert ticket.custom_fields == {"order": "A-1", "refund": 10}


def test_the_requester_is_not_copied_on_their_own_ticket(customer, other_customer):
    # when
    ticket = _open(customer, ccs=[customer, other_customer])

    # then
    assert list(ticket.ccs.all()) == [other_customer]


def test_the_html_of_the_first_message_is_sanitized(customer):
    # when
    ticket = _open(customer, body_text="Hi", body_html='<p onclick="x()">Hi<script>alert(1)</script></p>')

    # then
    assert ticket.messages.get().body_html == "<p>Hi</p>"


def test_the_first_message_gets_a_text_version_of_its_html_like_every_other_message(customer):
    # when
    ticket = _open(customer, body_text="", body_html="<p>Fish &amp; chips</p><p>please</p>")

    # then
    assert ticket.messages.get().body_text == "Fish & chips\nplease"


@pytest.mark.parametrize(("channel", "kept"), [(Channel.EMAIL, True), (Channel.WEB, False), (Channel.API, False)])
def test_only_mail_keeps_the_quote_fold_mark(customer, channel, kept):
    # given HTML with the email channel's fold mark and another class
    body = '<p class="x">New</p><div class="helpline-quote"><blockquote>Old</blockquote></div>'

    # when a ticket is opened with it
    ticket = ticket_create(actor=None, requester=customer, subject="Fold", channel=channel, body_html=body)

    # then only a mail keeps the mark (no other class, ever), so the fold shows from what is stored
    stored = Message.objects.get(ticket=ticket).body_html
    expected = '<div class="helpline-quote">' if kept else "<div>"
    assert stored == f"<p>New</p>{expected}<blockquote>Old</blockquote></div>"
