"""Signing agents in and out, and their availability."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from helpline.accounts.models import Agent
from helpline.accounts.services import agent_update
from helpline.core.errors import ServiceError
from helpline.workspace.views._common import agent_of, agent_view, is_htmx


class LoginView(auth_views.LoginView):
    template_name = "workspace/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    next_page = "workspace:login"


@agent_view
@require_POST
def availability(request: HttpRequest) -> HttpResponse:
    """Online or away: the agent's own choice (accounts.services.agent_update)."""
    agent = agent_of(request)
    try:
        agent_update(actor=agent, agent=agent, changes={"availability": request.POST.get("availability", "")})
    except ServiceError:
        pass  # an unknown value changes nothing; the menu shows the current one again
    if not is_htmx(request):
        return redirect(request.META.get("HTTP_REFERER") or "workspace:inbox")
    context = {"availability_choices": Agent.Availability.choices}
    return render(request, "workspace/layout.html#availability", context)
