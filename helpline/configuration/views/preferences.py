"""An agent's own preferences: availability, time zone, e-mail notifications."""

from __future__ import annotations

from zoneinfo import available_timezones

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from helpline.accounts.models import Agent
from helpline.accounts.services import NOTIFICATION_FIELDS, agent_update
from helpline.configuration.views._common import checked, field_errors, page, settings_view
from helpline.core.errors import PermissionDenied, ServiceError
from helpline.workspace.views._common import agent_of

# Lazy: read at import time, shown in the language of each request.
NOTIFICATIONS = [
    ("notify_email_assigned", gettext_lazy("A ticket is assigned to me")),
    ("notify_email_reply", gettext_lazy("A customer answers a ticket assigned to me")),
    ("notify_email_mention", gettext_lazy("Someone mentions me in a note")),
]


@settings_view(who="agent")
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    agent = agent_of(request)
    context: dict[str, object] = {"errors": {}, "error": ""}
    if request.method == "POST":
        changes: dict[str, object] = {
            "name": request.POST.get("name", ""),
            "availability": request.POST.get("availability", ""),
            "time_zone": request.POST.get("time_zone", "").strip(),
        }
        changes |= {key: checked(request, key) for key in NOTIFICATION_FIELDS}
        changes = {k: v for k, v in changes.items() if v != getattr(agent, k)}
        try:
            agent_update(actor=agent, agent=agent, changes=changes)
        except PermissionDenied:
            raise  # a 403 page, not a form error
        except ServiceError as error:
            agent.refresh_from_db()
            context = {"errors": _error_fields(error, changes), "error": error.detail, "values": request.POST}
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("preferences")
    context |= {
        "me": agent,
        "availabilities": Agent.Availability.choices,
        "time_zones": sorted(available_timezones()),
        "notifications": [(key, label, getattr(agent, key)) for key, label in NOTIFICATIONS],
    }
    status = 422 if context["error"] else 200
    return page(request, "configuration/preferences.html", context, section="preferences", status=status)


def _error_fields(error: ServiceError, changes: dict[str, object]) -> dict[str, str]:
    """agent_update names no field; its message says which, so it goes next to the one that changed."""
    found = field_errors(error)
    if found:
        return found
    text = error.detail.lower()
    for key in ("time_zone", "availability", "name"):
        if key in changes and (key.replace("_", " ") in text or key in text):
            return {key: error.detail}
    return {}
