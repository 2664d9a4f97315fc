from __future__ import annotations

import pytest

from helpline.core.errors import NotFound
from helpline.customers.selectors import (
    customer_find_by_identity,
    customer_get,
    customer_list,
    customer_visible_requester_ids,
)
from helpline.customers.services import customer_merge
from helpline.customers.tests.factories import CustomerFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_the_list_is_newest_first_without_merged_customers(customer, other_customer, agent):
    # given
    duplicate = CustomerFactory.create(name="Carla (dup)")
    customer_merge(actor=agent, source=duplicate, target=customer)

    # when / then
    assert list(customer_list(actor=agent)) == [other_customer, customer]


@pytest.mark.parametrize(("query", "names"), [("carl", ["Carla"]), ("EXAMPLE.NET", ["Otto"]), ("zzz", [])])
def test_the_list_matches_a_name_or_a_contact_value(customer, other_customer, agent, query, names):
    # when / then
    assert [c.name for c in customer_list(actor=agent, query=query)] == names


def test_the_list_filters_by_organization(customer, agent):
    # given
    acme = OrganizationFactory.create(name="Acme")
    colin = CustomerFactory.create(name="Colin", organization=acme)

    # when / then
    assert list(customer_list(actor=agent, organization_id=acme.pk)) == [colin]


def test_a_customer_gets_themself_only(customer, other_customer, agent):
    # when / then
    assert customer_get(actor=customer, customer_id=customer.pk) == customer
    assert customer_get(actor=agent, customer_id=other_customer.pk) == other_customer
    with pytest.raises(NotFound):
        customer_get(actor=customer, customer_id=other_customer.pk)
    with pytest.raises(NotFound):
        customer_get(actor=agent, customer_id=987654)


def test_a_customer_is_found_by_any_of_their_identities(customer):
    # when / then
    assert customer_find_by_identity(kind="email", value="carla@example.com") == customer
    assert customer_find_by_identity(kind="email", value="nobody@example.com") is None
    assert customer_find_by_identity(kind="phone", value="carla@example.com") is None


@pytest.mark.parametrize(("shares", "sees_colleague"), [(False, False), (True, True)])
def test_a_customer_sees_the_requesters_of_their_organization_only_when_it_shares(
    customer, other_customer, shares, sees_colleague
):
    # given
    acme = OrganizationFactory.create(name="Acme", shares_tickets=shares)
    customer.organization = acme
    customer.save()
    colin = CustomerFactory.create(name="Colin", organization=acme)

    # when
    visible = customer_visible_requester_ids(customer)

    # then
    assert sorted(visible) == sorted([customer.pk, colin.pk] if sees_colleague else [customer.pk])
    assert other_customer.pk not in visible
