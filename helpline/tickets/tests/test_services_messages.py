from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from helpline.audit.models import Event
from helpline.core.errors import InvalidInput, InvalidTransition, NotFound, PermissionDenied, StaleVersion
from helpline.customers.services import identity_add
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Channel, Message, Status, Ticket
from helpline.tickets.services import (
    customer_message_add,
    note_add,
    reply_add,
    system_entry_add,
    ticket_assign,
    ticket_update,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _since_creation(ticket_events, ticket):
    return [e for e in ticket_events(ticket) if e[0] != "ticket.created"]


def _write_as(customer, ticket, text="Any news?", **kwargs):
    return customer_message_add(
        actor=None, ticket=ticket, author=customer, channel=Channel.EMAIL, body_text=text, **kwargs
    )


def _status(ticket, *path, actor=None):
    for status in path:
        ticket_update(actor=actor, ticket=ticket, changes={"status": status})
    ticket.refresh_from_db()
    return ticket


# ------------------------------------------------------------------ reply_add


def test_the_first_reply_opens_a_new_ticket_and_stamps_the_first_response(carla_ticket, agent, ticket_events):
    # when
    with time_machine.travel(T0, tick=False):
        reply = reply_add(actor=agent, ticket=carla_ticket, body_text="We are on it.", version=1)

    # then
    carla_ticket.refresh_from_db()
    assert (reply.kind, reply.author_agent, reply.channel, reply.body_text, reply.created_at) == (
        Message.Kind.REPLY,
        agent,
        "email",
        "We are on it.",
        T0,
    )
    assert (carla_ticket.status, carla_ticket.version) == (Status.OPEN, 2)
    assert (carla_ticket.first_response_at, carla_ticket.last_agent_reply_at, carla_ticket.updated_at) == (T0, T0, T0)
    assert _since_creation(ticket_events, carla_ticket) == [
        ("message.added", {}, {"kind": "reply"}),
        ("ticket.status_changed", {"status": "new"}, {"status": "open"}),
    ]


def test_the_first_response_time_is_set_once(carla_ticket, agent):
    # given
    with time_machine.travel(T0, tick=False):
        reply_add(actor=agent, ticket=carla_ticket, body_text="First.")

    # when
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        reply_add(actor=agent, ticket=carla_ticket, body_text="Second.")

    # then
    carla_ticket.refresh_from_db()
    assert (carla_ticket.first_response_at, carla_ticket.last_agent_reply_at) == (T0, T0 + timedelta(hours=2))


@pytest.mark.parametrize("status", [Status.PENDING, Status.ON_HOLD, Status.SOLVED])
def test_send_and_set_writes_the_reply_and_the_new_status(carla_ticket, agent, ticket_events, status):
    # when
    with time_machine.travel(T0, tick=False):
        reply_add(actor=agent, ticket=carla_ticket, body_text="Done.", status=status)

    # then
    carla_ticket.refresh_from_db()
    assert (carla_ticket.status, carla_ticket.version) == (status, 2)
    assert carla_ticket.solved_at == (T0 if status == Status.SOLVED else None)
    assert _since_creation(ticket_events, carla_ticket) == [
        ("message.added", {}, {"kind": "reply"}),
        ("ticket.status_changed", {"status": "new"}, {"status": status}),
    ]


def test_a_reply_without_a_status_leaves_an_open_ticket_open_and_records_no_status_event(
    carla_ticket, agent, ticket_events
):
    # given
    _status(carla_ticket, Status.OPEN)

    # when
    reply_add(actor=agent, ticket=carla_ticket, body_text="More info.")

    # then
    assert _since_creation(ticket_events, carla_ticket)[1:] == [("message.added", {}, {"kind": "reply"})]


def test_a_reply_queues_one_email_to_the_requester_with_the_ccs_copied(carla_ticket, agent, other_customer):
    # given: Otto is copied; Carla and Otto each have a second, non-primary address
    ticket_update(actor=agent, ticket=carla_ticket, changes={"ccs": [other_customer]})
    identity_add(actor=agent, customer=other_customer, kind="email", value="otto@work.example.net")
    identity_add(actor=agent, customer=carla_ticket.requester, kind="email", value="carla@private.example.com")
    OutboxMessage.objects.all().delete()

    # when
    reply = reply_add(
        actor=agent, ticket=carla_ticket, body_text="Refunded.", body_html="<p>Refunded.</p><script>x</script>"
    )

    # then: one mail (the email channel renders it), to each customer's primary address
    (email,) = OutboxMessage.objects.exclude(kind="notification")
    assert (email.state, email.ticket_id, email.message, email.dedupe_key) == (
        "pending",
        carla_ticket.pk,
        reply,
        f"reply:{reply.pk}",
    )
    assert (email.payload["to"], email.payload["cc"]) == (
        [["Carla", "carla@example.com"]],
        [["Otto", "otto@example.net"]],
    )
    assert email.payload["subject"] == f"Re: My invoice is wrong [#{carla_ticket.number}]"
    assert "Refunded." in email.payload["text"]
    assert "<p>Refunded.</p>" in email.payload["html"]
    assert "<script" not in email.payload["html"]


def test_a_reply_subject_has_one_re_and_the_ticket_tag(customer, agent):
    # given
    from helpline.tickets.services import ticket_create

    ticket = ticket_create(actor=None, requester=customer, subject="RE: order", channel="email", body_text="x")

    # when
    reply = reply_add(actor=agent, ticket=ticket, body_text="Hello")

    # then
    email = OutboxMessage.objects.get(dedupe_key=f"reply:{reply.pk}")
    assert email.payload["subject"] == f"Re: order [#{ticket.number}]"


def test_a_reply_to_a_requester_without_an_address_queues_no_email(agent, support_team):
    # given
    from helpline.customers.tests.factories import CustomerFactory
    from helpline.tickets.services import ticket_create

    caller = CustomerFactory.create(email=None, name="Phone caller")
    ticket = ticket_create(actor=agent, requester=caller, subject="Call", channel=Channel.PHONE, body_text="x")

    # when
    reply_add(actor=agent, ticket=ticket, body_text="Noted.")

    # then
    assert OutboxMessage.objects.exclude(kind="notification").count() == 0


def test_a_reply_derives_its_text_from_the_html(carla_ticket, agent):
    # when
    reply = reply_add(actor=agent, ticket=carla_ticket, body_html="<p>One</p><p>Two &amp; three</p>")

    # then
    assert (reply.body_text, reply.body_html) == ("One\nTwo & three", "<p>One</p><p>Two &amp; three</p>")


def test_a_collaborator_cannot_reply_and_nothing_is_written(carla_ticket, collaborator, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(PermissionDenied) as raised:
        reply_add(actor=collaborator, ticket=carla_ticket, body_text="Hi!", status=Status.SOLVED)

    # then
    assert raised.value.detail == "Collaborators may add internal notes but never reply to customers."
    assert footprint() == before


def test_a_customer_cannot_use_the_agent_reply(carla_ticket, customer, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(PermissionDenied):
        reply_add(actor=customer, ticket=carla_ticket, body_text="Hi!")

    # then
    assert footprint() == before


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"body_text": "", "body_html": ""}, InvalidInput),
        ({"body_text": "  \n", "body_html": "<script>x</script>"}, InvalidInput),
        ({"body_text": "x" * 1_000_001}, InvalidInput),
        ({"body_text": "Closing", "status": Status.CLOSED}, InvalidTransition),
        ({"body_text": "Hi", "status": "done"}, InvalidTransition),
        ({"body_text": "Hi", "version": 7}, StaleVersion),
        ({"body_text": "Hi", "attachment_ids": [987654]}, InvalidInput),
    ],
)
def test_a_refused_reply_writes_nothing(carla_ticket, agent, footprint, kwargs, error):
    # given
    before = footprint()

    # when
    with pytest.raises(error):
        reply_add(actor=agent, ticket=carla_ticket, **kwargs)

    # then
    assert footprint() == before


