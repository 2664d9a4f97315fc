"""The company's name and logo, the portal's switches, and the logo itself (public)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from helpline.configuration import selectors
from helpline.configuration.models import Branding
from helpline.configuration.selectors import LOGO_URL_DIGEST
from helpline.configuration.services import LOGO_MAX_BYTES, branding_logo_remove, branding_logo_set, branding_update
from helpline.configuration.views._common import checked, field_errors, page, settings_view
from helpline.core.errors import PermissionDenied, ServiceError
from helpline.workspace.views._common import agent_of


@settings_view(who="admin")
@require_http_methods(["GET", "POST"])
def branding(request: HttpRequest) -> HttpResponse:
    row = Branding.objects.defer("logo").filter(pk=Branding.SINGLETON_ID).first() or Branding()
    context = {"row": row, "errors": {}, "error": "", "logo_max_kb": LOGO_MAX_BYTES // 1024}
    if request.method == "POST":
        try:
            branding_update(
                actor=agent_of(request),
                company_name=request.POST.get("company_name", ""),
                portal_passwords=checked(request, "portal_passwords"),
            )
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context |= {"errors": field_errors(error), "error": error.detail}
            return page(request, "configuration/branding.html", context, section="configuration:branding", status=422)
        messages.success(request, _("Saved."))
        return redirect("configuration:branding")
    return page(request, "configuration/branding.html", context, section="configuration:branding")


@settings_view(who="admin")
@require_POST
def branding_logo(request: HttpRequest) -> HttpResponse:
    """Upload a new logo, or remove it (`remove`)."""
    actor = agent_of(request)
    try:
        if request.POST.get("remove"):
            branding_logo_remove(actor=actor)
            messages.success(request, _("The logo is removed."))
        else:
            upload = request.FILES.get("logo")
            if upload is None:
                messages.error(request, _("Choose an image file."))
                return redirect("configuration:branding")
            # Read one byte more than allowed: the service refuses it without reading a huge file.
            branding_logo_set(actor=actor, content=upload.read(LOGO_MAX_BYTES + 1))
            messages.success(request, _("The new logo is in place."))
    except ServiceError as error:
        messages.error(request, error.detail)
    return redirect("configuration:branding")


@require_safe
def logo(request: HttpRequest, digest: str) -> HttpResponse:
    """The logo, for the workspace and the portal (no sign-in): its URL names its content, so it
    may be cached for long."""
    found = selectors.branding_logo()
    if found is None or len(digest) != LOGO_URL_DIGEST or not found[2].startswith(digest):
        raise Http404(_("There is nothing here."))
    content, content_type, full_digest = found
    if request.headers.get("If-None-Match") == f'"{full_digest}"':
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(content, content_type=content_type)
    response["ETag"] = f'"{full_digest}"'
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
