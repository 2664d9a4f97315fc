"""Everything that writes customers, their contact identities and organizations."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from helpline.accounts.models import Agent
from helpline.accounts.permissions import Actor
from helpline.audit.services import event_record
from helpline.core.clock import now
from helpline.core.customfields import custom_fields_validate
from helpline.core.errors import Conflict, InvalidInput, PermissionDenied
from helpline.core.prefetch import prefetched_set
from helpline.core.prepared import STR_PLACEHOLDER, PreparedQuery, insert_row, insert_row_unless_exists
from helpline.customers.models import ContactIdentity, Customer, Organization, OrganizationDomain

_EMAIL = re.compile(r"^[^@\s<>\"(),;:]+@[^@\s<>\"(),;:]+\.[^@\s<>\"(),;:]+$")
_PHONE = re.compile(r"^\+?[0-9]{5,15}$")


def identity_normalize(kind: str, value: str) -> str:
    """The stored form of a contact value: lower-cased address, E.164-ish phone; InvalidInput if wrong."""
    value = (value or "").strip()
    if kind == ContactIdentity.Kind.EMAIL:
        value = value.lower()
        if not _EMAIL.match(value) or len(value) > 320:
            raise InvalidInput(
                f"'{value}' is not an e-mail address.", errors=[{"field": "email", "message": "invalid"}]
            )
    elif kind == ContactIdentity.Kind.PHONE:
        value = re.sub(r"[\s().-]", "", value)
        if not _PHONE.match(value):
            raise InvalidInput(f"'{value}' is not a phone number.", errors=[{"field": "phone", "message": "invalid"}])
    elif kind in ContactIdentity.Kind.values:
        if not value or len(value) > 320:
            raise InvalidInput(f"A {kind} identity has 1 to 320 characters.")
    else:
        raise InvalidInput(f"'{kind}' is not a kind of contact identity.")
    return value


def customer_create(
    *,
    actor: Actor | None,
    name: str = "",
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    organization: Organization | None = None,
    tier: str = Customer.Tier.STANDARD,
    attributes: dict[str, Any] | None = None,
    notes: str = "",
) -> Customer:
    """Create a customer with its contact identities; Conflict if an identity belongs to someone else.

    Agents (not collaborators) and the system (actor None) create customers; an event records it.
    """
    _agent_check(actor)
    if tier not in Customer.Tier.values:
        raise InvalidInput(f"'{tier}' is not a customer tier.")
    identities = [(ContactIdentity.Kind.EMAIL, identity_normalize("email", e)) for e in emails]
    identities += [(ContactIdentity.Kind.PHONE, identity_normalize("phone", p)) for p in phones]
    values = custom_fields_validate(target="customer", values=attributes or {})
    with transaction.atomic():
        customer = insert_row(
            Customer(
                name=" ".join(name.split())[:200],
                organization=organization or _organization_by_domain(identities),
                tier=tier,
                attributes=values,
                notes=notes,
            )
        )
        rows = [_identity_insert(customer, kind, value, primary=i == 0) for i, (kind, value) in enumerate(identities)]
        event_record(
            actor=actor,
            entity="customer",
            entity_id=customer.pk,
            kind="customer.created",
            after={"name": customer.name, "identities": [v for _, v in identities]},
        )
    customer._created_identities = rows  # type: ignore[attr-defined]  # for customer_get_or_create_by_email
    return customer


# Every message and ticket from a channel looks its sender up: compiled once (core/prepared.py).
_IDENTITIES_OF_EMAIL_OWNER = PreparedQuery(
    lambda value: ContactIdentity.objects.select_related("customer").filter(
        customer__identities__kind=ContactIdentity.Kind.EMAIL, customer__identities__value=value
    ),
    value=STR_PLACEHOLDER,
)


def customer_get_or_create_by_email(*, email: str, name: str = "") -> tuple[Customer, bool]:
    """The customer owning this address (following merges), or a new one: for the channels."""
    value = identity_normalize("email", email)
    # All identities of the customer who owns this address, in one query: the channels show the
    # requester's e-mail right after this, and the customer returned is a fresh instance.
    rows = list(_IDENTITIES_OF_EMAIL_OWNER(value=value))
    if rows:
        customer = rows[0].customer
        if not customer.merged_into_id:
            prefetched_set(customer, "identities", rows)
        while customer.merged_into_id:
            customer = Customer.objects.get(pk=customer.merged_into_id)
        return customer, False
    try:  # customer_create rolls its own savepoint back on Conflict
        customer = customer_create(actor=None, name=name or value.split("@")[0], emails=[value])
    except Conflict:  # created at the same moment by another process
        return customer_get_or_create_by_email(email=value, name=name)
    prefetched_set(customer, "identities", customer._created_identities)  # type: ignore[attr-defined]
    return customer, True


def customer_update(*, actor: Actor | None, customer: Customer, changes: dict[str, Any]) -> Customer:
    """Change name, organization, tier, attributes (merged), notes, time_zone or language."""
    _agent_check(actor)
    allowed = {"name", "organization", "tier", "attributes", "notes", "time_zone", "language"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"Unknown customer field(s): {', '.join(sorted(unknown))}.")
    for key, limit in (("time_zone", 64), ("language", 16), ("name", 200)):
        if len(changes.get(key) or "") > limit:
            raise InvalidInput(f"{key} has at most {limit} characters.", errors=[{"field": key, "message": "too long"}])
    if "tier" in changes and changes["tier"] not in Customer.Tier.values:
        raise InvalidInput(f"'{changes['tier']}' is not a customer tier.")
    if "attributes" in changes:
        changes = {
            **changes,
            "attributes": custom_fields_validate(
                target="customer", values=changes["attributes"] or {}, current=customer.attributes
            ),
        }
    with transaction.atomic():
        before = {k: _plain(getattr(customer, k)) for k in changes}
        for key, value in changes.items():
            setattr(customer, key, value)
        customer.updated_at = now()
        customer.save()
        after = {k: _plain(getattr(customer, k)) for k in changes}
        if before != after:
            event_record(
                actor=actor,
                entity="customer",
                entity_id=customer.pk,
                kind="customer.updated",
                before=before,
                after=after,
            )
    return customer


def identity_add(*, actor: Actor | None, customer: Customer, kind: str, value: str) -> ContactIdentity:
    """Give the customer another way to be reached; Conflict if another customer owns it."""
    _agent_check(actor)
    value = identity_normalize(kind, value)
    with transaction.atomic():
        identity = _identity_insert(customer, kind, value, primary=not customer.identities.exists())
        event_record(
            actor=actor,
            entity="customer",
            entity_id=customer.pk,
            kind="customer.identity_added",
            after={"kind": kind, "value": value},
        )
    return identity


def identity_remove(*, actor: Actor | None, identity: ContactIdentity) -> None:
    _agent_check(actor)
    with transaction.atomic():
        event_record(
            actor=actor,
            entity="customer",
            entity_id=identity.customer_id,
            kind="customer.identity_removed",
            before={"kind": identity.kind, "value": identity.value},
        )
        identity.delete()


def customer_merge(*, actor: Actor | None, source: Customer, target: Customer) -> Customer:
    """Fold a duplicate customer into another: identities, tickets (as requester) and CCs move to
    the target; the source keeps `merged_into` so old references still resolve. Events on both."""
    _agent_check(actor)
    if source.pk == target.pk:
        raise InvalidInput("A customer cannot be merged into themself.")
    if source.merged_into_id or target.merged_into_id:
        raise InvalidInput("A customer that was merged already cannot take part in another merge.")
    from helpline.tickets.models import Ticket

    with transaction.atomic():
        moved = list(source.identities.values_list("value", flat=True))
        source.identities.update(customer=target, is_primary=False)
        tickets = list(Ticket.objects.filter(requester=source).values_list("number", flat=True))
        Ticket.objects.filter(requester=source).update(requester=target)
        through = Ticket.ccs.through
        cc_ticket_ids = set(through.objects.filter(customer_id=source.pk).values_list("ticket_id", flat=True))
        through.objects.filter(customer_id=source.pk).delete()
        # The target is not copied on tickets they now request themself.
        cc_ticket_ids -= set(Ticket.objects.filter(pk__in=cc_ticket_ids, requester=target).values_list("pk", flat=True))
        through.objects.bulk_create(
            [through(ticket_id=t, customer_id=target.pk) for t in sorted(cc_ticket_ids)], ignore_conflicts=True
        )
        Ticket.ccs.through.objects.filter(customer_id=target.pk, ticket__requester=target).delete()
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        for who, kind in ((source, "customer.merged"), (target, "customer.merge_received")):
            event_record(
                actor=actor,
                entity="customer",
                entity_id=who.pk,
                kind=kind,
                after={"source": source.pk, "target": target.pk, "identities": moved, "tickets": tickets},
            )
    return target


def organization_create(
    *,
    actor: Actor | None,
    name: str,
    domains: Sequence[str] = (),
    tier: str = "",
    notes: str = "",
    shares_tickets: bool = False,
) -> Organization:
    """Create an organization; senders from its domains join it when they are first seen."""
    _agent_check(actor)
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise InvalidInput("An organization name has 1 to 200 characters.")
    if len(tier) > 32:
        raise InvalidInput("A tier has at most 32 characters.")
    try:
        with transaction.atomic():
            org = Organization.objects.create(name=name, tier=tier, notes=notes, shares_tickets=shares_tickets)
            org.domains = _domains_set(org, domains)
            org.save(update_fields=["domains"])
            event_record(
                actor=actor,
                entity="organization",
                entity_id=org.pk,
                kind="organization.created",
                after={"name": name, "domains": org.domains},
            )
    except IntegrityError:
        raise Conflict(f"An organization named '{name}' exists already.") from None
    return org


def organization_update(*, actor: Actor | None, organization: Organization, changes: dict[str, Any]) -> Organization:
    _agent_check(actor)
    unknown = set(changes) - {"name", "domains", "tier", "notes", "shares_tickets"}
    if unknown:
        raise InvalidInput(f"Unknown organization field(s): {', '.join(sorted(unknown))}.")
    if "name" in changes:
        changes = {**changes, "name": " ".join((changes["name"] or "").split())}
        if not changes["name"] or len(changes["name"]) > 200:
            raise InvalidInput("An organization name has 1 to 200 characters.")
    if len(changes.get("tier") or "") > 32:
        raise InvalidInput("A tier has at most 32 characters.")
    before = {k: getattr(organization, k) for k in changes}
    try:
        with transaction.atomic():
            for key, value in changes.items():
                setattr(organization, key, value)
            if "domains" in changes:
                organization.domains = _domains_set(organization, changes["domains"] or [])
            organization.save()
            event_record(
                actor=actor,
                entity="organization",
                entity_id=organization.pk,
                kind="organization.updated",
                before=before,
                after=changes,
            )
    except IntegrityError:
        raise Conflict("An organization with that name exists already.") from None
    return organization


def customer_password_set(*, actor: Actor | None, customer: Customer, password: str) -> Customer:
    """Set (or, with an empty `password`, remove) the customer's portal password.

    Only the customer themself (or the system) does this; the password must pass the settings'
    AUTH_PASSWORD_VALIDATORS. Only a hash is stored; the event says that it changed, nothing more.
    """
    if actor is not None and not (isinstance(actor, Customer) and actor.pk == customer.pk):
        raise PermissionDenied("Only the customer sets their own password.")
    if password:
        try:
            password_validation.validate_password(password)
        except ValidationError as error:
            messages = [str(m) for m in error.messages]
            raise InvalidInput(
                " ".join(messages), errors=[{"field": "password", "message": m} for m in messages]
            ) from None
    with transaction.atomic():
        had = bool(customer.password)
        customer.password = make_password(password) if password else ""
        customer.updated_at = now()
        customer.save(update_fields=["password", "updated_at"])
        event_record(
            actor=actor,
            entity="customer",
            entity_id=customer.pk,
            kind="customer.password_set" if password else "customer.password_removed",
            before={"has_password": had},
            after={"has_password": bool(password)},
        )
    return customer


def customer_password_authenticate(*, email: str, password: str) -> Customer | None:
    """The customer who owns `email` (following merges) when `password` is theirs; None otherwise.

    Takes as long for an unknown address as for a wrong password (a hash is computed either way),
    and upgrades the stored hash when the hasher settings moved on.
    """
    try:
        address = identity_normalize(ContactIdentity.Kind.EMAIL, email)
    except InvalidInput:
        address = ""
    identity = ContactIdentity.objects.select_related("customer").filter(kind="email", value=address).first()
    customer = identity.customer if identity is not None else None
    while customer is not None and customer.merged_into_id:
        customer = Customer.objects.filter(pk=customer.merged_into_id).first()
    if customer is None or not customer.password:
        make_password(password)  # the same work as a check, so timing says nothing
        return None

    def upgrade(raw: str) -> None:
        Customer.objects.filter(pk=customer.pk).update(password=make_password(raw))

    return customer if check_password(password, customer.password, setter=upgrade) else None


def _agent_check(actor: Actor | None) -> None:
    if actor is None:
        return
    if not isinstance(actor, Agent) or actor.role == Agent.Role.COLLABORATOR:
        raise PermissionDenied("Only agents manage customers.")


def _identity_insert(customer: Customer, kind: str, value: str, *, primary: bool) -> ContactIdentity:
    # ON CONFLICT DO NOTHING, not a savepoint around an IntegrityError: two round trips fewer for
    # every new sender, and the caller's transaction stays usable after the Conflict.
    identity = insert_row_unless_exists(
        ContactIdentity(customer=customer, kind=kind, value=value, is_primary=primary), unique=("kind", "value")
    )
    if identity is None:
        raise Conflict(
            f"{value} belongs to another customer already: merge the two customers instead.",
            errors=[{"field": kind, "message": "taken"}],
        )
    return identity


def _organization_by_domain(identities: Sequence[tuple[str, str]]) -> Organization | None:
    """The organization that lists the sender's mail domain."""
    domains = [v.split("@", 1)[1] for k, v in identities if k == ContactIdentity.Kind.EMAIL]
    if not domains:
        return None
    if len(domains) == 1:  # a sender's address, the channels' case: compiled once
        row = next(iter(_ORGANIZATION_DOMAIN(domain=domains[0])), None)
    else:
        row = OrganizationDomain.objects.select_related("organization").filter(domain__in=domains).first()
    return row.organization if row else None


_ORGANIZATION_DOMAIN = PreparedQuery(
    lambda domain: OrganizationDomain.objects.select_related("organization").filter(domain=domain).order_by(),
    domain=STR_PLACEHOLDER,
)


def _domains_set(organization: Organization, domains: Sequence[str]) -> list[str]:
    """Store the organization's domains and their lookup rows; Conflict if another owns one."""
    clean = list(dict.fromkeys(d.strip().lower().lstrip("@") for d in domains if d and d.strip()))
    taken = list(
        OrganizationDomain.objects.filter(domain__in=clean)
        .exclude(organization=organization)
        .values_list("domain", flat=True)
    )
    if taken:
        raise Conflict(f"These domains belong to another organization: {', '.join(taken)}.")
    OrganizationDomain.objects.filter(organization=organization).exclude(domain__in=clean).delete()
    OrganizationDomain.objects.bulk_create(
        [OrganizationDomain(domain=d, organization=organization) for d in clean], ignore_conflicts=True
    )
    return clean


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value
