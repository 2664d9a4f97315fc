"""Who may do what to a ticket, through the services and selectors (the API tests do the same over
HTTP). Each row reads: persona, action → outcome. `ok` means it happened; an error class means it
was refused with that error and nothing was written.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from django.db import transaction

from helpline.accounts.models import Agent
from helpline.core.errors import NotFound, PermissionDenied, ServiceError
from helpline.customers.models import Customer
from helpline.customers.tests.factories import CustomerFactory, OrganizationFactory
from helpline.outbox.models import OutboxMessage
from helpline.tickets.models import Attachment, Channel, Message, Ticket
from helpline.tickets.selectors import attachment_get, event_list, message_list, ticket_get, ticket_list
from helpline.tickets.services import (
    attachment_upload,
    customer_message_add,
    note_add,
    reply_add,
    ticket_create,
    ticket_merge,
    ticket_purge,
    ticket_trash,
    ticket_update,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

OK = "ok"
NF = NotFound
PD = PermissionDenied
ALL = frozenset({"customer", "reply", "note"})
PUB = frozenset({"customer", "reply"})


@dataclass
class Furnished:
    """A ticket, its merge partner and (for the read cases) a full thread: customer messages with
    a file, an agent reply, and an internal note with a file."""

    ticket: Ticket
    sibling: Ticket  # same team and requester: the other side of a merge
    public_file: Attachment | None
    note_file: Attachment | None


def _furnish(ticket: Ticket, ada: Agent, marker: str = "internal", *, thread: bool = True) -> Furnished:
    sibling = ticket_create(
        actor=None,
        requester=ticket.requester,
        subject="Another one",
        channel=Channel.EMAIL,
        body_text="Second ticket.",
        team=ticket.team,
    )
    if not thread:
        ticket.refresh_from_db()
        return Furnished(ticket=ticket, sibling=sibling, public_file=None, note_file=None)
    customer_file = attachment_upload(actor=None, content=BytesIO(b"photo"), filename="photo.jpg")
    customer_message_add(
        actor=None,
        ticket=ticket,
        author=ticket.requester,
        channel=Channel.EMAIL,
        body_text="Here is a photo.",
        attachment_ids=[customer_file.pk],
    )
    reply_add(actor=ada, ticket=ticket, body_text="Thanks, looking into it.")
    note_file = attachment_upload(
        actor=ada, content=BytesIO(f"ledger {marker}".encode()), filename=f"ledger-{marker}.csv"
    )
    note_add(
        actor=ada,
        ticket=ticket,
        body_text=f"Customer owes us money. {marker}",
        body_html=f"<p>Customer owes us money. <b>{marker}</b></p>",
        attachment_ids=[note_file.pk],
    )
    ticket.refresh_from_db()
    return Furnished(ticket=ticket, sibling=sibling, public_file=customer_file, note_file=note_file)


# ------------------------------------------------------------------ actions


def _list(actor: Any, f: Furnished) -> bool:
    return f.ticket.number in [t.number for t in ticket_list(actor=actor, limit=100).items]


def _get(actor: Any, f: Furnished) -> str:
    ticket_get(actor=actor, number=f.ticket.number)
    return OK


def _messages(actor: Any, f: Furnished) -> frozenset[str]:
    ticket = ticket_get(actor=actor, number=f.ticket.number)
    return frozenset(m.kind for m in message_list(actor=actor, ticket=ticket).items)


def _public_file(actor: Any, f: Furnished) -> str:
    assert f.public_file is not None
    assert attachment_get(actor=actor, attachment_id=f.public_file.pk) == f.public_file
    return OK


def _note_file(actor: Any, f: Furnished) -> str:
    assert f.note_file is not None
    assert attachment_get(actor=actor, attachment_id=f.note_file.pk) == f.note_file
    return OK


def _reply(actor: Any, f: Furnished) -> str:
    reply_add(actor=actor, ticket=f.ticket, body_text="Public answer")
    return OK


def _note(actor: Any, f: Furnished) -> str:
    note_add(actor=actor, ticket=f.ticket, body_text="Internal thought")
    return OK


def _update(actor: Any, f: Furnished) -> str:
    ticket_update(actor=actor, ticket=f.ticket, changes={"priority": "urgent"})
    return OK


def _merge(actor: Any, f: Furnished) -> str:
    ticket_merge(actor=actor, source=f.ticket, target=f.sibling)
    return OK


def _purge(actor: Any, f: Furnished) -> str:
    ticket_purge(actor=actor, ticket=f.ticket)
    return OK


def _write_as_customer(actor: Any, f: Furnished) -> str:
    author = actor if isinstance(actor, Customer) else f.ticket.requester
    customer_message_add(actor=actor, ticket=f.ticket, author=author, channel=Channel.PORTAL, body_text="More")
    return OK


READS = {"list": _list, "get": _get, "messages": _messages, "public_file": _public_file, "note_file": _note_file}
WRITES = {
    "reply": _reply,
    "note": _note,
    "update": _update,
    "merge": _merge,
    "purge": _purge,
    "write_as_customer": _write_as_customer,
}
COLUMNS = [*READS, *WRITES]

# fmt: off
CARLA_TICKET = {  # Carla's Support ticket
    #                 list   get  messages public note_f reply note update merge purge as_customer
    "admin":          (True,  OK, ALL, OK, OK, OK, OK, OK, OK, OK, PD),
    "supervisor":     (True,  OK, ALL, OK, OK, OK, OK, OK, OK, PD, PD),
    "agent":          (True,  OK, ALL, OK, OK, OK, OK, OK, OK, PD, PD),
    "other_agent":    (True,  OK, ALL, OK, OK, OK, OK, OK, OK, PD, PD),
    "collaborator":   (True,  OK, ALL, OK, OK, PD, OK, PD, PD, PD, PD),
    "private_member": (True,  OK, ALL, OK, OK, OK, OK, OK, OK, PD, PD),
    "customer":       (True,  OK, PUB, OK, NF, PD, PD, PD, PD, PD, OK),
    "other_customer": (False, NF, NF,  NF, NF, PD, PD, NF, PD, PD, NF),
}
HR_TICKET = {  # Otto's ticket in the private HR team
    #                 list   get  messages public note_f reply note update merge purge as_customer
    "admin":          (True,  OK, ALL, OK, OK, OK, OK, OK, OK, OK, PD),
    "supervisor":     (False, NF, NF,  NF, NF, NF, NF, NF, NF, PD, PD),
    "agent":          (False, NF, NF,  NF, NF, NF, NF, NF, NF, PD, PD),
    "other_agent":    (False, NF, NF,  NF, NF, NF, NF, NF, NF, PD, PD),
    "collaborator":   (False, NF, NF,  NF, NF, NF, NF, NF, NF, PD, PD),
    "private_member": (True,  OK, ALL, OK, OK, OK, OK, OK, OK, PD, PD),
    "customer":       (False, NF, NF,  NF, NF, PD, PD, NF, PD, PD, NF),
    "other_customer": (True,  OK, PUB, OK, NF, PD, PD, PD, PD, PD, OK),
}
# fmt: on


def _rows() -> list[tuple[str, str, tuple[Any, ...]]]:
    rows = []
    for ticket_name, table in (("carla_ticket", CARLA_TICKET), ("hr_ticket", HR_TICKET)):
        for persona, outcomes in table.items():
            assert len(outcomes) == len(COLUMNS), persona
            rows.append((ticket_name, persona, outcomes))
    return rows


def _cases(columns: dict[str, Any], offset: int) -> list[Any]:
    return [
        pytest.param(
            ticket_name,
            persona,
            dict(zip(columns, outcomes[offset : offset + len(columns)], strict=True)),
            id=f"{ticket_name}-{persona}",
        )
        for ticket_name, persona, outcomes in _rows()
    ]


def _outcome(run: Any, actor: Any, f: Furnished) -> Any:
    try:
        return run(actor, f)
    except ServiceError as error:
        return type(error)


@pytest.mark.parametrize(("ticket_name", "persona", "expected"), _cases(READS, 0))
def test_what_each_persona_reads(request, admin, footprint, ticket_name, persona, expected):
    # given
    actor = request.getfixturevalue(persona)
    f = _furnish(request.getfixturevalue(ticket_name), admin)
    before = footprint()

    # when
    outcomes = {action: _outcome(read, actor, f) for action, read in READS.items()}

    # then
    assert outcomes == expected
    assert footprint() == before


@pytest.mark.parametrize(("ticket_name", "persona", "expected"), _cases(WRITES, len(READS)))
def test_what_each_persona_writes(request, admin, footprint, ticket_name, persona, expected):
    # given
    actor = request.getfixturevalue(persona)
    f = _furnish(request.getfixturevalue(ticket_name), admin, thread=False)

    # when: each action on its own, from the same start, in a savepoint rolled back afterwards
    outcomes, wrote_anyway = {}, []
    for action, write in WRITES.items():
        with transaction.atomic():
            if action == "purge":
                ticket_trash(actor=None, ticket=f.ticket)
            before = footprint()
            outcomes[action] = _outcome(write, actor, f)
            if outcomes[action] is not OK and footprint() != before:
                wrote_anyway.append(action)
            transaction.set_rollback(True)

    # then: refused actions wrote nothing
    assert outcomes == expected
    assert wrote_anyway == []


# ------------------------------------------------------------------ organizations


@pytest.fixture
def colleague_ticket(customer, support_team):
    """Carla's colleague Colin, of the same organization, has a ticket of his own."""
    acme = OrganizationFactory.create(name="Acme", domains=["example.com"])
    customer.organization = acme
    customer.save()
    colin = CustomerFactory.create(name="Colin", email="colin@example.com", organization=acme)
    return ticket_create(
        actor=None, requester=colin, subject="Colin's", channel=Channel.EMAIL, body_text="x", team=support_team
    )


