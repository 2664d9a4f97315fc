from __future__ import annotations

import pytest

from helpline.audit.models import Event
from helpline.core.errors import Conflict, InvalidInput, PermissionDenied
from helpline.core.models import CustomField
from helpline.customers.models import ContactIdentity, Customer
from helpline.customers.services import (
    customer_create,
    customer_get_or_create_by_email,
    customer_merge,
    customer_password_authenticate,
    customer_password_set,
    customer_update,
    identity_add,
    identity_normalize,
    identity_remove,
    organization_create,
    organization_update,
)
from helpline.customers.tests.factories import CustomerFactory, OrganizationFactory
from helpline.tickets.services import ticket_create, ticket_update

pytestmark = pytest.mark.django_db


def _customer_events(customer):
    return [
        (e.kind, e.before, e.after)
        for e in Event.objects.filter(entity="customer", entity_id=customer.pk).order_by("id")
    ]


# ------------------------------------------------------------------ identities


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        ("email", "  Carla.Smith@Example.COM ", "carla.smith@example.com"),
        ("email", "a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
        ("phone", "+1 (555) 123-4567", "+15551234567"),
        ("phone", "030 1234.5678", "03012345678"),
        ("chat", "  visitor-42 ", "visitor-42"),
        ("messaging", "whatsapp:+4915112345678", "whatsapp:+4915112345678"),
    ],
)
def test_contact_values_are_stored_in_one_normal_form(kind, raw, stored):
    # when / then
    assert identity_normalize(kind, raw) == stored


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("email", "carla"),
        ("email", "carla@localhost"),
        ("email", "two@at@example.com"),
        ("email", "carla smith@example.com"),
        ("email", "<carla@example.com>"),
        ("email", "x" * 310 + "@example.com"),
        ("phone", "call me"),
        ("phone", "123"),
        ("phone", "+1234567890123456"),
        ("chat", "   "),
        ("fax", "+15551234567"),
    ],
)
def test_wrong_contact_values_are_invalid_input(kind, raw):
    # when / then
    with pytest.raises(InvalidInput):
        identity_normalize(kind, raw)


def test_a_customer_is_created_with_normalized_identities_the_first_primary(agent):
    # when
    carla = customer_create(
        actor=agent, name="  Carla   Smith ", emails=["Carla@Example.com", "c@work.example"], phones=["+1 555 0100"]
    )

    # then
    assert carla.name == "Carla Smith"
    assert sorted(carla.identities.values_list("kind", "value", "is_primary")) == [
        ("email", "c@work.example", False),
        ("email", "carla@example.com", True),
        ("phone", "+15550100", False),
    ]
    assert carla.primary_email == "carla@example.com"
    assert _customer_events(carla) == [
        (
            "customer.created",
            {},
            {"name": "Carla Smith", "identities": ["carla@example.com", "c@work.example", "+15550100"]},
        )
    ]


