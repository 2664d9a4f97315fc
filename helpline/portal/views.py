"""The customer portal (passwordless sign-in, their tickets, replies) and the public web form."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from helpline.configuration.selectors import branding_get
from helpline.core.clock import now
from helpline.core.errors import InvalidInput, NotFound, ServiceError
from helpline.core.models import CustomField
from helpline.customers.models import Customer
from helpline.portal import services
from helpline.portal.selectors import public_categories, public_custom_fields
from helpline.portal.session import portal_customer, portal_sign_in, portal_sign_out
from helpline.tickets.models import Message, Status
from helpline.tickets.selectors import attachment_get, message_list, ticket_get, ticket_list
from helpline.workspace.presenters import STATUS_SHORT
from helpline.workspace.views.files import attachment_response

View = Callable[..., HttpResponseBase]
FORM_SALT = "helpline.portal.webform"
THANKS_SALT = "helpline.portal.thanks"
FORM_MAX_AGE = 6 * 3600  # a form older than this is served again
FORM_MIN_SECONDS = 2  # people take longer than this to fill it in; robots do not


def customer_view(view: View) -> View:
    """Signed-in customers only (others see the sign-in page); anything not theirs is a 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        customer = portal_customer(request)
        if customer is None:
            return redirect(f"{reverse('portal:home')}?next={request.path}")
        try:
            return view(request, customer, *args, **kwargs)
        except NotFound:
            raise Http404(_("There is nothing here.")) from None

    return wrapped


# --- sign-in -------------------------------------------------------------------------------------


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The customer's requests, or the sign-in form."""
    customer = portal_customer(request)
    if customer is None:
        return render(request, "portal/sign_in.html", {"next": _safe_next(request.GET.get("next", ""))})
    page = ticket_list(actor=customer, sort="-updated_at", limit=50, cursor=request.GET.get("cursor") or None)
    return render(request, "portal/home.html", {"customer": customer, "page": page, "status_labels": STATUS_SHORT})


@require_POST
def sign_in(request: HttpRequest) -> HttpResponse:
    email = request.POST.get("email", "")
    try:
        services.portal_link_send(email=email, ip=_ip(request))
    except ServiceError as error:
        context = {"error": error.detail, "email": email}
        return render(request, "portal/sign_in.html", context, status=error.status)
    return render(request, "portal/sign_in_sent.html", {"email": email.strip()})


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, secret: str) -> HttpResponse:
    """GET asks for a click (mail scanners open links; they must not use them up); POST signs in."""
    if request.method == "GET":
        return render(request, "portal/sign_in_confirm.html", {"secret": secret})
    try:
        customer = services.portal_link_redeem(secret=secret)
    except InvalidInput as error:
        return render(request, "portal/sign_in.html", {"error": error.detail}, status=400)
    portal_sign_in(request, customer)
    return redirect("portal:home")


@require_POST
def sign_in_password(request: HttpRequest) -> HttpResponse:
    """Sign in with the address and the portal password (when the admin allows passwords)."""
    email = request.POST.get("email", "")
    try:
        customer = services.portal_password_sign_in(
            email=email, password=request.POST.get("password", ""), ip=_ip(request)
        )
    except NotFound:
        raise Http404(_("There is nothing here.")) from None
    except ServiceError as error:
        context = {"password_error": error.detail, "email": email, "next": _safe_next(request.POST.get("next", ""))}
        return render(request, "portal/sign_in.html", context, status=error.status)
    portal_sign_in(request, customer)
    return redirect(_safe_next(request.POST.get("next", "")) or "portal:home")


