"""What the portal reads for a signed-in customer (tickets come from tickets.selectors)."""

from __future__ import annotations

from helpline.core.models import CustomField
from helpline.customers.models import Customer
from helpline.tickets.models import Category


def portal_customer_get(customer_id: int) -> Customer | None:
    """The customer a portal session names, following merges; None when gone."""
    customer = Customer.objects.select_related("organization").filter(pk=customer_id).first()
    seen = set()
    while customer is not None and customer.merged_into_id and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.select_related("organization").filter(pk=customer.merged_into_id).first()
    return customer


def public_custom_fields() -> list[CustomField]:
    """The ticket fields admins show on the web form and in the portal, in their order."""
    return list(
        CustomField.objects.filter(target=CustomField.Target.TICKET, is_public=True).order_by("position", "key")
    )


def public_categories() -> list[Category]:
    return list(Category.objects.filter(is_active=True).only("id", "path").order_by("path"))
