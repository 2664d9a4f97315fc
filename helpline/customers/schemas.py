"""REST shapes of customers, their contact identities and organizations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from helpline.api.schemas import Id, InputSchema, OutputSchema, Ref, Text, Text16, Text32, Text64, Text200, Text320, ref
from helpline.customers.models import ContactIdentity, Customer, Organization

Tier = Literal["free", "standard", "premium", "enterprise"]
IdentityKind = Literal["email", "phone", "chat", "messaging"]


class IdentityOut(OutputSchema):
    id: int
    kind: IdentityKind
    value: str
    is_primary: bool
    failing_since: datetime | None


class CustomerOut(OutputSchema):
    id: int
    name: str
    organization: Ref | None
    tier: Tier
    attributes: dict[str, Any] = Field(description="Custom fields; a customer sees the public ones only.")
    notes: str = Field(description="Agents only: empty for customers.")
    time_zone: str
    language: str
    identities: list[IdentityOut]
    merged_into: int | None
    created_at: datetime
    updated_at: datetime


class CustomerPage(OutputSchema):
    items: list[CustomerOut]
    next_cursor: str | None


class OrganizationOut(OutputSchema):
    id: int
    name: str
    domains: list[str]
    tier: str
    notes: str
    shares_tickets: bool
    created_at: datetime


class OrganizationPage(OutputSchema):
    items: list[OrganizationOut]
    next_cursor: str | None


class CustomerCreateIn(InputSchema):
    name: Text200 = ""
    emails: list[Text320] = Field(default_factory=list, max_length=20)
    phones: list[Text32] = Field(default_factory=list, max_length=20)
    organization_id: Id | None = None
    tier: Tier = "standard"
    attributes: dict[Text, Any] = Field(default_factory=dict)
    notes: Text = ""


class CustomerUpdateIn(InputSchema):
    """Only the fields sent change; `organization_id: null` removes the organization."""

    name: Text200 | None = None
    organization_id: Id | None = None
    tier: Tier | None = None
    attributes: dict[Text, Any] | None = Field(None, description="Merged; a null value removes that field.")
    notes: Text | None = None
    time_zone: Text64 | None = None
    language: Text16 | None = None

    @field_validator("name", "tier", "attributes", "notes", "time_zone", "language")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


class IdentityIn(InputSchema):
    kind: IdentityKind
    value: Text320


class CustomerMergeIn(InputSchema):
    into: Id = Field(description="The customer that stays.")


class OrganizationCreateIn(InputSchema):
    name: Text200
    domains: list[Text200] = Field(default_factory=list, max_length=50)
    tier: Text32 = ""
    notes: Text = ""
    shares_tickets: bool = False


class OrganizationUpdateIn(InputSchema):
    name: Text200 | None = None
    domains: list[Text200] | None = Field(None, max_length=50)
    tier: Text32 | None = None
    notes: Text | None = None
    shares_tickets: bool | None = None

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may be left out, but not null")
        return value


def customer_json(customer: Customer, *, staff: bool, public_fields: frozenset[str] | None = None) -> dict[str, Any]:
    """A customer; `organization` and `identities` should be loaded. For a customer's own view,
    `public_fields` names the attributes it may see."""
    attributes = customer.attributes or {}
    if not staff:
        attributes = {k: v for k, v in attributes.items() if k in (public_fields or frozenset())}
    return {
        "id": customer.pk,
        "name": customer.name,
        "organization": ref(customer.organization),
        "tier": customer.tier,
        "attributes": attributes,
        "notes": customer.notes if staff else "",
        "time_zone": customer.time_zone,
        "language": customer.language,
        "identities": [identity_json(i) for i in customer.identities.all()],
        "merged_into": customer.merged_into_id,
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


def identity_json(identity: ContactIdentity) -> dict[str, Any]:
    return {
        "id": identity.pk,
        "kind": identity.kind,
        "value": identity.value,
        "is_primary": identity.is_primary,
        "failing_since": identity.failing_since,
    }


def organization_json(organization: Organization) -> dict[str, Any]:
    return {
        "id": organization.pk,
        "name": organization.name,
        "domains": organization.domains,
        "tier": organization.tier,
        "notes": organization.notes,
        "shares_tickets": organization.shares_tickets,
        "created_at": organization.created_at,
    }
