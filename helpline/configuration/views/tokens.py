"""API tokens: an agent's own (admins see everyone's); the secret is shown once."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from helpline.accounts.permissions import can_manage
from helpline.accounts.tokens import token_create, token_revoke
from helpline.configuration import selectors
from helpline.configuration.views._common import field_errors, page, settings_view
from helpline.core.errors import PermissionDenied, ServiceError
from helpline.workspace.views._common import agent_of


@settings_view(who="agent")
@never_cache  # the page that shows a new secret must not be kept by any cache
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    actor = agent_of(request)
    context: dict[str, object] = {"errors": {}, "error": "", "values": {}, "secret": ""}
    status = 200
    if request.method == "POST":
        try:
            created, secret = token_create(actor=actor, agent=actor, name=request.POST.get("name", ""))
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context |= {"errors": field_errors(error), "error": error.detail, "values": request.POST}
            status = 422
        else:
            # Rendered, not redirected: the secret exists only in this answer.
            context |= {"secret": secret, "created": created}
            status = 200
    context |= {"tokens": selectors.token_list(actor=actor), "sees_all": can_manage(actor)}
    return page(request, "configuration/tokens.html", context, section="configuration:tokens", status=status)


@settings_view(who="agent")
@require_POST
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    actor = agent_of(request)
    token = selectors.token_get(actor=actor, token_id=token_id)
    try:
        token_revoke(actor=actor, token=token)
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("Token %(name)s is revoked.") % {"name": token.name})
    return redirect("configuration:tokens")