def test_a_customer_does_not_see_a_colleagues_ticket_when_the_organization_does_not_share(customer, colleague_ticket):
    # when / then
    assert [t.number for t in ticket_list(actor=customer).items] == []
    with pytest.raises(NotFound):
        ticket_get(actor=customer, number=colleague_ticket.number)


def test_a_customer_sees_a_colleagues_ticket_when_the_organization_shares(customer, colleague_ticket, agent):
    # given
    acme = colleague_ticket.requester.organization
    acme.shares_tickets = True
    acme.save()
    note_add(actor=agent, ticket=colleague_ticket, body_text="internal")

    # when
    listed = [t.number for t in ticket_list(actor=customer).items]
    ticket = ticket_get(actor=customer, number=colleague_ticket.number)
    kinds = [m.kind for m in message_list(actor=customer, ticket=ticket).items]

    # then
    assert listed == [colleague_ticket.number]
    assert kinds == ["customer"]


def test_sharing_does_not_reach_customers_outside_the_organization(other_customer, colleague_ticket):
    # given
    acme = colleague_ticket.requester.organization
    acme.shares_tickets = True
    acme.save()

    # when / then
    assert [t.number for t in ticket_list(actor=other_customer).items] == []
    with pytest.raises(NotFound):
        ticket_get(actor=other_customer, number=colleague_ticket.number)


