"""Signing agents in and out, and their availability."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from helpline.accounts.models import Agent
from helpline.accounts.services import agent_update
from helpline.accounts.signin_limits import sign_in_blocked_seconds, sign_in_failed, wait_minutes
from helpline.core.errors import ServiceError
from helpline.workspace.views._common import agent_of, agent_view, is_htmx

SIGN_IN_REALM = "agent"


class LoginView(auth_views.LoginView):
    """Django's sign-in, with failed attempts limited per address and per IP
    (HELPLINE_LOGIN_RATE_LIMIT, HELPLINE_LOGIN_IP_RATE_LIMIT). A blocked caller is refused before
    the password is checked, and told how long to wait (429)."""

    template_name = "workspace/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email, ip = request.POST.get("username", ""), str(request.META.get("REMOTE_ADDR", ""))
        wait = sign_in_blocked_seconds(realm=SIGN_IN_REALM, email=email, ip=ip)
        if wait:
            return self._refused(wait)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 200:  # the form came back: the sign-in failed
            wait = sign_in_failed(realm=SIGN_IN_REALM, email=email, ip=ip)
            if wait:
                return self._refused(wait)
        return response

    def _refused(self, seconds: int) -> HttpResponse:
        form = self.get_form_class()(self.request, data=None)
        minutes = wait_minutes(seconds)
        message = ngettext(
            "Too many failed sign-in attempts. Please wait %(minutes)d minute and try again.",
            "Too many failed sign-in attempts. Please wait %(minutes)d minutes and try again.",
            minutes,
        ) % {"minutes": minutes}
        context = self.get_context_data(form=form, rate_limited=message, email=self.request.POST.get("username", ""))
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(seconds)
        return response


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
