"""Saved views: their inbox page, and saving, changing and deleting one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpline.accounts.models import Team
from helpline.core.errors import ServiceError
from helpline.workspace.selectors import (
    counts_forget,
    inbox_columns,
    inbox_filters_parse,
    saved_view_base,
    saved_view_get,
)
from helpline.workspace.services import saved_view_create, saved_view_delete, saved_view_update
from helpline.workspace.views._common import agent_of, agent_view, error_text, is_htmx
from helpline.workspace.views.inbox import inbox_response


@agent_view
@require_http_methods(["GET", "HEAD", "POST"])
def saved_view_page(request: HttpRequest, saved_view_id: int) -> HttpResponse:
    """The saved view's tickets: the inbox with its filters, sort and columns (bulk actions too)."""
    saved = saved_view_get(actor=agent_of(request), saved_view_id=saved_view_id)
    return inbox_response(request, saved_view_base(saved), saved)


@agent_view
@require_POST
def saved_view_new(request: HttpRequest) -> HttpResponse:
    """Save the filter bar's current values under a name, for oneself or one of one's teams."""
    agent = agent_of(request)
    try:
        saved = saved_view_create(
            actor=agent, name=request.POST.get("name", ""), **_definition(request), team=_team(request)
        )
    except ServiceError as error:
        return _back(request, error_text(error))
    counts_forget(agent)  # the sidebar lists the saved views
    messages.success(request, _("View “%(name)s” saved.") % {"name": saved.name})
    return _go(request, reverse("workspace:saved", args=[saved.pk]))


@agent_view
@require_POST
def saved_view_edit(request: HttpRequest, saved_view_id: int) -> HttpResponse:
    """Rename, (un)share and, with `replace`, save the current filters, sort and columns into it."""
    agent = agent_of(request)
    saved = saved_view_get(actor=agent, saved_view_id=saved_view_id)
    values: dict[str, Any] = _definition(request) if request.POST.get("replace") else {}
    try:
        saved = saved_view_update(
            actor=agent,
            saved_view=saved,
            name=request.POST.get("name", ""),
            team=_team(request),
            **values,
        )
    except ServiceError as error:
        return _back(request, error_text(error))
    counts_forget(agent)  # the sidebar lists the saved views
    messages.success(request, _("View “%(name)s” saved.") % {"name": saved.name})
    return _go(request, reverse("workspace:saved", args=[saved.pk]))


@agent_view
@require_POST
def saved_view_remove(request: HttpRequest, saved_view_id: int) -> HttpResponse:
    agent = agent_of(request)
    saved = saved_view_get(actor=agent, saved_view_id=saved_view_id)
    try:
        saved_view_delete(actor=agent, saved_view=saved)
    except ServiceError as error:
        return _back(request, error_text(error))
    counts_forget(agent)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": saved.name})
    return _go(request, reverse("workspace:view", args=[saved.base]))


def _definition(request: HttpRequest) -> dict[str, Any]:
    """The view's definition: the filter bar's fields (htmx includes them) or, without htmx, the
    query string the page was loaded with."""
    post = request.POST
    query = post if "sort" in post else QueryDict(post.get("query", ""))
    sort = query.get("sort", "")
    return {
        "base": post.get("base", ""),
        "filters": inbox_filters_parse(query),
        "sort": sort,
        "columns": inbox_columns(query.getlist("col"), sort) if query.getlist("col") else [],
    }


def _team(request: HttpRequest) -> Team | None:
    """The team to share with; one the owner may not share with is refused by the service."""
    chosen = request.POST.get("share_team", "")
    return Team.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None


def _go(request: HttpRequest, url: str) -> HttpResponse:
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _back(request: HttpRequest, error: str) -> HttpResponse:
    """Back to where the agent was, with the reason."""
    messages.error(request, error)
    referer = request.META.get("HTTP_REFERER", "")
    safe = url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()})
    return _go(request, referer if referer and safe else reverse("workspace:inbox"))
