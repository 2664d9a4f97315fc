"""Canned responses in the settings (/settings/responses/): every agent keeps personal ones;
supervisors and admins also write those shared with a team or everyone."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpline.accounts.models import Team
from helpline.configuration.views._common import field_errors, page
from helpline.core.errors import ServiceError
from helpline.responses.models import CannedResponse
from helpline.responses.placeholders import PLACEHOLDERS
from helpline.responses.selectors import (
    canned_response_get,
    canned_response_may_change,
    canned_response_scope_choices,
    canned_responses_visible,
)
from helpline.responses.services import canned_response_create, canned_response_delete, canned_response_update
from helpline.workspace.views._common import agent_of, agent_view, error_text

SECTION = "/settings/responses/"


@agent_view
@require_http_methods(["GET", "HEAD", "POST"])
def responses(request: HttpRequest) -> HttpResponse:
    """GET: the responses the agent may use, and a form for a new one. POST: write it."""
    agent = agent_of(request)
    form = {"title": "", "body": "", "scope": "personal"}
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = _form(request)
        try:
            response = canned_response_create(actor=agent, **_fields(form))
        except ServiceError as error:
            context.update(error=error_text(error), errors=field_errors(error))
        else:
            messages.success(request, _("Canned response “%(title)s” saved.") % {"title": response.title})
            return redirect("responses:list")
    query = request.GET.get("q", "").strip()
    rows = [
        {"response": r, "may_change": canned_response_may_change(agent, r)}
        for r in canned_responses_visible(actor=agent, query=query)
    ]
    context.update(rows=rows, query=query, form=form, **_choices(agent))
    return page(request, "responses/list.html", context, section=SECTION, status=422 if context.get("error") else 200)


@agent_view
@require_http_methods(["GET", "HEAD", "POST"])
def response_edit(request: HttpRequest, canned_response_id: int) -> HttpResponse:
    agent = agent_of(request)
    response = canned_response_get(actor=agent, canned_response_id=canned_response_id)
    may_change = canned_response_may_change(agent, response)
    form = {"title": response.title, "body": response.body, "scope": _scope_value(response)}
    context: dict[str, Any] = {}
    if request.method == "POST":
        form = _form(request)
        try:
            canned_response_update(actor=agent, canned_response=response, **_fields(form))
        except ServiceError as error:
            context.update(error=error_text(error), errors=field_errors(error))
        else:
            messages.success(request, _("Canned response “%(title)s” saved.") % {"title": form["title"].strip()})
            return redirect("responses:list")
    context.update(response=response, may_change=may_change, form=form, **_choices(agent))
    return page(request, "responses/edit.html", context, section=SECTION, status=422 if context.get("error") else 200)


@agent_view
@require_POST
def response_delete(request: HttpRequest, canned_response_id: int) -> HttpResponse:
    agent = agent_of(request)
    response = canned_response_get(actor=agent, canned_response_id=canned_response_id)
    try:
        canned_response_delete(actor=agent, canned_response=response)
    except ServiceError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Canned response “%(title)s” deleted.") % {"title": response.title})
    return redirect("responses:list")


def _form(request: HttpRequest) -> dict[str, str]:
    post = request.POST
    return {"title": post.get("title", ""), "body": post.get("body", ""), "scope": post.get("scope", "personal")}


def _fields(form: dict[str, str]) -> dict[str, Any]:
    """The service's arguments from the form: scope "personal", "everyone" or "team:<id>"."""
    scope, _sep, team_id = form["scope"].partition(":")
    team = Team.objects.filter(pk=int(team_id)).first() if team_id.isdigit() else None
    return {"title": form["title"], "body": form["body"], "scope": scope, "team": team}


def _scope_value(response: CannedResponse) -> str:
    return f"team:{response.team_id}" if response.scope == CannedResponse.Scope.TEAM else response.scope


def _choices(agent: Any) -> dict[str, Any]:
    return {
        "scope_choices": canned_response_scope_choices(actor=agent),
        "placeholders": [(f"{{{{ {name} }}}}", label) for name, (label, _value) in PLACEHOLDERS.items()],
    }