@customer_view
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest, customer: Customer) -> HttpResponse:
    """The signed-in customer chooses, changes or removes their portal password."""
    if not branding_get().portal_passwords:
        raise Http404(_("There is nothing here."))
    context: dict[str, Any] = {"customer": customer, "has_password": bool(customer.password)}
    if request.method == "POST":
        remove = bool(request.POST.get("remove"))
        try:
            services.portal_password_set(
                customer=customer,
                password="" if remove else request.POST.get("password", ""),
                repeated="" if remove else request.POST.get("repeated", ""),
            )
        except ServiceError as error:
            context |= {"error": error.detail, "field_errors": _field_errors(error)}
            return render(request, "portal/password.html", context, status=error.status)
        messages.success(request, _("Your password is removed.") if remove else _("Your password is saved."))
        return redirect("portal:home")
    return render(request, "portal/password.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    portal_sign_out(request)
    return redirect("portal:home")


# --- tickets -------------------------------------------------------------------------------------


@customer_view
@require_safe
def ticket(request: HttpRequest, customer: Customer, number: int) -> HttpResponse:
    found = ticket_get(actor=customer, number=number)
    return render(request, "portal/ticket.html", _ticket_context(customer, found))


@customer_view
@require_POST
def ticket_reply(request: HttpRequest, customer: Customer, number: int) -> HttpResponse:
    found = ticket_get(actor=customer, number=number)
    body = request.POST.get("body", "")
    try:
        message = services.portal_message_add(customer=customer, ticket=found, body=body, files=_files(request))
    except ServiceError as error:
        context = {**_ticket_context(customer, found), "error": error.detail, "body": body}
        return render(request, "portal/ticket.html", context, status=error.status)
    return redirect(reverse("portal:ticket", args=[message.ticket.number]) + f"#message-{message.pk}")


@customer_view
@require_POST
def ticket_solve(request: HttpRequest, customer: Customer, number: int) -> HttpResponse:
    services.portal_ticket_solve(customer=customer, number=number)
    return redirect("portal:ticket", number=number)


@customer_view
@require_safe
def attachment(request: HttpRequest, customer: Customer, attachment_id: int) -> FileResponse:
    return attachment_response(attachment_get(actor=customer, attachment_id=attachment_id), request)


def _ticket_context(customer: Customer, found: Any) -> dict[str, Any]:
    messages = message_list(actor=customer, ticket=found, limit=200).items
    return {
        "customer": customer,
        "ticket": found,
        "thread": [m for m in messages if m.kind in Message.PUBLIC_KINDS],
        "status_labels": STATUS_SHORT,
        "may_solve": found.status not in (Status.SOLVED, Status.CLOSED),
    }


# --- the public web form -------------------------------------------------------------------------


@csrf_exempt  # checked below: the session's token when signed in, a signed form token otherwise
@xframe_options_exempt  # the CSP's frame-ancestors decides (HELPLINE_FORM_FRAME_ANCESTORS)
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    """Open a request: anyone (the web form, embeddable with ?embed=1) or a signed-in customer.

    Anonymous posts carry no cookie a third-party page could ride on, so instead of the CSRF
    cookie (which browsers drop in cross-site iframes) they need a signed token from a form we
    served, at least a few seconds old; a honeypot field catches form-filling robots.
    """
    customer = portal_customer(request)
    embed = request.GET.get("embed") == "1" and customer is None
    context = _form_context(request, customer, embed)
    if request.method == "POST":
        refusal = _form_check(request, customer)
        if refusal is not None:
            context["error"] = refusal
            return _framed(render(request, "portal/new.html", context, status=403), embed)
        if request.POST.get("website"):  # the honeypot: pretend it worked, keep nothing
            return redirect(_thanks_url(0, embed))
        try:
            created = services.webform_submit(
                actor=customer,
                name=request.POST.get("name", ""),
                email=request.POST.get("email", ""),
                subject=request.POST.get("subject", ""),
                body=request.POST.get("body", ""),
                ip=_ip(request),
                category=_category(request.POST.get("category", ""), context["categories"]),
                custom_fields=_custom_values(request, context["fields"]),
                files=_files(request),
            )
        except ServiceError as error:
            context.update(error=error.detail, field_errors=_field_errors(error))
            return _framed(render(request, "portal/new.html", context, status=error.status), embed)
        return redirect(_thanks_url(created.number, embed))
    return _framed(render(request, "portal/new.html", context), embed)


@xframe_options_exempt
@require_safe
def new_request_done(request: HttpRequest) -> HttpResponse:
    embed = request.GET.get("embed") == "1"
    try:
        number = signing.loads(request.GET.get("t", ""), salt=THANKS_SALT, max_age=3600)["n"]
    except (signing.BadSignature, KeyError, TypeError):
        raise Http404(_("There is nothing here.")) from None
    context = {"number": number, "embed": embed, "customer": portal_customer(request)}
    return _framed(render(request, "portal/new_done.html", context), embed)


def _form_context(request: HttpRequest, customer: Customer | None, embed: bool) -> dict[str, Any]:
    return {
        "customer": customer,
        "embed": embed,
        "categories": public_categories(),
        "fields": public_custom_fields(),
        "form_token": signing.dumps({"t": now().timestamp()}, salt=FORM_SALT),
        "values": request.POST if request.method == "POST" else {},
        "field_errors": {},
        "max_mb": settings.HELPLINE_MAX_ATTACHMENT_BYTES // (1024 * 1024),
        "embed_snippet": _embed_snippet(),
    }


def _form_check(request: HttpRequest, customer: Customer | None) -> str | None:
    """Why this post is refused (None when it may go on)."""
    if customer is not None:
        if CsrfViewMiddleware(_unused).process_view(request, _unused, (), {}) is not None:
            return _("The form expired: reload the page and send it again.")
        return None
    try:
        served = signing.loads(request.POST.get("form_token", ""), salt=FORM_SALT, max_age=FORM_MAX_AGE)["t"]
    except (signing.BadSignature, KeyError, TypeError):
        return _("The form expired: reload the page and send it again.")
    if now().timestamp() - float(served) < FORM_MIN_SECONDS:
        return _("That was very fast. Please check the form and send it again.")
    return None


def _unused(request: HttpRequest) -> HttpResponse:  # pragma: no cover - never called
    return HttpResponse()


def _framed(response: HttpResponse, embed: bool) -> HttpResponse:
    """Embedded pages may be framed by the sites named in HELPLINE_FORM_FRAME_ANCESTORS."""
    ancestors = ["'self'", *settings.HELPLINE_FORM_FRAME_ANCESTORS] if embed else ["'self'"]
    response._csp_config = {**settings.SECURE_CSP, "frame-ancestors": ancestors}  # type: ignore[attr-defined]
    if not embed:
        response["X-Frame-Options"] = "SAMEORIGIN"
    return response


def _thanks_url(number: int, embed: bool) -> str:
    token = signing.dumps({"n": number}, salt=THANKS_SALT)
    return f"{reverse('portal:new-done')}?t={token}{'&embed=1' if embed else ''}"


def _embed_snippet() -> str:
    url = settings.SITE_URL.rstrip("/") + reverse("portal:new") + "?embed=1"
    return f'<iframe src="{url}" title="Contact support" width="100%" height="820" loading="lazy"></iframe>'


def _category(value: str, categories: list[Any]) -> Any:
    return next((c for c in categories if str(c.pk) == value), None)


def _custom_values(request: HttpRequest, fields: list[CustomField]) -> dict[str, Any]:
    """The public custom fields as typed values; what cannot be read is passed on as text for the
    service to refuse with a message."""
    values: dict[str, Any] = {}
    for field in fields:
        raw = request.POST.get(f"cf_{field.key}", "").strip()
        if field.type == CustomField.Type.BOOLEAN:
            values[field.key] = raw == "on"
            continue
        if not raw:
            continue
        try:
            if field.type == CustomField.Type.INTEGER:
                values[field.key] = int(raw)
            elif field.type == CustomField.Type.NUMBER:
                values[field.key] = float(raw)
            else:
                values[field.key] = raw
        except ValueError:
            values[field.key] = raw
    return values


def _field_errors(error: ServiceError) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors:
        name = str(item.get("field", ""))
        if name.startswith("custom_fields."):
            name = "cf_" + name.split(".", 1)[1]
        found.setdefault(name, str(item.get("message", "")))
    return found


def _files(request: HttpRequest) -> list[services.Upload]:
    return [
        services.Upload(content=f, name=f.name or "attachment", content_type=f.content_type or "")
        for f in request.FILES.getlist("files")
    ]


def _ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def _safe_next(value: str) -> str:
    return value if value.startswith("/portal/") and "//" not in value else ""
