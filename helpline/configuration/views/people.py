"""Agents and roles, teams and their members."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpline.accounts.models import Agent, Team
from helpline.accounts.permissions import can_manage
from helpline.accounts.services import agent_create, agent_update, team_create, team_member_set, team_update
from helpline.configuration import selectors
from helpline.configuration.services import agent_invitation_send, agent_invite
from helpline.configuration.views._common import checked, field_errors, page, settings_view, whole_number
from helpline.core.errors import NotFound, PermissionDenied, ServiceError
from helpline.workspace.views._common import agent_of

# --- agents --------------------------------------------------------------------------------------


@settings_view()
@require_http_methods(["GET", "POST"])
def agents(request: HttpRequest) -> HttpResponse:
    """Every agent; admins add one here (with a password, or by an e-mailed invitation)."""
    actor = agent_of(request)
    context: dict[str, Any] = {"values": {}, "errors": {}, "error": ""}
    if request.method == "POST":
        values = request.POST
        try:
            if values.get("password"):
                created = agent_create(
                    actor=actor,
                    email=values.get("email", ""),
                    name=values.get("name", ""),
                    role=values.get("role", ""),
                    password=values["password"],
                )
                messages.success(request, _("%(name)s can sign in now.") % {"name": created.name})
            else:
                created = agent_invite(
                    actor=actor, email=values.get("email", ""), name=values.get("name", ""), role=values.get("role", "")
                )
                messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": created.email})
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context = {"values": values, "errors": field_errors(error), "error": error.detail}
        else:
            return redirect("configuration:agents")
    context |= {
        "agents": selectors.agent_list(actor=actor, query=request.GET.get("q", "").strip()),
        "query": request.GET.get("q", ""),
        "roles": Agent.Role.choices,
        "may_edit": can_manage(actor),
    }
    status = 422 if context["error"] else 200
    return page(request, "configuration/agents.html", context, section="configuration:agents", status=status)


@settings_view(who="admin")
@require_http_methods(["GET", "POST"])
def agent_edit(request: HttpRequest, agent_id: int) -> HttpResponse:
    """Change an agent's name, role, capacity; deactivate or activate them (admins)."""
    actor = agent_of(request)
    agent = selectors.agent_get(actor=actor, agent_id=agent_id)
    context = {"agent": agent, "roles": Agent.Role.choices, "errors": {}, "error": ""}
    if request.method == "POST":
        changes = {
            "name": request.POST.get("name", ""),
            "role": request.POST.get("role", ""),
            "capacity": whole_number(request.POST.get("capacity", ""), -1),
            "is_active": checked(request, "is_active"),
        }
        changes = {k: v for k, v in changes.items() if v != getattr(agent, k)}
        try:
            agent_update(actor=actor, agent=agent, changes=changes)
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            agent.refresh_from_db()
            context |= {"errors": field_errors(error), "error": error.detail}
            return page(request, "configuration/agent_edit.html", context, section="configuration:agents", status=422)
        messages.success(request, _("Saved."))
        return redirect("configuration:agents")
    return page(request, "configuration/agent_edit.html", context, section="configuration:agents")


@settings_view(who="admin")
@require_POST
def agent_invitation(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = selectors.agent_get(actor=agent_of(request), agent_id=agent_id)
    try:
        agent_invitation_send(actor=agent_of(request), agent=agent)
    except ServiceError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("An invitation is on its way to %(email)s.") % {"email": agent.email})
    return redirect("configuration:agent", agent_id=agent.pk)


# --- teams ---------------------------------------------------------------------------------------


@settings_view()
@require_http_methods(["GET", "POST"])
def teams(request: HttpRequest) -> HttpResponse:
    """Every team with its members; admins add teams (private ones too)."""
    actor = agent_of(request)
    context: dict[str, Any] = {"values": {}, "errors": {}, "error": ""}
    if request.method == "POST":
        try:
            team = team_create(
                actor=actor,
                name=request.POST.get("name", ""),
                description=request.POST.get("description", "").strip(),
                is_private=checked(request, "is_private"),
            )
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            context = {"values": request.POST, "errors": {"name": error.detail}, "error": error.detail}
        else:
            messages.success(request, _("Team %(name)s added.") % {"name": team.name})
            return redirect("configuration:team", team_id=team.pk)
    team_rows = list(selectors.team_list(actor=actor))
    context |= {
        "teams": [(t, selectors.team_may_manage(actor=actor, team=t)) for t in team_rows],
        "may_create": can_manage(actor),
    }
    status = 422 if context["error"] else 200
    return page(request, "configuration/teams.html", context, section="configuration:teams", status=status)


@settings_view()
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team: admins change its name, description and privacy; its leads and admins its members."""
    actor = agent_of(request)
    team = selectors.team_get(actor=actor, team_id=team_id)
    context: dict[str, Any] = {"errors": {}, "error": ""}
    if request.method == "POST":
        changes = {
            "name": request.POST.get("name", ""),
            "description": request.POST.get("description", "").strip(),
            "is_private": checked(request, "is_private"),
        }
        try:
            team_update(actor=actor, team=team, changes=changes)
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            team.refresh_from_db()
            context = {"errors": field_errors(error) or {"name": error.detail}, "error": error.detail}
        else:
            messages.success(request, _("Saved."))
            return redirect("configuration:team", team_id=team.pk)
    return _team_page(request, team, context)


@settings_view()
@require_POST
def team_members(request: HttpRequest, team_id: int) -> HttpResponse:
    """Add, promote, demote or remove a member; htmx swaps the members region."""
    actor = agent_of(request)
    team = selectors.team_get(actor=actor, team_id=team_id)
    context: dict[str, Any] = {"errors": {}, "error": ""}
    try:
        member = selectors.agent_get(actor=actor, agent_id=whole_number(request.POST.get("agent", ""), 0) or 0)
        action = request.POST.get("action", "add")
        team_member_set(
            actor=actor,
            team=team,
            agent=member,
            member=action != "remove",
            is_lead=action == "lead" or (action == "add" and checked(request, "is_lead")),
        )
    except NotFound:
        context["member_error"] = _("Choose an agent.")
    except ServiceError as error:
        context["member_error"] = error.detail
    team = selectors.team_get(actor=actor, team_id=team_id)
    if getattr(request, "htmx", False):
        return _team_page(request, team, context, template="configuration/team_edit.html#members")
    if "member_error" in context:
        messages.error(request, str(context["member_error"]))
    return redirect("configuration:team", team_id=team.pk)


def _team_page(request: HttpRequest, team: Team, context: dict[str, Any], template: str = "") -> HttpResponse:
    actor = agent_of(request)
    member_ids = {m.agent_id for m in team.memberships.all()}
    context = {
        **context,
        "team": team,
        "may_edit": can_manage(actor),
        "may_manage_members": selectors.team_may_manage(actor=actor, team=team),
        "candidates": [a for a in selectors.agent_list(actor=actor, include_inactive=False) if a.pk not in member_ids],
    }
    # htmx swaps only 2xx answers: the members region carries its own error message.
    status = 422 if not template and (context.get("error") or context.get("member_error")) else 200
    return page(
        request, template or "configuration/team_edit.html", context, section="configuration:teams", status=status
    )
