from __future__ import annotations

import pytest

from helpline.audit.models import Event
from helpline.core.errors import InvalidInput, NotFound, PermissionDenied
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Attachment, Disposition, Message, Ticket
from helpline.tickets.selectors import TicketFilters, ticket_get, ticket_list
from helpline.tickets.services import (
    note_add,
    reply_add,
    ticket_disposition_set,
    ticket_purge,
    ticket_restore,
    ticket_spam,
    ticket_trash,
)

pytestmark = pytest.mark.django_db


def _listed(actor, disposition=Disposition.ACTIVE):
    page = ticket_list(actor=actor, filters=TicketFilters(disposition=disposition), limit=100)
    return [t.number for t in page.items]


@pytest.mark.parametrize(("move", "disposition"), [(ticket_spam, "spam"), (ticket_trash, "trash")])
def test_spam_and_trash_take_a_ticket_out_of_the_queue_with_an_event(
    carla_ticket, agent, customer, ticket_events, move, disposition
):
    # when
    ticket = move(actor=agent, ticket=carla_ticket)

    # then
    ticket.refresh_from_db()
    assert (ticket.disposition, ticket.version, ticket.status) == (disposition, 2, "new")
    assert ticket.disposition_at is not None
    assert ticket_events(ticket)[-1] == (
        f"ticket.{disposition}",
        {"disposition": "active"},
        {"disposition": disposition},
    )
    assert _listed(agent) == []
    assert _listed(agent, disposition) == [ticket.number]
    with pytest.raises(NotFound):
        ticket_get(actor=customer, number=ticket.number)


def test_restore_brings_a_ticket_back(carla_ticket, agent, ticket_events):
    # given
    ticket_trash(actor=agent, ticket=carla_ticket)

    # when
    ticket = ticket_restore(actor=agent, ticket=carla_ticket)

    # then
    assert (ticket.disposition, ticket.version) == ("active", 3)
    assert ticket_events(ticket)[-1] == ("ticket.restored", {"disposition": "trash"}, {"disposition": "active"})
    assert _listed(agent) == [ticket.number]


def test_moving_a_ticket_where_it_is_already_writes_nothing(carla_ticket, agent, footprint):
    # given
    ticket_spam(actor=agent, ticket=carla_ticket)
    before = footprint()

    # when
    ticket_spam(actor=agent, ticket=carla_ticket)

    # then
    assert footprint() == before


def test_an_unknown_disposition_is_refused(carla_ticket, agent, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput):
        ticket_disposition_set(actor=agent, ticket=carla_ticket, disposition="archive")

    # then
    assert footprint() == before


def test_a_ticket_in_trash_takes_no_reply(carla_ticket, agent, footprint):
    # given
    ticket_trash(actor=agent, ticket=carla_ticket)
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        reply_add(actor=agent, ticket=carla_ticket, body_text="Hello")

    # then
    assert raised.value.detail == f"Ticket #{carla_ticket.number} is in trash: restore it first."
    assert footprint() == before


@pytest.mark.parametrize("who", ["collaborator", "customer"])
def test_collaborators_and_customers_cannot_spam_or_trash(request, carla_ticket, footprint, who):
    # given
    actor = request.getfixturevalue(who)
    before = footprint()

    # when / then
    for move in (ticket_spam, ticket_trash):
        with pytest.raises(PermissionDenied):
            move(actor=actor, ticket=carla_ticket)
    assert footprint() == before


def test_purge_deletes_the_ticket_and_its_thread_but_keeps_its_events_with_the_number(
    carla_ticket, agent, admin, media_root
):
    # given
    from io import BytesIO

    from helpline.tickets.services import attachment_upload

    upload = attachment_upload(actor=agent, content=BytesIO(b"%PDF-1.7"), filename="invoice.pdf")
    note_add(actor=agent, ticket=carla_ticket, body_text="checking", attachment_ids=[upload.pk])
    reply = reply_add(actor=agent, ticket=carla_ticket, body_text="Hi")
    ticket_spam(actor=agent, ticket=carla_ticket)
    number, pk = carla_ticket.number, carla_ticket.pk
    kinds_before = list(Event.objects.filter(ticket_id=pk).order_by("id").values_list("kind", flat=True))

    # when
    purged = ticket_purge(actor=admin, ticket=carla_ticket)

    # then
    assert purged == number
    assert Ticket.objects.filter(pk=pk).count() == 0
    assert Message.objects.count() == 0
    assert Attachment.objects.count() == 0
    *kept, purge_event = Event.objects.filter(entity="ticket", entity_id=pk).order_by("id")
    assert [(e.kind, e.ticket_id, e.ticket_number) for e in kept] == [(kind, None, number) for kind in kinds_before]
    assert (purge_event.kind, purge_event.ticket_id, purge_event.actor_agent, purge_event.before) == (
        "ticket.purged",
        None,
        admin,
        {"number": number, "subject": "My invoice is wrong", "disposition": "spam"},
    )
    assert OutboxMessage.objects.get(dedupe_key=f"reply:{reply.pk}").ticket is None


def test_the_purge_itself_is_in_the_history_of_the_ticket_number(carla_ticket, admin):
    # given
    ticket_trash(actor=admin, ticket=carla_ticket)

    # when
    number = ticket_purge(actor=admin, ticket=carla_ticket)

    # then
    kinds = list(Event.objects.filter(ticket_number=number).order_by("id").values_list("kind", flat=True))
    assert kinds == ["ticket.created", "ticket.trash", "ticket.purged"]


def test_an_active_ticket_cannot_be_purged(carla_ticket, admin, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        ticket_purge(actor=admin, ticket=carla_ticket)

    # then
    assert raised.value.detail == "Only tickets in spam or trash can be purged: move it there first."
    assert footprint() == before


@pytest.mark.parametrize("who", ["supervisor", "agent", "collaborator", "customer"])
def test_only_admins_purge(request, carla_ticket, admin, footprint, who):
    # given
    actor = request.getfixturevalue(who)
    ticket_trash(actor=admin, ticket=carla_ticket)
    before = footprint()

    # when
    with pytest.raises(PermissionDenied) as raised:
        ticket_purge(actor=actor, ticket=carla_ticket)

    # then
    assert raised.value.detail == "Only admins purge tickets."
    assert footprint() == before
