"""Customers, their contact identities and organizations through the API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from helpline.api.tests.support import api_client, problem
from helpline.core.models import CustomField
from helpline.customers.models import ContactIdentity, Customer, Organization
from helpline.customers.tests.factories import CustomerFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def body(response: Any) -> Any:
    return json.loads(response.content)


def test_agents_list_customers_newest_first_and_search_them(agent, customer, other_customer):
    # given
    api = api_client(agent)

    # when
    everyone = body(api.get("/customers"))
    found = body(api.get("/customers", {"query": "otto@"}))

    # then
    assert [c["name"] for c in everyone["items"]] == ["Otto", "Carla"]
    assert [c["id"] for c in found["items"]] == [other_customer.pk]


def test_the_customer_list_pages_by_cursor(agent):
    # given
    CustomerFactory.create_batch(5)
    api = api_client(agent)

    # when
    first = body(api.get("/customers", {"limit": 3}))
    rest = body(api.get("/customers", {"limit": 3, "cursor": first["next_cursor"]}))

    # then
    ids = [c["id"] for c in first["items"] + rest["items"]]
    assert ids == sorted(Customer.objects.values_list("id", flat=True), reverse=True)
    assert rest["next_cursor"] is None


def test_an_agent_creates_a_customer_with_identities(agent):
    # given
    org = OrganizationFactory.create(name="Acme")

    # when
    response = api_client(agent).post(
        "/customers",
        {"name": "Dora", "emails": ["Dora@Acme.test"], "phones": ["+33 1 23 45 67 89"], "organization_id": org.pk},
    )

    # then
    assert response.status_code == 201
    created = body(response)
    assert (created["name"], created["organization"], created["tier"]) == (
        "Dora",
        {"id": org.pk, "name": "Acme"},
        "standard",
    )
    assert [(i["kind"], i["value"], i["is_primary"]) for i in created["identities"]] == [
        ("email", "dora@acme.test", True),
        ("phone", "+33123456789", False),
    ]


def test_an_address_another_customer_has_is_a_409_problem_and_writes_nothing(agent, customer, footprint):
    # given
    api = api_client(agent)
    before = footprint()

    # when
    response = api.post("/customers", {"name": "Fake Carla", "emails": ["carla@example.com"]})

    # then
    assert response.status_code == 409
    assert problem(response)["errors"] == [{"field": "email", "message": "taken"}]
    assert footprint() == before


def test_an_agent_changes_a_customer(agent, customer):
    # given
    org = OrganizationFactory.create(name="Acme")

    # when
    response = api_client(agent).patch(
        f"/customers/{customer.pk}", {"organization_id": org.pk, "tier": "premium", "language": "fr"}
    )

    # then
    assert response.status_code == 200
    assert (body(response)["organization"]["name"], body(response)["tier"], body(response)["language"]) == (
        "Acme",
        "premium",
        "fr",
    )
    customer.refresh_from_db()
    assert (customer.organization_id, customer.tier) == (org.pk, "premium")


def test_identities_are_added_and_removed(agent, customer):
    # given
    api = api_client(agent)

    # when
    added = api.post(f"/customers/{customer.pk}/identities", {"kind": "phone", "value": "+4930123456"})
    removed = api.delete(f"/customers/{customer.pk}/identities/{body(added)['id']}")

    # then
    assert (added.status_code, body(added)["value"]) == (201, "+4930123456")
    assert removed.status_code == 204
    assert list(customer.identities.values_list("value", flat=True)) == ["carla@example.com"]


def test_removing_another_customers_identity_is_404(agent, customer, other_customer):
    # given
    otto_email = other_customer.identities.get()

    # when
    response = api_client(agent).delete(f"/customers/{customer.pk}/identities/{otto_email.pk}")

    # then
    assert response.status_code == 404
    assert ContactIdentity.objects.filter(pk=otto_email.pk).exists()


def test_merging_moves_identities_and_tickets(agent, customer, other_customer, carla_ticket):
    # when
    response = api_client(agent).post(f"/customers/{customer.pk}/merge", {"into": other_customer.pk})

    # then
    assert response.status_code == 200
    assert sorted(i["value"] for i in body(response)["identities"]) == ["carla@example.com", "otto@example.net"]
    carla_ticket.refresh_from_db()
    assert carla_ticket.requester_id == other_customer.pk


def test_a_customer_reads_itself_without_agent_notes_or_private_attributes(customer):
    # given
    CustomField.objects.create(target="customer", key="plan", label="Plan", type="text", is_public=True)
    CustomField.objects.create(target="customer", key="risk", label="Risk", type="text")
    Customer.objects.filter(pk=customer.pk).update(notes="Difficult.", attributes={"plan": "gold", "risk": "high"})

    # when
    response = api_client(customer).get(f"/customers/{customer.pk}")

    # then
    assert response.status_code == 200
    assert (body(response)["notes"], body(response)["attributes"]) == ("", {"plan": "gold"})


def test_a_customer_reads_no_other_customer_and_changes_nothing(customer, other_customer, footprint):
    # given
    api = api_client(customer)
    before = footprint()

    # when
    answers = [
        api.get(f"/customers/{other_customer.pk}"),
        api.get("/customers"),
        api.patch(f"/customers/{customer.pk}", {"name": "Queen Carla"}),
        api.post("/customers", {"name": "Sock puppet"}),
    ]

    # then
    assert [a.status_code for a in answers] == [404, 403, 403, 403]
    assert footprint() == before


def test_organizations_are_listed_created_read_and_changed(agent):
    # given
    OrganizationFactory.create(name="Zeta")
    api = api_client(agent)

    # when
    created = api.post("/organizations", {"name": "Acme", "domains": ["ACME.test"], "shares_tickets": True})
    changed = api.patch(f"/organizations/{body(created)['id']}", {"tier": "gold"})
    read = api.get(f"/organizations/{body(created)['id']}")
    listed = api.get("/organizations")

    # then
    assert created.status_code == 201
    assert (body(read)["domains"], body(read)["shares_tickets"], body(changed)["tier"]) == (["acme.test"], True, "gold")
    assert [o["name"] for o in body(listed)["items"]] == ["Acme", "Zeta"]
    assert Organization.objects.count() == 2


def test_a_duplicate_organization_is_a_409_problem(agent):
    # given
    OrganizationFactory.create(name="Acme")

    # when
    response = api_client(agent).post("/organizations", {"name": "Acme"})

    # then
    assert response.status_code == 409