def test_an_identity_that_belongs_to_someone_else_is_a_conflict_and_nothing_is_written(customer, agent, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(Conflict) as raised:
        customer_create(actor=agent, name="Impostor", emails=["new@example.com", "CARLA@example.com"])

    # then
    assert raised.value.errors == [{"field": "email", "message": "taken"}]
    assert footprint() == before


def test_adding_a_taken_identity_to_another_customer_is_a_conflict(customer, other_customer, agent, footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(Conflict):
        identity_add(actor=agent, customer=other_customer, kind="email", value="carla@example.com")

    # then
    assert footprint() == before


def test_an_added_identity_is_primary_only_for_a_customer_without_one(agent):
    # given
    nobody = CustomerFactory.create(email=None)

    # when
    first = identity_add(actor=agent, customer=nobody, kind="phone", value="+49 30 1234567")
    second = identity_add(actor=agent, customer=nobody, kind="email", value="n@example.com")

    # then
    assert (first.value, first.is_primary, second.is_primary) == ("+49301234567", True, False)
    assert [e[0] for e in _customer_events(nobody)] == ["customer.identity_added", "customer.identity_added"]


def test_removing_an_identity_records_what_it_was(customer, agent):
    # given
    identity = customer.identities.get()

    # when
    identity_remove(actor=agent, identity=identity)

    # then
    assert customer.identities.count() == 0
    assert _customer_events(customer)[-1] == (
        "customer.identity_removed",
        {"kind": "email", "value": "carla@example.com"},
        {},
    )


# ------------------------------------------------------------------ get or create by email


def test_get_or_create_by_email_creates_once_then_finds(db):
    # when
    first, created = customer_get_or_create_by_email(email="New.Person@Example.org", name="New Person")
    again, created_again = customer_get_or_create_by_email(email="new.person@example.org ")

    # then
    assert (created, created_again) == (True, False)
    assert first == again
    assert (first.name, first.primary_email) == ("New Person", "new.person@example.org")
    assert Customer.objects.count() == 1
    event = Event.objects.get(entity="customer")
    assert (event.kind, event.actor_label) == ("customer.created", "system")


def test_get_or_create_by_email_names_a_nameless_sender_after_the_address(db):
    # when
    customer, _ = customer_get_or_create_by_email(email="someone@example.org")

    # then
    assert customer.name == "someone"


def test_get_or_create_by_email_follows_merges(customer, other_customer, agent):
    # given
    customer_merge(actor=agent, source=other_customer, target=customer)

    # when
    found, created = customer_get_or_create_by_email(email="otto@example.net")

    # then
    assert (found, created) == (customer, False)


def test_get_or_create_by_email_follows_a_chain_of_merges_from_an_identity_left_behind(customer, agent):
    # given: Carla was merged into Middle, Middle into Last; an address still points at Carla
    middle, last = CustomerFactory.create(email=None, name="Middle"), CustomerFactory.create(email=None, name="Last")
    customer_merge(actor=agent, source=customer, target=middle)
    customer_merge(actor=agent, source=middle, target=last)
    ContactIdentity.objects.create(customer=customer, kind="email", value="left@example.com")

    # when
    found, created = customer_get_or_create_by_email(email="left@example.com")

    # then
    assert (found, created) == (last, False)
    assert last.identities.get().value == "carla@example.com"


def test_an_invalid_address_creates_no_customer(footprint):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput):
        customer_get_or_create_by_email(email="not an address")

    # then
    assert footprint() == before


# ------------------------------------------------------------------ merge


def test_merging_customers_moves_identities_tickets_and_ccs_with_an_event_on_each(
    customer, other_customer, agent, support_team
):
    # given
    otto_ticket = ticket_create(actor=None, requester=other_customer, subject="O", channel="email", body_text="x")
    third = CustomerFactory.create(name="Third")
    copied = ticket_create(actor=None, requester=third, subject="T", channel="email", body_text="x")
    ticket_update(actor=agent, ticket=copied, changes={"ccs": [other_customer]})

    # when
    result = customer_merge(actor=agent, source=other_customer, target=customer)

    # then
    other_customer.refresh_from_db()
    assert result == customer
    assert other_customer.merged_into == customer
    assert other_customer.identities.count() == 0
    assert sorted(customer.identities.values_list("value", "is_primary")) == [
        ("carla@example.com", True),
        ("otto@example.net", False),
    ]
    otto_ticket.refresh_from_db()
    assert otto_ticket.requester == customer
    assert list(copied.ccs.all()) == [customer]
    expected = {
        "source": other_customer.pk,
        "target": customer.pk,
        "identities": ["otto@example.net"],
        "tickets": [otto_ticket.number],
    }
    assert _customer_events(other_customer)[-1] == ("customer.merged", {}, expected)
    assert _customer_events(customer)[-1] == ("customer.merge_received", {}, expected)


def test_merging_a_cc_into_the_requester_does_not_copy_the_requester_on_their_own_ticket(
    customer, other_customer, agent
):
    # given: Otto is copied on Carla's ticket
    ticket = ticket_create(
        actor=None, requester=customer, subject="T", channel="email", body_text="x", ccs=[other_customer]
    )

    # when: Otto turns out to be Carla
    customer_merge(actor=agent, source=other_customer, target=customer)

    # then
    assert list(ticket.ccs.all()) == []


def test_a_cc_shared_by_both_customers_stays_one_cc(customer, other_customer, agent):
    # given
    third = CustomerFactory.create(name="Third")
    ticket = ticket_create(actor=None, requester=third, subject="T", channel="email", body_text="x")
    ticket_update(actor=agent, ticket=ticket, changes={"ccs": [customer, other_customer]})

    # when
    customer_merge(actor=agent, source=other_customer, target=customer)

    # then
    assert list(ticket.ccs.all()) == [customer]


@pytest.mark.parametrize(
    ("merged_first", "detail"),
    [
        (None, "A customer cannot be merged into themself."),
        ("other_customer", "A customer that was merged already cannot take part in another merge."),
        ("customer", "A customer that was merged already cannot take part in another merge."),
    ],
)
def test_impossible_merges_are_refused_and_nothing_is_written(
    request, customer, other_customer, agent, footprint, merged_first, detail
):
    # given: either a self-merge, or the source or the target merged into a third customer before
    if merged_first is not None:
        customer_merge(actor=agent, source=request.getfixturevalue(merged_first), target=CustomerFactory.create())
        customer.refresh_from_db()
        other_customer.refresh_from_db()
    source = customer if merged_first is None else other_customer
    before = footprint()

    # when
    with pytest.raises(InvalidInput) as raised:
        customer_merge(actor=agent, source=source, target=customer)

    # then
    assert raised.value.detail == detail
    assert footprint() == before


@pytest.mark.parametrize("who", ["collaborator", "customer"])
def test_collaborators_and_customers_do_not_manage_customers(request, other_customer, footprint, who):
    # given
    actor = request.getfixturevalue(who)
    before = footprint()

    # when / then
    with pytest.raises(PermissionDenied):
        customer_create(actor=actor, name="X", emails=["x@example.com"])
    with pytest.raises(PermissionDenied):
        customer_update(actor=actor, customer=other_customer, changes={"name": "Y"})
    with pytest.raises(PermissionDenied):
        identity_add(actor=actor, customer=other_customer, kind="email", value="y@example.com")
    assert footprint() == before


# ------------------------------------------------------------------ update


def test_an_update_records_before_and_after_of_what_changed(customer, agent):
    # given
    acme = OrganizationFactory.create(name="Acme")
    CustomField.objects.create(target="customer", key="vip", label="VIP", type="boolean")

    # when
    customer_update(
        actor=agent, customer=customer, changes={"tier": "premium", "organization": acme, "attributes": {"vip": True}}
    )

    # then
    customer.refresh_from_db()
    assert (customer.tier, customer.organization, customer.attributes) == ("premium", acme, {"vip": True})
    assert _customer_events(customer)[-1] == (
        "customer.updated",
        {"tier": "standard", "organization": None, "attributes": {}},
        {"tier": "premium", "organization": acme.pk, "attributes": {"vip": True}},
    )


@pytest.mark.parametrize("changes", [{"tier": "gold"}, {"email": "x@example.com"}, {"attributes": {"unknown": 1}}])
def test_an_invalid_update_is_refused_and_nothing_is_written(customer, agent, footprint, changes):
    # given
    before = footprint()

    # when
    with pytest.raises(InvalidInput):
        customer_update(actor=agent, customer=customer, changes=changes)

    # then
    assert footprint() == before


# ------------------------------------------------------------------ organizations


def test_a_new_sender_from_an_organizations_domain_joins_it(agent):
    # given
    acme = organization_create(actor=agent, name=" Acme  Inc ", domains=[" ACME.com ", "acme.co.uk"])
    organization_create(actor=agent, name="Other", domains=["notacme.com"])

    # when
    joined, _ = customer_get_or_create_by_email(email="colin@acme.com")
    stranger, _ = customer_get_or_create_by_email(email="dora@me.com")

    # then
    assert (acme.name, acme.domains) == ("Acme Inc", ["acme.com", "acme.co.uk"])
    assert joined.organization == acme
    assert stranger.organization is None


def test_an_explicit_organization_wins_over_the_domain(agent):
    # given
    organization_create(actor=agent, name="Acme", domains=["acme.com"])
    chosen = OrganizationFactory.create(name="Chosen")

    # when
    colin = customer_create(actor=agent, name="Colin", emails=["colin@acme.com"], organization=chosen)

    # then
    assert colin.organization == chosen


def test_a_domain_belongs_to_one_organization_only(agent, footprint):
    # given
    organization_create(actor=agent, name="Acme", domains=["acme.com"])
    other = organization_create(actor=agent, name="Other", domains=["other.com"])
    before = footprint()

    # when / then
    with pytest.raises(Conflict) as creating:
        organization_create(actor=agent, name="Copycat", domains=["ACME.com"])
    with pytest.raises(Conflict) as updating:
        organization_update(actor=agent, organization=other, changes={"domains": ["other.com", "acme.com"]})
    assert creating.value.detail == updating.value.detail == "These domains belong to another organization: acme.com."
    assert footprint() == before


def test_organization_names_are_unique(agent, footprint):
    # given
    organization_create(actor=agent, name="Acme")
    before = footprint()

    # when / then
    with pytest.raises(Conflict):
        organization_create(actor=agent, name="Acme")
    assert footprint() == before


def test_a_domain_added_later_is_matched_like_one_given_at_creation(agent):
    # given
    acme = organization_create(actor=agent, name="Acme", domains=["acme.com"])
    organization_update(actor=agent, organization=acme, changes={"domains": ["acme.com", " Acme.DE "]})

    # when
    colin, _ = customer_get_or_create_by_email(email="colin@acme.de")

    # then
    assert colin.organization == acme


# ------------------------------------------------------------------ portal passwords


@pytest.fixture
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_customer_sets_a_portal_password_and_only_a_hash_is_kept(customer, fast_hasher):
    # when
    customer_password_set(actor=customer, customer=customer, password="purple elephant 7")
    # then
    customer.refresh_from_db()
    assert customer.password.startswith("md5$") and "purple" not in customer.password
    assert customer_password_authenticate(email="CARLA@example.com", password="purple elephant 7") == customer
    assert customer_password_authenticate(email="carla@example.com", password="wrong") is None
    assert customer_password_authenticate(email="nobody@example.com", password="purple elephant 7") is None
    event = Event.objects.get(kind="customer.password_set")
    assert (event.before, event.after, event.actor_customer) == (
        {"has_password": False},
        {"has_password": True},
        customer,
    )


def test_a_weak_password_is_refused_with_the_reasons(customer, fast_hasher):
    with pytest.raises(InvalidInput, match="too short"):
        customer_password_set(actor=customer, customer=customer, password="abc")
    customer.refresh_from_db()
    assert customer.password == ""


@pytest.mark.parametrize("who", ["other_customer", "agent", "admin"])
def test_nobody_else_sets_a_customers_password(request, customer, who, fast_hasher):
    with pytest.raises(PermissionDenied):
        customer_password_set(actor=request.getfixturevalue(who), customer=customer, password="purple elephant 7")
    customer.refresh_from_db()
    assert customer.password == ""


def test_removing_the_password_stops_password_sign_in(customer, fast_hasher):
    # given
    customer_password_set(actor=customer, customer=customer, password="purple elephant 7")
    # when
    customer_password_set(actor=customer, customer=customer, password="")
    # then
    assert customer_password_authenticate(email="carla@example.com", password="purple elephant 7") is None
