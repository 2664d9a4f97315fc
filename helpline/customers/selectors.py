"""Reading customers, scoped to what the caller may see."""

from __future__ import annotations

from django.db.models import QuerySet

from helpline.accounts.models import Agent
from helpline.core.errors import NotFound
from helpline.customers.models import ContactIdentity, Customer, Organization


def customer_visible_requester_ids(customer: Customer) -> list[int]:
    """The requesters whose tickets this customer may see: self, and the organization if it shares."""
    org = customer.organization
    if org is not None and org.shares_tickets:
        return list(Customer.objects.filter(organization=org).values_list("id", flat=True))
    return [customer.pk]


def customer_list(*, actor: Agent, query: str = "", organization_id: int | None = None) -> QuerySet[Customer]:
    """Customers for agents, newest first. `query` matches name or a contact value."""
    customers = Customer.objects.filter(merged_into__isnull=True).select_related("organization")
    if organization_id is not None:
        customers = customers.filter(organization_id=organization_id)
    if query:
        by_identity = ContactIdentity.objects.filter(value__icontains=query.lower()).values("customer_id")
        customers = customers.filter(name__icontains=query) | customers.filter(id__in=by_identity)
    return customers.prefetch_related("identities").order_by("-id")


def customer_get(*, actor: Agent | Customer, customer_id: int) -> Customer:
    if isinstance(actor, Customer) and actor.pk != customer_id:
        raise NotFound("No such customer.")
    try:
        return Customer.objects.select_related("organization").prefetch_related("identities").get(pk=customer_id)
    except Customer.DoesNotExist:
        raise NotFound("No such customer.") from None


def customer_find_by_identity(*, kind: str, value: str) -> Customer | None:
    """The customer that owns this contact (following merges), or None."""
    identity = ContactIdentity.objects.select_related("customer").filter(kind=kind, value=value).first()
    return identity.customer if identity else None


def organization_list() -> QuerySet[Organization]:
    return Organization.objects.order_by("name")
