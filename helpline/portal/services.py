"""What the portal and the web form write: sign-in links, web-form tickets, customer replies.

Tickets, messages and attachments are written by the tickets services; mail leaves through the
outbox (kind "email", payload {to, subject, text, html}) in the same transaction as its cause.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext, ngettext

from helpline.accounts.signin_limits import sign_in_blocked_seconds, sign_in_failed, wait_minutes
from helpline.audit.services import event_record
from helpline.configuration.selectors import branding_get
from helpline.core.clock import now
from helpline.core.errors import InvalidInput, NotFound, ServiceError
from helpline.customers.models import ContactIdentity, Customer
from helpline.customers.selectors import customer_find_by_identity
from helpline.customers.services import (
    customer_get_or_create_by_email,
    customer_password_authenticate,
    customer_password_set,
    identity_normalize,
)
from helpline.outbox.services import outbox_enqueue
from helpline.portal.models import PortalLink
from helpline.portal.ratelimit import limit_exceeded
from helpline.tickets.models import Category, Channel, Message, Status, Ticket
from helpline.tickets.selectors import ticket_get
from helpline.tickets.services import attachment_upload, customer_message_add, ticket_create, ticket_update

PORTAL_LINK_MINUTES = 15
MAX_FILES = 10
SIGN_IN_REALM = "portal"  # failed password sign-ins are counted apart from the workspace's


class RateLimited(ServiceError):
    status, code, title = 429, "rate-limited", "Too many requests"


@dataclass(frozen=True)
class Upload:
    """A file as the form received it."""

    content: IO[bytes]
    name: str
    content_type: str


# --- sign-in links -------------------------------------------------------------------------------


def portal_link_send(*, email: str, ip: str) -> None:
    """E-mail a one-time sign-in link to the customer who owns `email`.

    Says nothing about whether the address is known: an unknown address gets no mail and the
    caller shows the same page. Rate-limited per address and per IP (RateLimited).
    """
    try:
        address = identity_normalize(ContactIdentity.Kind.EMAIL, email)
    except InvalidInput:
        raise InvalidInput(
            gettext("Enter your e-mail address."), errors=[{"field": "email", "message": "invalid"}]
        ) from None
    _rate_check(address, ip)
    customer = customer_find_by_identity(kind=ContactIdentity.Kind.EMAIL, value=address)
    if customer is None:
        return
    secret = secrets.token_urlsafe(32)
    stamp = now()
    with transaction.atomic():
        PortalLink.objects.create(
            customer=customer,
            email=address,
            secret_hash=_hash(secret),
            created_at=stamp,
            expires_at=stamp + timedelta(minutes=PORTAL_LINK_MINUTES),
        )
        link = settings.SITE_URL.rstrip("/") + reverse("portal:sign-in-link", args=[secret])
        _email_enqueue(
            "sign_in",
            to=address,
            context={"customer": customer, "link": link, "minutes": PORTAL_LINK_MINUTES},
        )


def portal_link_redeem(*, secret: str) -> Customer:
    """The customer a sign-in link is for; the link is used up by the same conditional UPDATE that
    checks it, so two clicks never both sign in. InvalidInput when unknown, used or expired."""
    stamp = now()
    with transaction.atomic():
        claimed = PortalLink.objects.filter(
            secret_hash=_hash(secret), used_at__isnull=True, expires_at__gt=stamp
        ).update(used_at=stamp)
        if claimed != 1:
            raise InvalidInput(gettext("This sign-in link has expired or was used already. Ask for a new one."))
        link = PortalLink.objects.select_related("customer").get(secret_hash=_hash(secret))
        customer = link.customer
        while customer.merged_into_id:
            customer = Customer.objects.get(pk=customer.merged_into_id)
        event_record(actor=customer, entity="customer", entity_id=customer.pk, kind="portal.signed_in")
    return customer


# --- passwords (when the admin allows them) ------------------------------------------------------


def portal_password_sign_in(*, email: str, password: str, ip: str) -> Customer:
    """The customer whose address and portal password these are; appends `portal.signed_in`.

    NotFound while the admin has not allowed portal passwords. Failed attempts are limited per
    address and per IP (accounts/signin_limits.py, realm "portal"): RateLimited says how long to
    wait; a wrong address and a wrong password get the same InvalidInput.
    """
    if not branding_get().portal_passwords:
        raise NotFound(gettext("Signing in with a password is not available."))
    wait = sign_in_blocked_seconds(realm=SIGN_IN_REALM, email=email, ip=ip)
    if wait:
        raise RateLimited(_wait_text(wait))
    customer = customer_password_authenticate(email=email, password=password)
    if customer is None:
        wait = sign_in_failed(realm=SIGN_IN_REALM, email=email, ip=ip)
        if wait:
            raise RateLimited(_wait_text(wait))
        raise InvalidInput(
            gettext("That e-mail address and password do not match. Try again, or ask for a sign-in link."),
            errors=[{"field": "password", "message": "no match"}],
        )
    with transaction.atomic():
        event_record(
            actor=customer, entity="customer", entity_id=customer.pk, kind="portal.signed_in", after={"by": "password"}
        )
    return customer


def portal_password_set(*, customer: Customer, password: str, repeated: str) -> Customer:
    """The signed-in customer chooses (or, with both empty, removes) their portal password.

    NotFound while the admin has not allowed portal passwords; the customers service checks the
    password's strength, stores only its hash and appends the event.
    """
    if not branding_get().portal_passwords:
        raise NotFound(gettext("Passwords are not available in this portal."))
    if password != repeated:
        raise InvalidInput(
            gettext("The two passwords are not the same."), errors=[{"field": "repeated", "message": "differs"}]
        )
    return customer_password_set(actor=customer, customer=customer, password=password)


def _too_many_files() -> str:
    return gettext("Attach at most %(count)d files.") % {"count": MAX_FILES}


def _wait_text(seconds: int) -> str:
    minutes = wait_minutes(seconds)
    return ngettext(
        "Too many failed sign-in attempts. Please wait %(minutes)d minute and try again.",
        "Too many failed sign-in attempts. Please wait %(minutes)d minutes and try again.",
        minutes,
    ) % {"minutes": minutes}


# --- the web form and the portal -----------------------------------------------------------------


def webform_submit(
    *,
    actor: Customer | None,
    name: str,
    email: str,
    subject: str,
    body: str,
    ip: str,
    category: Category | None = None,
    custom_fields: dict[str, Any] | None = None,
    files: Sequence[Upload] = (),
) -> Ticket:
    """Open a ticket from the public web form (`actor` None) or the portal (the signed-in customer).

    Finds or creates the requester by address, stores the files, opens the ticket with the public
    custom fields only, and queues a confirmation mail with the ticket number, in one transaction.
    Rate-limited per address and per IP.
    """
    requester_email = actor.primary_email if actor is not None else email
    errors = []
    if actor is None:
        try:
            requester_email = identity_normalize(ContactIdentity.Kind.EMAIL, email)
        except InvalidInput:
            errors.append({"field": "email", "message": gettext("Enter a valid e-mail address.")})
    if not " ".join(subject.split()):
        errors.append({"field": "subject", "message": gettext("Say in a few words what it is about.")})
    if not body.strip():
        errors.append({"field": "body", "message": gettext("Describe what happened.")})
    if len(files) > MAX_FILES:
        errors.append({"field": "files", "message": _too_many_files()})
    if errors:
        raise InvalidInput(gettext("Some fields need your attention."), errors=errors)
    _rate_check(requester_email or f"customer:{actor.pk if actor else ''}", ip)
    with transaction.atomic():
        requester = actor
        if requester is None:
            requester, _created = customer_get_or_create_by_email(email=requester_email, name=" ".join(name.split()))
        attachment_ids = _uploads_store(actor, files)
        ticket = ticket_create(
            actor=actor,
            requester=requester,
            subject=subject,
            channel=Channel.PORTAL if actor is not None else Channel.WEB,
            body_text=body,
            category=category,
            custom_fields=custom_fields or {},
            attachment_ids=attachment_ids,
            public_fields_only=True,
            message_metadata={"ip": ip} if ip else None,
        )
        if requester_email:
            _email_enqueue(
                "confirmation",
                to=requester_email,
                context={"customer": requester, "ticket": ticket, "portal": _portal_url()},
                ticket=ticket,
            )
    return ticket


def portal_message_add(*, customer: Customer, ticket: Ticket, body: str, files: Sequence[Upload] = ()) -> Message:
    """The signed-in customer answers on their ticket, with files (a closed ticket gets a
    follow-up: see customer_message_add)."""
    if len(files) > MAX_FILES:
        raise InvalidInput(_too_many_files(), errors=[{"field": "files", "message": "too many"}])
    with transaction.atomic():
        attachment_ids = _uploads_store(customer, files)
        return customer_message_add(
            actor=customer,
            ticket=ticket.pk,
            author=customer,
            channel=Channel.PORTAL,
            body_text=body,
            attachment_ids=attachment_ids,
        )


def portal_ticket_solve(*, customer: Customer, number: int) -> Ticket:
    """The requester says their request is solved.

    The ticket services let only staff change a status, so the change is made by the system on
    the customer's word, after checking the customer may see the ticket; an event names them.
    """
    with transaction.atomic():
        ticket = ticket_get(actor=customer, number=number)
        if ticket.status in (Status.SOLVED, Status.CLOSED):
            return ticket
        ticket = ticket_update(actor=None, ticket=ticket.pk, changes={"status": Status.SOLVED})
        event_record(actor=customer, ticket=ticket, kind="ticket.solved_by_requester")
    return ticket


# --- helpers -------------------------------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _rate_check(address: str, ip: str) -> None:
    over_address = limit_exceeded("address", address, settings.HELPLINE_FORM_RATE_LIMIT)
    over_ip = bool(ip) and limit_exceeded("ip", ip, settings.HELPLINE_FORM_IP_RATE_LIMIT)
    if over_address or over_ip:
        raise RateLimited(gettext("Too many requests from you in a short time. Please wait a while and try again."))


def _uploads_store(actor: Customer | None, files: Sequence[Upload]) -> list[int]:
    ids = []
    for upload in files:
        try:
            stored = attachment_upload(
                actor=actor, content=upload.content, filename=upload.name, content_type=upload.content_type
            )
        except ServiceError as error:
            raise type(error)(
                f"{upload.name}: {error.detail}",
                errors=[{"field": "files", "message": f"{upload.name}: {error.detail}"}],
            ) from None
        ids.append(stored.pk)
    return ids


def _email_enqueue(template: str, *, to: str, context: dict[str, Any], ticket: Ticket | None = None) -> None:
    base = f"portal/emails/{template}"
    payload = {
        "to": [to],
        "subject": " ".join(render_to_string(f"{base}_subject.txt", context).split()),
        "text": render_to_string(f"{base}.txt", context),
        "html": render_to_string(f"{base}.html", context),
    }
    outbox_enqueue(kind="email", payload=payload, ticket=ticket)


def _portal_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("portal:home")
