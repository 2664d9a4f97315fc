"""Colleagues' tickets in the portal: shown only where the organization shares them."""

from __future__ import annotations

import pytest
from django.test import Client

from helpline.customers.models import Customer
from helpline.customers.services import organization_update
from helpline.customers.tests.factories import CustomerFactory, OrganizationFactory
from helpline.portal.session import SESSION_KEY
from helpline.tickets.models import Channel
from helpline.tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def _signed_in(customer: Customer) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = customer.pk
    session.save()
    return client


@pytest.fixture
def colleague_ticket(customer):
    org = OrganizationFactory.create(name="Acme", shares_tickets=False)
    colleague = CustomerFactory.create(name="Colin", email="colin@acme.test", organization=org)
    Customer.objects.filter(pk=customer.pk).update(organization=org)
    return ticket_create(actor=None, requester=colleague, subject="VPN down", channel=Channel.EMAIL, body_text="Help")


def test_a_colleagues_ticket_is_hidden_while_the_organization_does_not_share(customer, colleague_ticket):
    # given
    client = _signed_in(customer)
    # when
    home = client.get("/portal/").content.decode()
    page = client.get(f"/portal/requests/{colleague_ticket.number}")
    # then
    assert "VPN down" not in home
    assert page.status_code == 404


def test_once_an_admin_lets_it_share_colleagues_open_and_answer_each_others_tickets(admin, customer, colleague_ticket):
    # given
    organization_update(
        actor=admin, organization=colleague_ticket.requester.organization, changes={"shares_tickets": True}
    )
    client = _signed_in(customer)
    # when
    home = client.get("/portal/").content.decode()
    page = client.get(f"/portal/requests/{colleague_ticket.number}")
    answer = client.post(f"/portal/requests/{colleague_ticket.number}/reply", {"body": "Same here."})
    # then
    assert "VPN down" in home and "by Colin" in home
    assert page.status_code == 200 and "Help" in page.content.decode()
    assert answer.status_code == 302
    assert colleague_ticket.messages.filter(author_customer=customer, body_text="Same here.").exists()
