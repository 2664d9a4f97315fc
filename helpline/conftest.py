"""Shared fixtures: the personas that make permission tests read like sentences.

Support and Billing are ordinary teams; HR is private (its tickets are seen by its members and
admins only).

    admin           Ada, admin (no team)
    supervisor      Sam, supervisor, lead of Support
    agent           Alice, agent in Support
    other_agent     Oscar, agent in Billing (another team)
    collaborator    Cole, collaborator in Support (notes yes, replies no)
    private_member  Priya, agent in the private HR team
    customer        Carla (carla@example.com)
    other_customer  Otto (otto@example.net)
    carla_ticket    a Support ticket Carla opened by e-mail
    hr_ticket       a private HR ticket of Otto's
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpline.accounts.models import Agent, Membership, Team
from helpline.accounts.tests.factories import AgentFactory, MembershipFactory, TeamFactory
from helpline.customers.models import Customer
from helpline.customers.tests.factories import CustomerFactory
from helpline.tickets.models import Channel, Ticket

# ------------------------------------------------------------------ teams


@pytest.fixture(scope="session", autouse=True)
def redis_database_per_worker() -> Iterator[None]:
    """With REDIS_URL set, parallel test workers would share one Redis database: one worker's
    cache.clear() (a FLUSHDB) and its channel groups would reach into another's tests. Worker N
    uses the database N below the configured one (gw0 the configured one, gw1 one less…)."""
    from django.conf import settings
    from django.test import override_settings

    worker = re.fullmatch(r"gw(\d+)", os.environ.get("PYTEST_XDIST_WORKER", ""))
    url = getattr(settings, "REDIS_URL", "")
    if not url or worker is None or worker.group(1) == "0":
        yield
        return
    match = re.fullmatch(r"(redis://[^/]+)/(\d+)", url)
    base, db = (match.group(1), int(match.group(2))) if match else (url.rstrip("/"), 0)
    own = f"{base}/{(db - int(worker.group(1))) % 16}"
    caches = {"default": {**settings.CACHES["default"], "LOCATION": own}}
    layers = {"default": {**settings.CHANNEL_LAYERS["default"], "CONFIG": {"hosts": [own]}}}
    with override_settings(CACHES=caches, CHANNEL_LAYERS=layers):
        yield


@pytest.fixture
def support_team(db: None) -> Team:
    return TeamFactory.create(name="Support")


@pytest.fixture
def billing_team(db: None) -> Team:
    return TeamFactory.create(name="Billing")


@pytest.fixture
def hr_team(db: None) -> Team:
    return TeamFactory.create(name="HR", is_private=True)


# ------------------------------------------------------------------ agents


@pytest.fixture
def admin(db: None) -> Agent:
    return AgentFactory.create(admin=True, email="ada@helpline.test", name="Ada")


@pytest.fixture
def supervisor(support_team: Team) -> Agent:
    sam = AgentFactory.create(supervisor=True, email="sam@helpline.test", name="Sam")
    MembershipFactory(team=support_team, agent=sam, is_lead=True)
    return sam


@pytest.fixture
def agent(support_team: Team) -> Agent:
    alice = AgentFactory.create(email="alice@helpline.test", name="Alice")
    MembershipFactory(team=support_team, agent=alice)
    return alice


@pytest.fixture
def other_agent(billing_team: Team) -> Agent:
    oscar = AgentFactory.create(email="oscar@helpline.test", name="Oscar")
    MembershipFactory(team=billing_team, agent=oscar)
    return oscar


@pytest.fixture
def collaborator(support_team: Team) -> Agent:
    cole = AgentFactory.create(collaborator=True, email="cole@helpline.test", name="Cole")
    MembershipFactory(team=support_team, agent=cole)
    return cole


@pytest.fixture
def private_member(hr_team: Team) -> Agent:
    priya = AgentFactory.create(email="priya@helpline.test", name="Priya")
    MembershipFactory(team=hr_team, agent=priya)
    return priya


# ------------------------------------------------------------------ customers


@pytest.fixture
def customer(db: None) -> Customer:
    return CustomerFactory.create(name="Carla", email="carla@example.com")


@pytest.fixture
def other_customer(db: None) -> Customer:
    return CustomerFactory.create(name="Otto", email="otto@example.net")


# ------------------------------------------------------------------ tickets


@pytest.fixture
def carla_ticket(customer: Customer, support_team: Team) -> Ticket:
    """Carla wrote to Support by e-mail: a new, unassigned ticket with her first message."""
    from helpline.tickets.services import ticket_create

    return ticket_create(
        actor=None,
        requester=customer,
        subject="My invoice is wrong",
        channel=Channel.EMAIL,
        body_text="Hello, the amount on invoice 42 is wrong.",
        team=support_team,
    )


@pytest.fixture
def hr_ticket(other_customer: Customer, hr_team: Team) -> Ticket:
    """Otto wrote to HR (a private team) by e-mail."""
    from helpline.tickets.services import ticket_create

    return ticket_create(
        actor=None,
        requester=other_customer,
        subject="Question about my contract",
        channel=Channel.EMAIL,
        body_text="Hello, when does my contract end?",
        team=hr_team,
    )


# ------------------------------------------------------------------ process-level caches


@pytest.fixture(autouse=True)
def custom_field_definitions_fresh() -> Iterator[None]:
    """Custom field definitions are cached per process for a few seconds; every test starts from
    the rows it creates itself, not from the definitions of the test before it."""
    from helpline.core.customfields import custom_field_definitions_forget

    custom_field_definitions_forget()
    yield
    custom_field_definitions_forget()


# ------------------------------------------------------------------ files


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Uploaded files go to a fresh directory for the test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# ------------------------------------------------------------------ "nothing happened"


def _footprint() -> dict[str, Any]:
    from helpline.audit.models import Event
    from helpline.customers.models import ContactIdentity, Organization, OrganizationDomain
    from helpline.outbox.models import OutboxMessage
    from helpline.tickets.models import Attachment, Blob, Message

    def rows(queryset: Any) -> list[dict[str, Any]]:
        return list(queryset.order_by("pk").values())

    return {
        "tickets": rows(Ticket.objects.all()),
        "ticket_tags": rows(Ticket.tags.through.objects.all()),
        "ticket_ccs": rows(Ticket.ccs.through.objects.all()),
        "ticket_followers": rows(Ticket.followers.through.objects.all()),
        "messages": rows(Message.objects.all()),
        "mentions": rows(Message.mentions.through.objects.all()),
        "attachments": rows(Attachment.objects.all()),
        "blobs": rows(Blob.objects.all()),
        "events": rows(Event.objects.all()),
        "outbox": rows(OutboxMessage.objects.all()),
        "customers": rows(Customer.objects.all()),
        "identities": rows(ContactIdentity.objects.all()),
        "organizations": rows(Organization.objects.all()),
        "organization_domains": rows(OrganizationDomain.objects.all()),
        "agents": rows(Agent.objects.all()),
        "teams": rows(Team.objects.all()),
        "memberships": rows(Membership.objects.all()),
    }


@pytest.fixture
def footprint(db: None) -> Any:
    """Call it before and after a refused action: equal footprints mean nothing was written."""
    return _footprint


@pytest.fixture
def ticket_events(db: None) -> Any:
    """`ticket_events(ticket)`: its events, oldest first, as (kind, before, after) triples."""
    from helpline.audit.models import Event

    def events(ticket: Ticket | int) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
        pk = ticket if isinstance(ticket, int) else ticket.pk
        return [(e.kind, e.before, e.after) for e in Event.objects.filter(ticket_id=pk).order_by("id")]

    return events
