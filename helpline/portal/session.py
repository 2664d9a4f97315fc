"""The customer's portal session: a key of its own in the session, never a Django user.

An agent signed in to the workspace in the same browser stays an agent; a customer is never
logged in as a user, so nothing of the agent side opens to them.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone

from helpline.customers.models import Customer
from helpline.portal.selectors import portal_customer_get
from helpline.workspace.middleware import zone

SESSION_KEY = "helpline_portal_customer"


def portal_sign_in(request: HttpRequest, customer: Customer) -> None:
    request.session.cycle_key()  # no session fixation
    request.session[SESSION_KEY] = customer.pk


def portal_sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def portal_customer(request: HttpRequest) -> Customer | None:
    """The signed-in customer (cached on the request); their time zone becomes the current one."""
    if hasattr(request, "_portal_customer"):
        return request._portal_customer
    customer_id = request.session.get(SESSION_KEY)
    customer = portal_customer_get(customer_id) if isinstance(customer_id, int) else None
    request._portal_customer = customer  # type: ignore[attr-defined]
    if customer is not None and zone(customer.time_zone) is not None:
        timezone.activate(zone(customer.time_zone))  # type: ignore[arg-type]
    return customer
