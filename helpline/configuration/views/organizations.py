"""Organizations: their mail domains, and whether members see each other's tickets in the portal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from helpline.configuration import selectors
from helpline.configuration.views._common import checked, page, settings_view
from helpline.core.errors import PermissionDenied, ServiceError
from helpline.customers.services import organization_create, organization_update
from helpline.workspace.views._common import agent_of


@settings_view()
@require_http_methods(["GET", "POST"])
def organizations(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"values": {}, "error": ""}
    if request.method == "POST":
        try:
            created = organization_create(actor=agent_of(request), **_fields(request))
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context = {"values": request.POST, "error": error.detail}
        else:
            messages.success(request, _("Organization %(name)s added.") % {"name": created.name})
            return redirect("configuration:organizations")
    context["organizations"] = selectors.organization_list(query=request.GET.get("q", "").strip())
    context["query"] = request.GET.get("q", "")
    status = 422 if context["error"] else 200
    return page(
        request, "configuration/organizations.html", context, section="configuration:organizations", status=status
    )


@settings_view()
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, organization_id: int) -> HttpResponse:
    organization = selectors.organization_get(organization_id)
    context: dict[str, Any] = {"organization": organization, "error": ""}
    if request.method == "POST":
        try:
            organization_update(actor=agent_of(request), organization=organization, changes=_fields(request))
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context = {"organization": selectors.organization_get(organization_id), "error": error.detail}
        else:
            messages.success(request, _("Saved."))
            return redirect("configuration:organizations")
    status = 422 if context["error"] else 200
    return page(
        request, "configuration/organization_edit.html", context, section="configuration:organizations", status=status
    )


def _fields(request: HttpRequest) -> dict[str, Any]:
    domains = request.POST.get("domains", "").replace(",", " ").split()
    return {
        "name": request.POST.get("name", ""),
        "domains": domains,
        "tier": request.POST.get("tier", "").strip(),
        "shares_tickets": checked(request, "shares_tickets"),
    }
