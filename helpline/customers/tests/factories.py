"""Factories for organizations, customers and their contact identities."""

from __future__ import annotations

from typing import Any

import factory
from factory.django import DjangoModelFactory

from helpline.customers.models import ContactIdentity, Customer, Organization, OrganizationDomain


class OrganizationFactory(DjangoModelFactory[Organization]):
    """An organization with its mail domains, including the lookup rows new senders are matched by."""

    class Meta:
        model = Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Organization {n}")
    domains = factory.LazyAttribute(lambda o: [f"{o.name.lower().replace(' ', '')}.test"])
    shares_tickets = False

    @factory.post_generation
    def domain_rows(organization: Organization, create: bool, extracted: Any, **kwargs: Any) -> None:
        # factory_boy calls this with the organization it made, not with the factory
        if create:
            OrganizationDomain.objects.bulk_create(
                [OrganizationDomain(domain=d, organization=organization) for d in organization.domains]
            )


class ContactIdentityFactory(DjangoModelFactory[ContactIdentity]):
    class Meta:
        model = ContactIdentity
        skip_postgeneration_save = True

    customer = factory.SubFactory("helpline.customers.tests.factories.CustomerFactory", email=None)
    kind = ContactIdentity.Kind.EMAIL
    value = factory.Sequence(lambda n: f"contact{n}@customers.test")
    is_primary = True


class CustomerFactory(DjangoModelFactory[Customer]):
    """A customer with one primary e-mail identity (`email=None` for none)."""

    class Meta:
        model = Customer
        skip_postgeneration_save = True

    class Params:
        email = factory.Sequence(lambda n: f"customer{n}@customers.test")

    name = factory.Sequence(lambda n: f"Customer {n}")
    organization = None
    identity = factory.Maybe(
        "email",
        yes_declaration=factory.RelatedFactory(
            ContactIdentityFactory,
            factory_related_name="customer",
            value=factory.SelfAttribute("..email"),
        ),
        no_declaration=None,
    )
