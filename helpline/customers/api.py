"""REST operations on customers, their contact identities and organizations.

Agents manage customers; a customer's own token may read itself (GET /customers/{its id}) only.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from helpline.accounts.models import Agent
from helpline.api.operations import CURSOR, actor_of, agent_of, id_page, lookup, responses
from helpline.api.schemas import NO_NUL, Id
from helpline.core.errors import InvalidInput, NotFound
from helpline.core.keyset import keyset_page
from helpline.core.models import CustomField
from helpline.core.schemas import custom_field_public_keys
from helpline.customers import selectors, services
from helpline.customers.models import Customer, Organization
from helpline.customers.schemas import (
    CustomerCreateIn,
    CustomerMergeIn,
    CustomerOut,
    CustomerPage,
    CustomerUpdateIn,
    IdentityIn,
    IdentityOut,
    OrganizationCreateIn,
    OrganizationOut,
    OrganizationPage,
    OrganizationUpdateIn,
    customer_json,
    identity_json,
    organization_json,
)

router = Router(tags=["customers"])


# ------------------------------------------------------------------ customers


@router.get("/customers", response=responses(CustomerPage))
def customers_list(
    request: HttpRequest,
    query: str = Query("", max_length=200, pattern=NO_NUL, description="Part of a name or a contact value."),
    organization: Id | None = None,
    limit: int = Query(25, ge=1, le=100),
    cursor: str | None = Query(None, **CURSOR),
) -> dict[str, Any]:
    """Customers, newest first (agents)."""
    actor = agent_of(request)
    customers = selectors.customer_list(actor=actor, query=query, organization_id=organization)
    page = id_page(customers, limit=limit, cursor=cursor)
    return {"items": [customer_json(c, staff=True) for c in page.items], "next_cursor": page.next_cursor}


@router.post("/customers", response=responses(CustomerOut, 409, status=201))
def customer_create(request: HttpRequest, payload: CustomerCreateIn) -> Status:
    """Create a customer with its e-mail addresses and phone numbers (409 if one is taken)."""
    customer = services.customer_create(
        actor=agent_of(request),
        name=payload.name,
        emails=payload.emails,
        phones=payload.phones,
        organization=lookup(Organization.objects.all(), payload.organization_id, "organization_id"),
        tier=payload.tier,
        attributes=payload.attributes,
        notes=payload.notes,
    )
    return Status(201, customer_json(_customer(request, customer.pk), staff=True))


@router.get("/customers/{customer_id}", response=responses(CustomerOut))
def customer_detail(request: HttpRequest, customer_id: Id) -> dict[str, Any]:
    actor = actor_of(request)
    customer = _customer(request, customer_id)
    if isinstance(actor, Agent):
        return customer_json(customer, staff=True)
    public = custom_field_public_keys(CustomField.Target.CUSTOMER)
    return customer_json(customer, staff=False, public_fields=public)


@router.patch("/customers/{customer_id}", response=responses(CustomerOut))
def customer_patch(request: HttpRequest, customer_id: Id, payload: CustomerUpdateIn) -> dict[str, Any]:
    actor = agent_of(request)
    customer = _customer(request, customer_id)
    changes = payload.model_dump(include=payload.model_fields_set - {"organization_id"})
    if "organization_id" in payload.model_fields_set:
        changes["organization"] = lookup(Organization.objects.all(), payload.organization_id, "organization_id")
    services.customer_update(actor=actor, customer=customer, changes=changes)
    return customer_json(_customer(request, customer_id), staff=True)


@router.post("/customers/{customer_id}/identities", response=responses(IdentityOut, 409, status=201))
def customer_identity_add(request: HttpRequest, customer_id: Id, payload: IdentityIn) -> Status:
    """Give the customer another address or number (409 if another customer has it)."""
    identity = services.identity_add(
        actor=agent_of(request), customer=_customer(request, customer_id), kind=payload.kind, value=payload.value
    )
    return Status(201, identity_json(identity))


@router.delete("/customers/{customer_id}/identities/{identity_id}", response=responses(None, status=204))
def customer_identity_remove(request: HttpRequest, customer_id: Id, identity_id: Id) -> Status:
    actor = agent_of(request)
    customer = _customer(request, customer_id)
    identity = next((i for i in customer.identities.all() if i.pk == identity_id), None)
    if identity is None:
        raise NotFound("This customer has no such identity.")
    services.identity_remove(actor=actor, identity=identity)
    return Status(204, None)


@router.post("/customers/{customer_id}/merge", response=responses(CustomerOut, 409))
def customer_merge(request: HttpRequest, customer_id: Id, payload: CustomerMergeIn) -> dict[str, Any]:
    """Fold this customer into `into`: its identities and tickets move there. Answers with `into`."""
    actor = agent_of(request)
    source = _customer(request, customer_id)
    try:
        target = _customer(request, payload.into)
    except NotFound:
        raise InvalidInput(
            f"There is no customer {payload.into}.", errors=[{"field": "into", "message": "unknown"}]
        ) from None
    services.customer_merge(actor=actor, source=source, target=target)
    return customer_json(_customer(request, target.pk), staff=True)


# ------------------------------------------------------------------ organizations


@router.get("/organizations", response=responses(OrganizationPage))
def organizations_list(
    request: HttpRequest, limit: int = Query(100, ge=1, le=100), cursor: str | None = Query(None, **CURSOR)
) -> dict[str, Any]:
    """Organizations by name (agents)."""
    agent_of(request)
    page = keyset_page(
        selectors.organization_list(), field="name", descending=False, field_type=str, limit=limit, cursor=cursor
    )
    return {"items": [organization_json(o) for o in page.items], "next_cursor": page.next_cursor}


@router.post("/organizations", response=responses(OrganizationOut, 409, status=201))
def organization_create(request: HttpRequest, payload: OrganizationCreateIn) -> Status:
    organization = services.organization_create(actor=agent_of(request), **payload.model_dump())
    return Status(201, organization_json(organization))


@router.get("/organizations/{organization_id}", response=responses(OrganizationOut))
def organization_detail(request: HttpRequest, organization_id: Id) -> dict[str, Any]:
    agent_of(request)
    return organization_json(_organization(organization_id))


@router.patch("/organizations/{organization_id}", response=responses(OrganizationOut, 409))
def organization_patch(request: HttpRequest, organization_id: Id, payload: OrganizationUpdateIn) -> dict[str, Any]:
    organization = services.organization_update(
        actor=agent_of(request),
        organization=_organization(organization_id),
        changes=payload.model_dump(include=payload.model_fields_set),
    )
    return organization_json(organization)


# ------------------------------------------------------------------ helpers


def _customer(request: HttpRequest, customer_id: int) -> Customer:
    return selectors.customer_get(actor=actor_of(request), customer_id=customer_id)


def _organization(organization_id: int) -> Organization:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        raise NotFound("No such organization.")
    return organization