def test_a_closed_ticket_takes_no_reply(carla_ticket, agent, footprint):
    # given
    _status(carla_ticket, Status.SOLVED, Status.CLOSED)
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        reply_add(actor=agent, ticket=carla_ticket, body_text="Hello?")

    # then
    assert raised.value.detail == f"Ticket #{carla_ticket.number} is closed."
    assert footprint() == before


def test_replying_and_closing_a_solved_ticket_keeps_its_solve_time_and_stamps_the_close(carla_ticket, agent):
    # given
    with time_machine.travel(T0, tick=False):
        _status(carla_ticket, Status.SOLVED)

    # when
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        reply_add(actor=agent, ticket=carla_ticket, body_text="Closing this now.", status=Status.CLOSED)

    # then
    carla_ticket.refresh_from_db()
    assert (carla_ticket.status, carla_ticket.solved_at, carla_ticket.closed_at) == (
        Status.CLOSED,
        T0,
        T0 + timedelta(hours=1),
    )


# ------------------------------------------------------------------ note_add


def test_a_note_with_mentions_links_them_and_notifies_each_but_the_author(
    carla_ticket, agent, supervisor, other_agent, ticket_events
):
    # when
    note = note_add(
        actor=agent,
        ticket=carla_ticket,
        body_text="@Sam @Oscar billing question",
        mention_ids=[supervisor.pk, other_agent.pk, agent.pk],
    )

    # then
    carla_ticket.refresh_from_db()
    assert (note.kind, note.author_agent, note.body_text) == (Message.Kind.NOTE, agent, "@Sam @Oscar billing question")
    assert sorted(note.mentions.values_list("name", flat=True)) == ["Alice", "Oscar", "Sam"]
    assert (carla_ticket.status, carla_ticket.version, carla_ticket.first_response_at) == (Status.NEW, 2, None)
    (event,) = _since_creation(ticket_events, carla_ticket)
    assert event[0:2] == ("message.added", {})
    assert event[2]["kind"] == "note"
    assert sorted(event[2]["mentions"]) == sorted([supervisor.pk, other_agent.pk, agent.pk])
    payloads = sorted(
        (o.kind, o.message_id, o.payload["agent_id"], o.payload["event"]) for o in OutboxMessage.objects.all()
    )
    assert payloads == sorted(
        [
            ("notification", note.pk, supervisor.pk, "note.mentioned"),
            ("notification", note.pk, other_agent.pk, "note.mentioned"),
        ]
    )
    assert OutboxMessage.objects.filter(payload__agent_id=other_agent.pk).get().payload == {
        "agent_id": other_agent.pk,
        "event": "note.mentioned",
        "number": carla_ticket.number,
        "subject": "My invoice is wrong",
    }


