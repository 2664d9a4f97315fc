"""What every settings view needs: who may enter, the page frame, service errors as form errors."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helpline.accounts.models import Agent
from helpline.accounts.permissions import can_manage, can_supervise
from helpline.core.errors import PermissionDenied, ServiceError
from helpline.workspace.views._common import agent_of, agent_view, nav_context

View = Callable[..., HttpResponseBase]

# (url name or path, label, who sees it: "admin" | "supervisor" | "agent")
SECTIONS: list[tuple[str, Any, str]] = [
    ("configuration:agents", _("Agents and roles"), "supervisor"),
    ("configuration:teams", _("Teams"), "supervisor"),
    ("configuration:organizations", _("Organizations"), "supervisor"),
    ("configuration:categories", _("Categories"), "supervisor"),
    ("configuration:tags", _("Tags"), "supervisor"),
    ("configuration:fields", _("Custom fields"), "admin"),
    ("/settings/responses/", _("Canned responses"), "supervisor"),
    ("configuration:branding", _("Company and portal"), "admin"),
    ("configuration:tokens", _("API tokens"), "agent"),
]


def settings_view(*, who: str = "supervisor") -> Callable[[View], View]:
    """Signed-in agents of at least `who` ("admin", "supervisor", "agent"); others get a 403."""

    def decorate(view: View) -> View:
        @agent_view
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not _may_enter(agent_of(request), who):
                raise HttpForbidden("Settings are for admins and supervisors.")
            try:
                return view(request, *args, **kwargs)
            except PermissionDenied as error:
                raise HttpForbidden(error.detail) from None

        return wrapped

    return decorate


def _may_enter(agent: Agent, who: str) -> bool:
    if who == "admin":
        return can_manage(agent)
    if who == "supervisor":
        return can_supervise(agent)
    return True


def page(
    request: HttpRequest, template: str, context: dict[str, Any], *, section: str, status: int = 200
) -> HttpResponse:
    """Render a settings page inside the workspace frame, with the settings menu."""
    agent = agent_of(request)
    menu = [
        {"url": url if url.startswith("/") else reverse(url), "label": label, "current": url == section}
        for url, label, who in SECTIONS
        if _may_enter(agent, who)
    ]
    full = {**nav_context(agent, None), "settings_menu": menu, "is_admin": can_manage(agent), **context}
    return render(request, template, full, status=status)


def field_errors(error: ServiceError) -> dict[str, str]:
    """A service error's per-field messages by field name (the first for each)."""
    found: dict[str, str] = {}
    for item in error.errors:
        found.setdefault(str(item.get("field", "")), str(item.get("message", "")))
    return found


def checked(request: HttpRequest, name: str) -> bool:
    return request.POST.get(name) in ("on", "true", "1")


def whole_number(value: str, default: int | None = None) -> int | None:
    try:
        return int(value.strip())
    except (AttributeError, ValueError):
        return default


@agent_view
def home(request: HttpRequest) -> HttpResponse:
    """/settings/: the first section this agent may use."""
    return redirect("configuration:agents" if can_supervise(agent_of(request)) else "configuration:tokens")