# ------------------------------------------------------------------ internal notes never leak


def _readable(obj: Any) -> str:
    """Everything a serializer could put on the wire about a row."""
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return json.dumps(values, default=str)


def _customer_can_read(customer: Customer, number: int) -> str:
    ticket = ticket_get(actor=customer, number=number)
    parts = [_readable(ticket), *(_readable(o) for o in [*ticket.tags.all(), *ticket.ccs.all()])]
    parts += [_readable(t) for t in ticket_list(actor=customer, limit=100).items]
    cursor = None
    while True:
        page = message_list(actor=customer, ticket=ticket, limit=1, cursor=cursor)
        for message in page.items:
            parts.append(_readable(message))
            for attachment in message.attachments.all():
                downloaded = attachment_get(actor=customer, attachment_id=attachment.pk)
                parts += [_readable(downloaded), downloaded.blob.file.open("rb").read().decode(errors="replace")]
        if not (cursor := page.next_cursor):
            return "\n".join(parts)


@pytest.mark.parametrize("ticket_name", ["carla_ticket", "hr_ticket"])
def test_nothing_a_customer_can_read_contains_an_internal_note(request, admin, ticket_name):
    # given: a note (text, HTML and a file) carrying a unique marker, then more public traffic
    marker = f"MARKER-{uuid.uuid4().hex}"
    f = _furnish(request.getfixturevalue(ticket_name), admin, marker=marker)
    reply_add(actor=admin, ticket=f.ticket, body_text="One more public reply", status="pending")
    requester = f.ticket.requester
    assert marker in "".join(m.body_text for m in message_list(actor=admin, ticket=f.ticket).items)

    # when
    readable = _customer_can_read(requester, f.ticket.number)

    # then
    assert marker not in readable
    assert readable.count("Thanks, looking into it.") == 1
    assert f.note_file is not None
    with pytest.raises(NotFound):
        attachment_get(actor=requester, attachment_id=f.note_file.pk)
    with pytest.raises(PermissionDenied):
        event_list(actor=requester, ticket=f.ticket)
    to_customer = [
        json.dumps(o.payload)
        for o in OutboxMessage.objects.all()
        if requester.primary_email in json.dumps([o.payload.get("to"), o.payload.get("cc")])
    ]
    assert len(to_customer) == 2  # the two replies
    assert all(marker not in email for email in to_customer)
    assert Message.objects.filter(kind="note", body_text__contains=marker).count() == 1