def test_a_collaborator_may_write_a_note(carla_ticket, collaborator):
    # when
    note = note_add(actor=collaborator, ticket=carla_ticket, body_text="FYI")

    # then
    assert (note.kind, note.author_agent) == (Message.Kind.NOTE, collaborator)


def test_mentioning_an_agent_who_cannot_see_the_ticket_is_refused_and_nothing_is_written(
    hr_ticket, private_member, agent, footprint
):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        note_add(actor=private_member, ticket=hr_ticket, body_text="@Alice?", mention_ids=[agent.pk])

    # then
    assert raised.value.detail == "These agents cannot see this ticket: Alice."
    assert footprint() == before


def test_mentioning_an_unknown_or_inactive_agent_is_refused(carla_ticket, agent, other_agent, footprint):
    # given
    other_agent.is_active = False
    other_agent.save()
    before = footprint()

    # when / then
    for mention_ids in ([987654], [other_agent.pk]):
        with pytest.raises(InvalidInput) as raised:
            note_add(actor=agent, ticket=carla_ticket, body_text="hm", mention_ids=mention_ids)
        assert raised.value.detail == "Some mentioned agents do not exist."
    assert footprint() == before


def test_a_customer_cannot_write_a_note(carla_ticket, customer, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(PermissionDenied):
        note_add(actor=customer, ticket=carla_ticket, body_text="secret")

    # then
    assert footprint() == before


def test_a_note_queues_no_email_to_the_customer(carla_ticket, agent):
    # when
    note_add(actor=agent, ticket=carla_ticket, body_text="internal")

    # then
    assert OutboxMessage.objects.exclude(kind="notification").count() == 0


# ------------------------------------------------------------------ customer_message_add


@pytest.mark.parametrize("status", [Status.PENDING, Status.ON_HOLD])
def test_a_customer_writing_on_a_waiting_ticket_opens_it(carla_ticket, customer, ticket_events, status):
    # given
    _status(carla_ticket, status)

    # when
    with time_machine.travel(T0, tick=False):
        message = _write_as(customer, carla_ticket)

    # then
    carla_ticket.refresh_from_db()
    assert (message.ticket, message.kind, message.author_customer) == (carla_ticket, "customer", customer)
    assert (carla_ticket.status, carla_ticket.version, carla_ticket.last_customer_message_at) == (Status.OPEN, 3, T0)
    assert _since_creation(ticket_events, carla_ticket)[1:] == [
        ("message.added", {}, {"kind": "customer"}),
        ("ticket.status_changed", {"status": status}, {"status": "open"}),
    ]


@pytest.mark.parametrize("status", [Status.NEW, Status.OPEN])
def test_a_customer_writing_on_a_new_or_open_ticket_leaves_its_status(carla_ticket, customer, ticket_events, status):
    # given
    _status(carla_ticket, *([status] if status != Status.NEW else []))

    # when
    _write_as(customer, carla_ticket)

    # then
    carla_ticket.refresh_from_db()
    assert carla_ticket.status == status
    assert _since_creation(ticket_events, carla_ticket)[-1] == ("message.added", {}, {"kind": "customer"})


def test_a_customer_writing_on_a_recently_solved_ticket_reopens_it(carla_ticket, customer, ticket_events):
    # given
    with time_machine.travel(T0, tick=False):
        _status(carla_ticket, Status.SOLVED)

    # when
    with time_machine.travel(T0 + timedelta(days=14), tick=False):
        message = _write_as(customer, carla_ticket, "It is broken again.")

    # then
    carla_ticket.refresh_from_db()
    assert (message.ticket, carla_ticket.status, carla_ticket.solved_at) == (carla_ticket, Status.OPEN, None)
    assert Ticket.objects.count() == 1
    assert _since_creation(ticket_events, carla_ticket)[1:] == [
        ("message.added", {}, {"kind": "customer"}),
        ("ticket.status_changed", {"status": "solved"}, {"status": "open"}),
        ("ticket.reopened", {}, {}),
    ]
    assert Event.objects.get(kind="ticket.reopened").message == message


def test_a_customer_writing_long_after_the_solve_gets_a_follow_up_ticket(
    carla_ticket, customer, support_team, ticket_events
):
    # given
    with time_machine.travel(T0, tick=False):
        _status(carla_ticket, Status.SOLVED)
    carla_ticket.refresh_from_db()
    version = carla_ticket.version

    # when
    with time_machine.travel(T0 + timedelta(days=14, seconds=1), tick=False):
        message = _write_as(customer, carla_ticket, "Same problem, a month later.")

    # then
    follow_up = message.ticket
    carla_ticket.refresh_from_db()
    assert (carla_ticket.status, carla_ticket.version, carla_ticket.solved_at) == (Status.SOLVED, version, T0)
    assert follow_up.pk != carla_ticket.pk
    assert (follow_up.number, follow_up.follow_up_of, follow_up.subject, follow_up.team, follow_up.status) == (
        carla_ticket.number + 1,
        carla_ticket,
        "My invoice is wrong",
        support_team,
        Status.NEW,
    )
    assert [(m.kind, m.body_text) for m in follow_up.messages.all()] == [("customer", "Same problem, a month later.")]
    assert _since_creation(ticket_events, carla_ticket)[-1] == (
        "ticket.followed_up",
        {},
        {"follow_up": follow_up.number},
    )
    assert ticket_events(follow_up)[0][2]["follow_up_of"] == carla_ticket.number


def test_a_customer_writing_on_a_closed_ticket_gets_a_follow_up_ticket(carla_ticket, customer):
    # given
    _status(carla_ticket, Status.SOLVED, Status.CLOSED)
    closed = carla_ticket.version

    # when
    message = _write_as(customer, carla_ticket, "Hello again")

    # then
    carla_ticket.refresh_from_db()
    assert (carla_ticket.status, carla_ticket.version) == (Status.CLOSED, closed)
    assert message.ticket.follow_up_of == carla_ticket
    assert list(carla_ticket.follow_ups.all()) == [message.ticket]
    assert carla_ticket.messages.filter(body_text="Hello again").count() == 0


def test_an_automated_message_does_not_touch_the_status(carla_ticket, customer):
    # given
    _status(carla_ticket, Status.PENDING)

    # when
    _write_as(customer, carla_ticket, "Out of office", reopen=False)

    # then
    carla_ticket.refresh_from_db()
    assert carla_ticket.status == Status.PENDING


def test_the_assignee_is_told_when_the_customer_writes(carla_ticket, customer, agent):
    # given
    ticket_assign(actor=agent, ticket=carla_ticket, assignee=agent)

    # when
    message = _write_as(customer, carla_ticket)

    # then
    (notification,) = OutboxMessage.objects.all()
    assert (notification.message, notification.payload) == (
        message,
        {
            "agent_id": agent.pk,
            "event": "ticket.customer_replied",
            "number": carla_ticket.number,
            "subject": "My invoice is wrong",
        },
    )


def test_a_customer_writes_in_the_portal_as_themself_only(carla_ticket, customer, other_customer, footprint):
    # given
    before = footprint()

    # when / then
    with pytest.raises(PermissionDenied):
        customer_message_add(
            actor=customer, ticket=carla_ticket, author=other_customer, channel=Channel.PORTAL, body_text="x"
        )
    with pytest.raises(NotFound):
        customer_message_add(
            actor=other_customer, ticket=carla_ticket, author=other_customer, channel=Channel.PORTAL, body_text="x"
        )
    assert footprint() == before
    message = customer_message_add(
        actor=customer, ticket=carla_ticket, author=customer, channel=Channel.PORTAL, body_text="From the portal"
    )
    assert (message.ticket, message.channel) == (carla_ticket, "portal")


def test_an_agent_cannot_write_as_the_customer(carla_ticket, agent, customer, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(PermissionDenied):
        customer_message_add(actor=agent, ticket=carla_ticket, author=customer, channel="email", body_text="x")

    # then
    assert footprint() == before


# ------------------------------------------------------------------ system entries


def test_a_system_entry_is_a_staff_only_line_with_an_event(carla_ticket, ticket_events):
    # when
    entry = system_entry_add(ticket=carla_ticket, body_text="Mail to carla@example.com bounced.")

    # then
    carla_ticket.refresh_from_db()
    assert (entry.kind, entry.is_public, entry.author_agent, carla_ticket.version) == ("system", False, None, 2)
    assert _since_creation(ticket_events, carla_ticket) == [("message.added", {}, {"kind": "system"})]


def test_a_customer_cannot_write_on_a_ticket_in_trash(carla_ticket, customer, agent, footprint):
    # given
    from helpline.tickets.services import ticket_trash

    ticket_trash(actor=agent, ticket=carla_ticket)
    before = footprint()

    # when
    with pytest.raises(NotFound):
        customer_message_add(
            actor=customer, ticket=carla_ticket, author=customer, channel=Channel.PORTAL, body_text="Hello?"
        )

    # then
    assert footprint() == before
